from django import template

from ..parties import signing_title as _signing_title
from ..parties import with_article as _with_article

register = template.Library()


@register.filter
def with_article(name):
    """« Communauté de communes Roumois Seine » → « la Communauté de communes Roumois Seine »."""
    return _with_article(name) if name else ""


@register.filter
def signing_title(signatory):
    """« La Directrice » : the capacity heading a signatory's column in the signature block."""
    return _signing_title(signatory)


@register.filter
def investment(row):
    """An SPPE row's investment project as one phrase: « Extension : … », without saying the type
    twice when the details already start with it (« Rénovation énergétique du bâtiment »)."""
    kind, details = row.get_investment_type_display(), row.investment_details.strip()
    if not kind or details.casefold().startswith(kind.casefold()):
        return details
    return f"{kind} : {details}" if details else kind
