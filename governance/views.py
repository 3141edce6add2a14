
from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST, require_safe

from actions.enums import Theme
from actions.models import Fiche
from conventions.models import Convention
from conventions.shortcuts import convention_context, get_convention
from ctg.concurrency import VersionForm, save_rebasing, with_version
from ctg.dates import DATE_RANGE, in_range
from ctg.forms import formset_total, with_added_rows
from ctg.responses import file_response
from ctg.shortcuts import run_and_report, site_url

from . import ical, services
from .forms import (
    AgendaFormSet,
    BodyForm,
    DecisionFormSet,
    MeetingForm,
    MemberFormSet,
    MinutesForm,
    OfficerFormSet,
    ParticipantFormSet,
    PresenceFormSet,
)
from .models import AgendaItem, Body, Decision, Meeting

FICHE_FIELDS = ("key", "number", "title", "convention_id")


# ---------------------------------------------------------------------------------------------
# The governance page


def governance(request, slug):
    """Instances with their rhythm, séances to come and held, chargés de coopération."""
    convention = get_convention(request, slug)
    context = convention_context(request, convention, "gouvernance")
    today = timezone.localdate()
    officers = list(convention.cooperation_officers.select_related("organisation"))
    for officer in officers:
        officer.theme_labels = [Theme(t).label if t in Theme.values else t for t in officer.themes]
    meetings = (
        Meeting.objects.filter(convention=convention).select_related("body", "convention")
        .annotate(item_count=Count("agenda_items", distinct=True), decision_count=Count("decisions", distinct=True))
    )
    context.update(
        today=today,
        bodies=convention.bodies.with_rhythm(today).prefetch_related("members"),
        overdue={body.pk for body in services.overdue_bodies(convention, today)},
        upcoming=meetings.filter(date__gte=today).order_by("date", "time"),
        past=meetings.filter(date__lt=today).order_by("-date", "-time"),
        officers=officers,
        fte_total=sum(o.fte for o in officers),
        fte_caf=sum(o.fte for o in officers if o.caf_funded),
    )
    return render(request, "governance/index.html", context)


# ---------------------------------------------------------------------------------------------
# Instances


def conflict_messages(request, conflict):
    """After a save merged with one made meanwhile, say what the other person changed."""
    if conflict:
        messages.info(request, conflict.notice)


def body_form_page(request, convention, body):
    data = request.POST if request.method == "POST" else None
    if data is not None and data.get("add_row") == "members":
        data = with_added_rows(data, "members")

    def build(data):
        return BodyForm(data, instance=body), MemberFormSet(data, instance=body, prefix="members", convention=convention)

    (form, members), conflict = build(data), None
    if data is not None and "add_row" not in data and form.is_valid() and members.is_valid():
        saved, (form, members), conflict = save_rebasing(
            (form, members), lambda f, m: services.body_save(f, m, by=request.user), build)
        if saved is not None:
            messages.success(request, f"L'instance « {saved.name} » est enregistrée.")
            conflict_messages(request, conflict)
            return redirect(saved.get_absolute_url())
    context = convention_context(request, convention, "gouvernance")
    context.update(form=form, members=members, body=body, conflict=conflict,
                   submitted=data is not None and "add_row" not in data)
    return render(request, "governance/body_form.html", context, status=409 if conflict else 200)


def body_create(request, slug):
    convention = get_convention(request, slug, edit=True)
    return body_form_page(request, convention, Body(convention=convention))


def body_edit(request, slug, key):
    convention = get_convention(request, slug, edit=True)
    return body_form_page(request, convention, get_object_or_404(with_version(Body.objects), convention=convention, key=key))


@require_POST
def body_delete(request, slug, key):
    convention = get_convention(request, slug, edit=True)
    body = get_object_or_404(Body, convention=convention, key=key)
    if run_and_report(request, lambda: services.body_delete(body, by=request.user), f"L'instance « {body.name} » est supprimée."):
        return redirect("governance:index", slug=convention.slug)
    return redirect("governance:body_edit", slug=convention.slug, key=body.key)


# ---------------------------------------------------------------------------------------------
# Séances


def meeting_queryset(convention):
    """A séance with everything its page shows, in a fixed number of queries."""
    fiches = Fiche.objects.only(*FICHE_FIELDS)
    return (
        Meeting.objects.filter(convention=convention).select_related("convention", "body__convention")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.prefetch_related(
                Prefetch("fiches", queryset=fiches), "milestones")),
            "participants",
            Prefetch("decisions", queryset=Decision.objects.select_related("avenant").prefetch_related(
                Prefetch("fiche", queryset=fiches))),
            Prefetch("fiches", queryset=fiches),
        )
    )


def concerned_fiches(meeting):
    """Every fiche the séance deals with: linked to it, to an agenda item or to a decision."""
    found = {f.pk: f for f in meeting.fiches.all()}
    for item in meeting.agenda_items.all():
        found.update((f.pk, f) for f in item.fiches.all())
    for decision in meeting.decisions.all():
        if decision.fiche:
            found[decision.fiche.pk] = decision.fiche
    return sorted(found.values(), key=lambda f: (f.number, f.pk))


def meeting_detail(request, slug, pk):
    """The séance as minutes: when and where, who, the ordre du jour, the decisions, the compte-rendu."""
    convention = get_convention(request, slug)
    meeting = get_object_or_404(meeting_queryset(convention), pk=pk)
    participants = list(meeting.participants.all())
    context = convention_context(request, convention, "gouvernance")
    context.update(
        meeting=meeting,
        today=timezone.localdate(),
        present=[p for p in participants if p.present is True],
        excused=[p for p in participants if p.present is False],
        unknown=[p for p in participants if p.present is None],
        has_members=any(p.member_id for p in participants),
        fiches=concerned_fiches(meeting),
    )
    return render(request, "governance/meeting_detail.html", context)


def meeting_formsets(data, meeting, convention):
    agenda = AgendaFormSet(
        data, instance=meeting, prefix="agenda", convention=convention,
        queryset=AgendaItem.objects.prefetch_related(Prefetch("fiches", queryset=Fiche.objects.only("pk")), "milestones"),
    )
    participants = ParticipantFormSet(data, instance=meeting, prefix="participants", convention=convention)
    return agenda, participants


def add_member_rows(request, convention, data):
    """"Convoquer les membres": add a participant row for each member of the chosen instance not yet listed."""
    raw = data.get("body", "")
    chosen = Body.objects.filter(convention=convention, pk=raw).first() if raw.isdigit() else None
    if chosen is None:
        messages.error(request, "Choisissez d'abord l'instance dont les membres sont convoqués.")
        return data
    known = {int(v) for k, v in data.items() if k.startswith("participants-") and k.endswith("-member") and v.isdigit()}
    rows = services.member_rows(chosen, known)
    if not rows:
        messages.info(request, "Tous les membres de l'instance sont déjà parmi les participants.")
        return data
    plural = "s" if len(rows) > 1 else ""
    messages.info(request, f"{len(rows)} membre{plural} de l'instance ajouté{plural} aux participants.")
    return with_added_rows(data, "participants", rows)


def meeting_form_page(request, convention, meeting, body=None):
    """Plan a séance: instance, date, place, ordre du jour and participants (the instance's members by default)."""
    data = request.POST if request.method == "POST" else None
    if data is not None and data.get("add_row") in ("agenda", "participants"):
        data = with_added_rows(data, data["add_row"])
    elif data is not None and "add_members" in data:
        data = add_member_rows(request, convention, data)
    initial = {"body": body} if body else {}

    def build(data):
        return (MeetingForm(data, instance=meeting, convention=convention, initial=initial),
                *meeting_formsets(data, meeting, convention))

    (form, agenda, participants), conflict = build(data), None
    if data is None and meeting.pk is None:
        agenda.extra = 1
        if body is not None:
            participants.initial_extra = services.member_rows(body, set())
            participants.extra = len(participants.initial_extra)
    editing = data is not None and "add_row" not in data and "add_members" not in data
    if editing and form.is_valid() and agenda.is_valid() and participants.is_valid():
        saved, (form, agenda, participants), conflict = save_rebasing(
            (form, agenda, participants), lambda f, a, p: services.meeting_save(f, a, p, by=request.user), build)
        if saved is not None:
            messages.success(request, f"La séance « {saved.title} » est enregistrée.")
            conflict_messages(request, conflict)
            return redirect(saved.get_absolute_url())
    context = convention_context(request, convention, "gouvernance")
    context.update(form=form, agenda=agenda, participants=participants, meeting=meeting, submitted=editing,
                   conflict=conflict)
    return render(request, "governance/meeting_form.html", context, status=409 if conflict else 200)


def meeting_create(request, slug):
    convention = get_convention(request, slug, edit=True)
    if not convention.bodies.exists():
        messages.error(request, "Créez d'abord une instance : chaque séance est celle d'une instance.")
        return redirect("governance:body_create", slug=convention.slug)
    body = Body.objects.filter(convention=convention, key=request.GET.get("instance", "")).first()
    return meeting_form_page(request, convention, Meeting(convention=convention), body=body)


def meeting_edit(request, slug, pk):
    convention = get_convention(request, slug, edit=True)
    return meeting_form_page(request, convention, get_object_or_404(with_version(Meeting.objects), convention=convention,
                                                                    pk=pk))


def meeting_minutes(request, slug, pk):
    """After the séance: presence of each participant, decisions, compte-rendu."""
    convention = get_convention(request, slug, edit=True)
    meeting = get_object_or_404(with_version(Meeting.objects.select_related("body", "convention")),
                                convention=convention, pk=pk)
    data = request.POST if request.method == "POST" else None
    if data is not None and data.get("add_row") in ("presence", "decisions"):
        data = with_added_rows(data, data["add_row"])

    def build(data):
        return (MinutesForm(data, instance=meeting),
                PresenceFormSet(data, instance=meeting, prefix="presence", convention=convention),
                DecisionFormSet(data, instance=meeting, prefix="decisions", convention=convention))

    (form, presence, decisions), conflict = build(data), None
    editing = data is not None and "add_row" not in data
    if editing and form.is_valid() and presence.is_valid() and decisions.is_valid():
        saved, (form, presence, decisions), conflict = save_rebasing(
            (form, presence, decisions), lambda f, p, d: services.meeting_minutes_save(f, p, d, by=request.user), build)
        if saved is not None:
            messages.success(request, "Le compte-rendu de la séance est enregistré.")
            conflict_messages(request, conflict)
            return redirect(meeting.get_absolute_url())
    context = convention_context(request, convention, "gouvernance")
    context.update(form=form, presence=presence, decisions=decisions, meeting=meeting, submitted=editing,
                   conflict=conflict)
    return render(request, "governance/minutes_form.html", context, status=409 if conflict else 200)


@require_POST
def meeting_delete(request, slug, pk):
    convention = get_convention(request, slug, edit=True)
    meeting = get_object_or_404(Meeting, convention=convention, pk=pk)
    services.meeting_delete(meeting, by=request.user)
    messages.success(request, f"La séance « {meeting.title} » est supprimée.")
    return redirect("governance:index", slug=convention.slug)


@require_safe
def meeting_ics(request, slug, pk):
    """The séance as an .ics file to add to any calendar."""
    convention = get_convention(request, slug)
    meeting = get_object_or_404(
        Meeting.objects.select_related("body", "convention").prefetch_related("agenda_items"),
        convention=convention, pk=pk,
    )
    if not in_range(meeting.date):  # written out of range by other means: no calendar holds it
        raise Http404(f"Séance datée hors de la période prise en charge ({DATE_RANGE}).")
    return file_response(ical.meeting_calendar(meeting, base_url=site_url(request)),
                         f"seance-{meeting.date:%Y-%m-%d}-{meeting.pk}.ics", "text/calendar; charset=utf-8")


# ---------------------------------------------------------------------------------------------
# Chargés de coopération


def officers_edit(request, slug):
    convention = get_convention(request, slug, edit=True)
    data = request.POST if request.method == "POST" else None
    if data is not None and data.get("add_row") == "officers":
        data = with_added_rows(data, "officers")

    def build(data):
        return (VersionForm(data, history=services.officers_history(convention)),
                OfficerFormSet(data, instance=convention, prefix="officers", convention=convention))

    (version, officers), conflict = build(data), None
    editing = data is not None and "add_row" not in data
    if editing and officers.is_valid():
        saved, (version, officers), conflict = save_rebasing(
            (version, officers), lambda v, o: services.officers_save(o, v, by=request.user), build)
        if saved is not None:
            messages.success(request, "Les chargés de coopération sont enregistrés.")
            conflict_messages(request, conflict)
            return redirect(reverse_anchor(convention, "charges"))
    context = convention_context(request, convention, "gouvernance")
    context.update(version=version, officers=officers, submitted=editing, conflict=conflict)
    return render(request, "governance/officers_form.html", context, status=409 if conflict else 200)


def reverse_anchor(convention, anchor):
    return reverse("governance:index", args=[convention.slug]) + f"#{anchor}"


# ---------------------------------------------------------------------------------------------
# "Add a row" with htmx

ROWS = {
    "members": (MemberFormSet, "governance/body_form.html#member-row"),
    "agenda": (AgendaFormSet, "governance/meeting_form.html#agenda-row"),
    "participants": (ParticipantFormSet, "governance/meeting_form.html#participant-row"),
    "presence": (PresenceFormSet, "governance/minutes_form.html#presence-row"),
    "decisions": (DecisionFormSet, "governance/minutes_form.html#decision-row"),
    "officers": (OfficerFormSet, "governance/officers_form.html#officer-row"),
}


@require_GET
def row(request, slug, prefix):
    """One empty row of a formset for the htmx "add" button, and the formset's new total (out of band)."""
    convention = get_convention(request, slug, edit=True)
    if prefix not in ROWS:
        raise Http404("Liste inconnue.")
    formset_class, template = ROWS[prefix]
    index = formset_total(request.GET, prefix)
    parent = convention if formset_class.fk.remote_field.model is Convention else None
    formset = formset_class(instance=parent, prefix=prefix, convention=convention)
    return render(request, template, {
        "convention": convention, "row": formset.row(index), "new_total": index + 1, "prefix": prefix,
    })


# ---------------------------------------------------------------------------------------------
# Calendar
