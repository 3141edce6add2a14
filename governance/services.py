"""Writes to the governance of a convention that touch several rows, each in one transaction, and
the rules a dashboard reads (`overdue_bodies`). `by`, the user acting, is the author of the
history records each write leaves (`ctg.history`). A page saved after someone else saved the
same instance, séance or list of chargés de coopération is merged or refused
(`ctg.concurrency.check`), never overwritten."""

from django.db import transaction

from conventions.models import Convention
from ctg import concurrency
from ctg.errors import DomainError
from ctg.history import authored
from ctg.keys import unique_slug

from .models import Body, CalendarToken, CooperationOfficer, Meeting

# Path segments of the instance URLs that a key must not shadow.
RESERVED_KEYS = {"nouvelle"}


def overdue_bodies(convention, today):
    """The convention's instances expected to meet at least once a year (`expected_per_year` ≥ 1)
    with fewer meetings in the 12 months up to `today` than expected, annotated with `last_meeting` and
    `next_meeting` (dates or None). Empty for a convention not in force or started less than a
    year ago. One query."""
    return list(Body.objects.filter(convention=convention).overdue(today).select_related("convention").order_by("position", "id"))


def unique_body_key(convention, name):
    taken = set(Body.objects.filter(convention=convention).values_list("key", flat=True)) | RESERVED_KEYS
    return unique_slug(name, taken, fallback="instance")


def save_rows(formset, **extra):
    """Save an inline formset's rows in the order shown (or the « N° » typed), deleting those ticked.

    `position` follows that order; untouched empty rows are ignored."""
    formset.save(commit=False)
    for obj in formset.deleted_objects:
        obj.delete()
    if formset.can_order:
        forms = formset.ordered_forms
    else:
        forms = [
            form for i, form in enumerate(formset.forms)
            if (i < formset.initial_form_count() or form.has_changed()) and not formset._should_delete_form(form)
        ]
    for position, form in enumerate(forms):
        obj = form.instance
        for name, value in extra.items():
            setattr(obj, name, value)
        obj.position = position
        obj.save()
        if hasattr(form, "save_m2m"):
            form.save_m2m()


@authored
def body_save(form, members, *, by):
    """Create or edit an instance with its members."""
    body = form.instance
    with transaction.atomic():
        if body.pk:
            current = Body.objects.select_for_update().get(pk=body.pk)
            concurrency.check(current.history.all(), form, [(form, current), *concurrency.rows(members)])
        else:
            body.key = unique_body_key(body.convention, form.cleaned_data["name"])
            body.position = Body.objects.filter(convention=body.convention).count()
        if "frequency" in form.changed_data and "expected_per_year" not in form.changed_data:
            # The frequency text changed and the number was not touched: read it again.
            body.expected_per_year = None
        body = form.save()
        members.instance = body
        save_rows(members)
    return body


@authored
def body_delete(body, *, by):
    if body.meetings.exists():
        raise DomainError(
            f"L'instance « {body.name} » a des séances enregistrées : supprimez-les d'abord, ou gardez l'instance "
            "pour l'historique."
        )
    with transaction.atomic():
        body.delete()


@authored
def meeting_save(form, agenda, participants, *, by):
    """Plan a séance (or edit its plan): date, place, ordre du jour, participants."""
    with transaction.atomic():
        if form.instance.pk:
            current = Meeting.objects.select_for_update().get(pk=form.instance.pk)
            concurrency.check(current.history.all(), form, [
                (form, current), *concurrency.rows(agenda), *concurrency.rows(participants)])
        meeting = form.save()
        agenda.instance = participants.instance = meeting
        save_rows(agenda)
        save_rows(participants)
    return meeting


@authored
def meeting_minutes_save(form, presence, decisions, *, by):
    """After the séance: who was there, the decisions, the compte-rendu."""
    with transaction.atomic():
        current = Meeting.objects.select_for_update().get(pk=form.instance.pk)
        concurrency.check(current.history.all(), form, [
            (form, current), *concurrency.rows(presence), *concurrency.rows(decisions)])
        meeting = form.save()
        save_rows(presence)
        save_rows(decisions)
    return meeting


@authored
def meeting_delete(meeting, *, by):
    with transaction.atomic():
        meeting.delete()


def member_rows(body, known):
    """Participant rows for the body's members who are not yet in `known` (member ids)."""
    return [
        {"member": m.pk, "name": m.name, "organisation": m.organisation, "email": m.email}
        for m in body.members.all() if m.pk not in known
    ]


def officers_history(convention):
    """The history of the convention's chargés de coopération: the version of their page."""
    return CooperationOfficer.history.filter(convention_id=convention.pk)


@authored
def officers_save(formset, version, *, by):
    """Save the list of chargés de coopération; `version`: the page's `VersionForm`. Returns the
    convention."""
    with transaction.atomic():
        Convention.objects.select_for_update().filter(pk=formset.instance.pk).values_list("pk").first()
        concurrency.check(officers_history(formset.instance), version, concurrency.rows(formset))
        save_rows(formset, convention=formset.instance)
    return formset.instance


def calendar_token_reset(user):
    """Give the user a new secret subscription URL; the previous one stops working at once."""
    with transaction.atomic():
        token, created = CalendarToken.objects.select_for_update().get_or_create(user=user)
        if not created:
            token.reset()
    return token
