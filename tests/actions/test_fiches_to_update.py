"""One rule for « which fiches still need this quarter's update »: the tracking page, the reminder
e-mail and the dashboard list the same fiches, even after an avenant signed mid-quarter."""

import datetime
import html
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from conventions.enums import OperationKind
from conventions.models import Operation
from tests.factories import (
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    UpdateFactory,
    users_for,
)


@pytest.fixture
def replaced_mid_quarter():
    """Q2 2026: action 1 is replaced on 15 May by a new version, action 2 is abrogated on 15 May,
    action 3 runs the whole quarter and is up to date, action 4 has only a copied row."""
    convention = ConventionFactory(slug="mi-trimestre")
    axis = AxisFactory(convention=convention, number=1)
    first = FicheFactory(axis=axis, number=1, key="premiere", title="Accueillir les tout-petits")
    second = FicheFactory(axis=axis, number=2, key="deuxieme", title="Ouvrir un LAEP")
    third = FicheFactory(axis=axis, number=3, key="troisieme", title="Animer le réseau parentalité")
    fourth = FicheFactory(axis=axis, number=4, key="quatrieme", title="Informer les familles")
    UpdateFactory(fiche=third, period="2026-T2")
    UpdateFactory(fiche=fourth, period="2026-T2", copied_from="2026-T1")
    avenant = AvenantFactory(convention=convention, number=1, effective_from=datetime.date(2026, 5, 15))
    new_version = FicheFactory(axis=axis, number=1, key="premiere-v2", title="Accueillir les tout-petits (v2)",
                               avenant=avenant, previous_version=first)
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.REPLACE_FICHE, target_fiche=first,
                             fiche=new_version)
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.ABROGATE_FICHE, target_fiche=second)
    return convention


pytestmark = pytest.mark.django_db

EXPECTED = ["Accueillir les tout-petits", "Accueillir les tout-petits (v2)", "Ouvrir un LAEP",
            "Informer les familles"]


def test_tracking_page_reminders_and_dashboard_agree(client, replaced_mid_quarter):
    convention = replaced_mid_quarter
    users = users_for(convention)
    users["coordinateur"].email = "coordination@example.org"
    users["coordinateur"].save()
    client.force_login(users["caf"])

    page = client.get(reverse("actions:tracking_period", args=[convention.slug, "2026-T2"])).content.decode()
    rows = [html.unescape(title).strip() for title in re.findall(
        r'class="tracking-row tracking-row--missing">\s*<th scope="row">\s*<a [^>]*>Action \d+</a> — ([^<]+)<', page)]

    call_command("send_reminders", "--today", "2026-06-10", stdout=open("/dev/null", "w"))
    [message] = mail.outbox
    reminded = re.findall(r"Action \d+ — (.+)", message.body)

    dashboard = client.get(reverse("evaluation:dashboard", args=[convention.slug]), {"date": "2026-06-10"})
    listed = [f.title for f in dashboard.context["without_update"]]

    assert sorted(rows) == sorted(reminded) == sorted(listed) == sorted(EXPECTED)
