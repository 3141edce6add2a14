"""Governance helpers: today, the instance and séance forms' data, a convention full of séances."""

import datetime

from django.utils import timezone

from governance.models import AgendaItem, CooperationOfficer, Decision, Member, Participant
from tests.factories import (
    AvenantFactory,
    BodyFactory,
    FicheFactory,
    MeetingFactory,
    MilestoneFactory,
)
from tests.helpers import management

TODAY = timezone.localdate()


def body_data(**extra):
    return {"kind": "cotech", "name": "Comité technique CTG", "frequency": "Deux fois par an",
            "expected_per_year": "", "animators": "Chargé de coopération / Caf",
            "composition": "- Services de la CC\n- Caf", **management("members"), **extra}


def meeting_data(body, **extra):
    return {"body": body.pk, "date": (TODAY + datetime.timedelta(days=15)).isoformat(), "time": "09:30",
            "end_time": "12:00", "title": "", "place": "Salle du conseil", **management("agenda"),
            **management("participants"), **extra}


def grow_governance(convention, count):
    """An instance of `count` members and `count` séances, each with three agenda items, participants
    and decisions on three fiches and milestones; returns the first séance."""
    body = BodyFactory(convention=convention, key="copil")
    for i in range(count):
        Member.objects.create(body=body, name=f"Membre {i}", email=f"m{i}@example.org")
    fiches = [FicheFactory(axis__convention=convention) for _ in range(3)]
    milestones = [MilestoneFactory(convention=convention, end=TODAY + datetime.timedelta(days=i)) for i in range(3)]
    AvenantFactory(convention=convention)
    CooperationOfficer.objects.create(convention=convention, name="Claire", scope="territorial", themes=["enfance"])
    meetings = []
    for i in range(count):
        meeting = MeetingFactory(body=body, date=TODAY + datetime.timedelta(days=i % 28 - 14))
        meeting.fiches.add(fiches[0])
        for j in range(3):
            item = AgendaItem.objects.create(meeting=meeting, text=f"Point {j}", position=j)
            item.fiches.add(fiches[j])
            item.milestones.add(milestones[j])
            Participant.objects.create(meeting=meeting, name=f"Personne {j}", present=j % 2 == 0, position=j)
            Decision.objects.create(meeting=meeting, text=f"Décision {j}", fiche=fiches[j], position=j)
        meetings.append(meeting)
    return meetings[0]
