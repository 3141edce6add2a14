from django import template

from ..parties import with_article as _with_article

register = template.Library()


@register.filter
def with_article(name):
    """« Communauté de communes Roumois Seine » → « la Communauté de communes Roumois Seine »."""
    return _with_article(name) if name else ""
