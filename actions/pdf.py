"""One fiche action as a short PDF to send to a partner (templates/pdf/fiche.html)."""

from ctg.pdf import PdfDocument

from .models import Fiche, Update
from .periods import Period
from .tracking import with_latest_values


class FichePdf(PdfDocument):
    """One fiche action, to send to a partner: where it sits in the plan, the canonical table,
    its indicators with their latest value, and its latest quarterly status."""

    template_name = "pdf/fiche.html"

    def context(self, fiche):
        fiche = (
            Fiche.objects.with_details()
            .select_related("convention__caf", "avenant", "previous_version__avenant")
            .prefetch_related("indicators")
            .get(pk=fiche.pk)
        )
        indicators = with_latest_values(fiche, confirmed_only=True)
        # The latest quarter someone confirmed: a row copied from the previous quarter is not news.
        confirmed = Update.objects.filter(copied_from="").order_by("-period")
        update = confirmed.filter(fiche=fiche).first()
        inherited = False
        if update is None and fiche.previous_version_id:
            # A new version continues its predecessor's tracking until its own first update.
            update = confirmed.filter(fiche=fiche.previous_version_id).first()
            inherited = update is not None
        if update is not None:
            try:
                update.period_label = Period.parse(update.period).label
            except ValueError:  # a row written out of range by other means: shown as stored
                update.period_label = update.period
        return {
            "convention": fiche.convention,
            "fiche": fiche,
            "draft": bool(fiche.avenant and not fiche.avenant.is_signed),
            "indicators": indicators,
            "update": update,
            "update_inherited": inherited,
        }

    def title(self, fiche):
        return f"Fiche action {fiche.number}"

    def filename(self, fiche):
        return f"{fiche.convention.slug}-action-{fiche.number}-{fiche.key}.pdf"
