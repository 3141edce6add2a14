"""Governance helpers: today, the instance and séance forms' data, subscribing to the feed."""

import datetime

from django.urls import reverse
from django.utils import timezone

from governance.models import CalendarToken
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


def subscribe(client, user):
    client.force_login(user)
    client.post(reverse("agenda:reset"))
    client.logout()
    return CalendarToken.objects.get(user=user).token
