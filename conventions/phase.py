"""The status a convention shows on a date — its « phase ».

The stored status keeps what people decided: préparation, abandonnée, signée (by the signature
service), en renouvellement (by hand). Time does the rest, without anyone clicking and without a
scheduled job: a signed convention is shown « en renouvellement » once its first renewal
milestone has started, and « échue » from the day after its end, as extended by the avenants
applied on that date. Every page, list and badge shows the phase (`Convention.phase`,
`Convention.phase_on`).

Which milestones begin a renewal is a rule of `evaluation`, which owns the milestones and which
`conventions` does not import: it registers in `renewal_start` (from `evaluation.apps`) a
function returning, for the convention `OuterRef("pk")`, the expression of that start.
"""

from django.db.models import DateField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from .enums import ConventionStatus
from .in_force import applied_avenants

# A fact `phase_on` reads from the database, because the caller did not give it.
UNKNOWN = object()

# () -> expression of the start of the first renewal milestone of the convention OuterRef("pk").
renewal_start = []


def renewal_from_expression():
    if renewal_start:
        return renewal_start[0]()
    return Value(None, output_field=DateField())


def renewal_starts_on(convention):
    """The start of the convention's first renewal milestone, or None (one query)."""
    return type(convention).objects.filter(pk=convention.pk).annotate(r=renewal_from_expression()).values_list("r", flat=True).get()


def phase_on(convention, on, *, end=None, renewal_from=UNKNOWN):
    """The status shown on `on` (see the module). `end` (the end in force on `on`) and
    `renewal_from` are read from the database when not given."""
    if not convention.is_signed or convention.status == ConventionStatus.ECHUE:
        return ConventionStatus(convention.status)
    if on > (end or convention.end_on(on)):
        return ConventionStatus.ECHUE
    if convention.status == ConventionStatus.RENOUVELLEMENT:
        return ConventionStatus.RENOUVELLEMENT
    if renewal_from is UNKNOWN:
        renewal_from = renewal_starts_on(convention)
    if renewal_from is not None and renewal_from <= on:
        return ConventionStatus.RENOUVELLEMENT
    return ConventionStatus.SIGNEE


def with_phase_facts(conventions, on):
    """Annotate the queryset with what `phase_on(on)` reads, so that a list shows every phase
    without a query per row: `end_in_force` and `renewal_from`."""
    avenants = conventions.model._meta.get_field("avenants").related_model.objects
    until = avenants.filter(applied_avenants(on), convention=OuterRef("pk")).order_by().values("convention")
    return conventions.annotate(
        end_in_force=Greatest("end", Coalesce(Subquery(until.annotate(m=Max("effective_until")).values("m")), "end")),
        renewal_from=renewal_from_expression(),
    )
