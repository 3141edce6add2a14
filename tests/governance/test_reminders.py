"""Reminders by e-mail: participants before a séance, coordinators before the end of a quarter."""

import datetime

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from actions.periods import Period
from governance.models import Participant, Reminder
from tests.factories import FicheFactory, MeetingFactory, UpdateFactory

pytestmark = pytest.mark.django_db


def test_quarter_helpers():
    assert str(Period.containing(datetime.date(2026, 8, 14))) == "2026-T3"
    assert Period.containing(datetime.date(2026, 8, 14)).end == datetime.date(2026, 9, 30)
    assert Period.containing(datetime.date(2026, 11, 2)).end == datetime.date(2026, 12, 31)
    assert Period.containing(datetime.date(2026, 1, 2)).end == datetime.date(2026, 3, 31)


def test_participants_are_reminded_once_before_the_meeting(convention, copil):
    soon = MeetingFactory(body=copil, title="COPIL de juin", date=datetime.date(2026, 6, 10), time=datetime.time(14, 0))
    member = copil.members.get(name="Mme Martin")
    Participant.objects.create(meeting=soon, member=member, name=member.name)
    Participant.objects.create(meeting=soon, name="Invité", email="invite@example.org")
    Participant.objects.create(meeting=soon, name="Sans courriel")
    later = MeetingFactory(body=copil, date=datetime.date(2026, 6, 30))
    Participant.objects.create(meeting=later, name="Plus tard", email="tard@example.org")

    call_command("send_reminders", "--today", "2026-06-05", "--update-days", "0", stdout=open("/dev/null", "w"))
    assert sorted(m.to[0] for m in mail.outbox) == ["invite@example.org", "martin@example.org"]
    message = mail.outbox[0]
    assert message.subject == "Rappel : COPIL de juin le 10/06/2026 à 14:00"
    assert "mercredi 10 juin 2026 à 14h00" in message.body
    assert message.attachments[0][2] == "text/calendar"

    call_command("send_reminders", "--today", "2026-06-06", "--update-days", "0", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 2
    assert Reminder.objects.count() == 2


def test_a_moved_meeting_is_reminded_again(convention, copil):
    meeting = MeetingFactory(body=copil, date=datetime.date(2026, 6, 10))
    Participant.objects.create(meeting=meeting, name="Invité", email="invite@example.org")
    call_command("send_reminders", "--today", "2026-06-05", "--update-days", "0", stdout=open("/dev/null", "w"))
    meeting.date = datetime.date(2026, 6, 12)
    meeting.save()
    call_command("send_reminders", "--today", "2026-06-06", "--update-days", "0", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 2


def test_coordinators_are_reminded_of_missing_quarterly_updates_once(convention, users, fiche):
    done = FicheFactory(axis=fiche.axis, number=2, title="Créer un LAEP")
    UpdateFactory(fiche=done, period="2026-T2")
    coordinator = users["coordinateur"]
    coordinator.email = "coordination@example.org"
    coordinator.save()
    users["caf"].email = "caf@example.org"
    users["caf"].save()

    call_command("send_reminders", "--today", "2026-05-10", stdout=open("/dev/null", "w"))
    assert mail.outbox == []  # more than 30 days before the end of the quarter

    call_command("send_reminders", "--today", "2026-06-10", stdout=open("/dev/null", "w"))
    [message] = mail.outbox
    assert message.to == ["coordination@example.org"]
    assert message.subject == "Suivi trimestriel 2026-T2 : 1 fiche action à mettre à jour"
    assert "Action 1 — Développer les passerelles" in message.body and "Créer un LAEP" not in message.body

    call_command("send_reminders", "--today", "2026-06-20", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1


def test_a_copied_row_not_yet_confirmed_still_needs_its_update(convention, users, fiche):
    UpdateFactory(fiche=fiche, period="2026-T2", copied_from="2026-T1")
    users["coordinateur"].email = "coordination@example.org"
    users["coordinateur"].save()
    call_command("send_reminders", "--today", "2026-06-10", stdout=open("/dev/null", "w"))
    [message] = mail.outbox
    assert "Action 1 — Développer les passerelles" in message.body


def test_dry_run_sends_and_records_nothing(convention, copil):
    meeting = MeetingFactory(body=copil, date=datetime.date(2026, 6, 10))
    Participant.objects.create(meeting=meeting, name="Invité", email="invite@example.org")
    call_command("send_reminders", "--today", "2026-06-05", "--dry-run", stdout=open("/dev/null", "w"))
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_one_bad_row_does_not_stop_the_other_reminders(convention, copil, caplog):
    # A newline in a séance's title, stored by other means, made every reminder fail; a bad
    # address fails its own e-mail only, logged, and the command ends in error once all is sent.
    first = MeetingFactory(body=copil, title="COPIL", date=datetime.date(2026, 6, 10), time=datetime.time(14, 0))
    type(first).objects.filter(pk=first.pk).update(title="COPIL\nde juin")
    Participant.objects.create(meeting=first, name="Invité", email="invite@example.org")
    Participant.objects.create(meeting=first, name="Mal saisi", email="mal@example.org\nBcc: tous@example.org")
    second = MeetingFactory(body=copil, title="COTECH", date=datetime.date(2026, 6, 11))
    Participant.objects.create(meeting=second, name="Technicienne", email="tech@example.org")

    with pytest.raises(CommandError, match="Rappels en échec : 1"):
        call_command("send_reminders", "--today", "2026-06-05", "--update-days", "0", stdout=open("/dev/null", "w"))
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("invite@example.org", "Rappel : COPIL de juin le 10/06/2026 à 14:00"),
        ("tech@example.org", "Rappel : COTECH le 11/06/2026"),
    ]
    assert "Rappel non envoyé : « Rappel : COPIL\nde juin le 10/06/2026 à 14:00 » pour mal@example.org" in caplog.text
    assert Reminder.objects.count() == 2  # the failed one is not recorded: the next run tries again
