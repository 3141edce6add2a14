"""The élus' dashboard and the bilans: roles, computed figures, written parts, Excel export."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Bilan
from tests.factories import (
    AxisFactory,
    BodyFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    MeetingFactory,
    MilestoneFactory,
    UpdateFactory,
    users_for,
)
from tests.helpers import page_form, text, two_writers

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    """Two actions: one réalisée, one en cours at 50 %, both tracked in the current quarter."""
    today = timezone.localdate()
    convention = ConventionFactory(start=datetime.date(today.year - 3, 1, 1), end=datetime.date(today.year + 1, 12, 31))
    axis = AxisFactory(convention=convention, number=1, title="Petite enfance")
    done = FicheFactory(axis=axis, number=1, key="fait", title="Ouvrir une micro-crèche", end_year=today.year + 1)
    running = FicheFactory(axis=axis, number=2, key="encours", title="Créer un RPE", end_year=today.year + 1)
    quarter = f"{today.year}-T{(today.month - 1) // 3 + 1}"
    UpdateFactory(fiche=done, period=quarter, status="realisee", progress=100)
    UpdateFactory(fiche=running, period=quarter, status="en_cours", progress=50)
    IndicatorFactory(fiche=running, name="Assistantes maternelles accompagnées", target=80)
    return convention


def dashboard_url(convention):
    return reverse("evaluation:dashboard", args=[convention.slug])


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 200), ("elu", 200), ("outsider", 404)])
def test_dashboard_is_visible_to_every_role(convention, client, role, status):
    client.force_login(users_for(convention)[role])
    assert client.get(dashboard_url(convention)).status_code == status


def test_dashboard_big_numbers_and_charts_with_text(convention, client):
    client.force_login(users_for(convention)["elu"])
    html = client.get(dashboard_url(convention)).content.decode()
    assert "<dt>Actions en vigueur</dt><dd>2</dd>" in html
    assert "<dt>Réalisées</dt><dd>1</dd>" in html and "<dt>En cours</dt><dd>1</dd>" in html
    assert "<dt>Taux de réalisation</dt><dd>50 %</dd>" in html
    # Server-rendered SVG with a title, a description and the values as text; no script.
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert "Axe 1 — Petite enfance : 75 %." in html  # the chart's <desc>
    assert "<script" not in html.split("</head>")[1]
    assert "Données du graphique" in html
    # Read-only: no edit controls for an élu.
    assert "Mettre à jour" not in html and "Rédiger" not in html


def test_dashboard_lists_next_meetings_milestones_late_and_unupdated(convention, client):
    today = timezone.localdate()
    MeetingFactory(body__convention=convention, body__name="Comité de pilotage", date=today + datetime.timedelta(days=20))
    MilestoneFactory(convention=convention, title="Bilan final de la CTG", end=today + datetime.timedelta(days=40),
                     start=None)
    late = FicheFactory(axis=convention.axes.get(), number=3, key="retard", title="Réhabiliter le centre social",
                        end_year=today.year - 1)
    UpdateFactory(fiche=late, period=f"{today.year - 1}-T4", status="en_cours")
    client.force_login(users_for(convention)["elu"])
    html = client.get(dashboard_url(convention)).content.decode()
    assert "Comité de pilotage" in html and "Bilan final de la CTG" in html
    assert "Actions sans mise à jour ce trimestre (1)" in html and "Réhabiliter le centre social" in html
    assert "Actions en retard (1)" in html


def test_dashboard_flags_an_instance_that_did_not_meet(convention, client):
    BodyFactory(convention=convention, name="Comité de pilotage CTG", expected_per_year=1)
    client.force_login(users_for(convention)["elu"])
    html = client.get(dashboard_url(convention)).content.decode()
    assert "Instances à réunir" in html and "Comité de pilotage CTG" in html


# Bilans


@pytest.mark.parametrize("role, create, read", [
    ("caf", 302, 200), ("coordinateur", 302, 200), ("elu", 403, 200), ("outsider", 404, 404),
])
def test_bilan_roles(convention, client, role, create, read):
    client.force_login(users_for(convention)[role])
    assert client.get(reverse("evaluation:bilans", args=[convention.slug])).status_code == read
    assert client.post(reverse("evaluation:bilan_create", args=[convention.slug, "final"])).status_code == create
    Bilan.objects.get_or_create(convention=convention, kind="intermediaire",
                                defaults={"start": convention.start, "end": convention.end})
    for name, expected in [("evaluation:bilan", read), ("evaluation:bilan_export", read),
                           ("evaluation:bilan_edit", create if create != 302 else 200)]:
        assert client.get(reverse(name, args=[convention.slug, "intermediaire"])).status_code == expected, name
    edit = client.post(reverse("evaluation:bilan_edit", args=[convention.slug, "intermediaire"]),
                       {"start": "2023-01-01", "end": "2024-06-30", "realisations": "Écrit"})
    assert edit.status_code == create


def test_open_a_bilan_with_its_default_period_then_write_it(convention, client):
    user = users_for(convention)["coordinateur"]
    client.force_login(user)
    client.post(reverse("evaluation:bilan_create", args=[convention.slug, "intermediaire"]))
    bilan = Bilan.objects.get(convention=convention, kind="intermediaire")
    midpoint = convention.start + (convention.end - convention.start) / 2
    assert bilan.start == convention.start and (bilan.end.year, bilan.end.month) == (midpoint.year, midpoint.month)
    # Opening it twice is refused with a clear message.
    response = client.post(reverse("evaluation:bilan_create", args=[convention.slug, "intermediaire"]), follow=True)
    assert "existe déjà" in response.content.decode()

    url = reverse("evaluation:bilan_edit", args=[convention.slug, "intermediaire"])
    bad = client.post(url, {"start": "2024-01-01", "end": "2023-01-01", "realisations": "Texte à garder"})
    assert bad.status_code == 200 and "ne peut pas précéder son début" in bad.content.decode()
    assert "Texte à garder" in bad.content.decode()
    client.post(url, {
        "start": convention.start.isoformat(), "end": convention.end.isoformat(),
        "realisations": "Ouverture d'une **micro-crèche**.", "territorial_changes": "Les familles trouvent une place.",
        "approach": "COPIL réuni deux fois par an.", "early_childhood": "<script>alert(1)</script>Schéma transmis.",
    })
    html = client.get(reverse("evaluation:bilan", args=[convention.slug, "intermediaire"])).content.decode()
    assert "<strong>micro-crèche</strong>" in html and "Les familles trouvent une place." in html
    assert "<script>alert(1)" not in html
    assert "Taux de réalisation" in html and "50 %" in html
    bilan.refresh_from_db()
    assert bilan.updated_by == user and bilan.history.count() == 2


def test_two_people_writing_a_bilan(convention, client):
    """The first save wins; the second sees it with its own typing kept, merges what it did not touch, and confirms."""
    Bilan.objects.create(convention=convention, kind="final", start=convention.start, end=convention.end)
    users = users_for(convention)
    second = client.__class__()
    client.force_login(users["caf"])
    second.force_login(users["coordinateur"])
    url = reverse("evaluation:bilan_edit", args=[convention.slug, "final"])
    response = two_writers(client, second, url, "realisations",
                           {"realisations": "Version de la Caf.", "approach": "Deux COPIL par an."},
                           {"realisations": "Version de la coordinatrice.", "early_childhood": "Schéma transmis."})
    page = text(response)
    assert response.status_code == 409
    assert "Modifié entre-temps par" in page and "Version de la Caf." in page and "Version de la coordinatrice." in page
    bilan = Bilan.objects.get(convention=convention, kind="final")
    assert (bilan.realisations, bilan.early_childhood) == ("Version de la Caf.", "")
    assert second.post(url, page_form(response, "realisations")).status_code == 302
    bilan.refresh_from_db()
    assert (bilan.realisations, bilan.approach, bilan.early_childhood) == (
        "Version de la coordinatrice.", "Deux COPIL par an.", "Schéma transmis.")
    assert bilan.updated_by == users["coordinateur"]


def test_bilan_excel_export_has_its_tables(convention, client):
    bilan = Bilan.objects.create(convention=convention, kind="final", start=convention.start, end=convention.end)
    client.force_login(users_for(convention)["elu"])
    response = client.get(reverse("evaluation:bilan_export", args=[convention.slug, bilan.kind]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Synthèse", "Par axe", "Par thématique", "Indicateurs", "Retards et abandons"]
    assert [c.value for c in workbook["Synthèse"][2]][:4] == ["Plan d'actions", 2, 1, 50]
    assert [c.value for c in workbook["Par axe"][2]][:5] == ["Axe 1 — Petite enfance", 2, 1, 50, 75]
    assert workbook["Indicateurs"]["B2"].value == "Assistantes maternelles accompagnées"


def test_unknown_bilan_kind_is_not_found(convention, client):
    client.force_login(users_for(convention)["caf"])
    assert client.post(reverse("evaluation:bilan_create", args=[convention.slug, "annuel"])).status_code == 404
    assert client.get(reverse("evaluation:bilan", args=[convention.slug, "final"])).status_code == 404


def test_dashboard_of_a_convention_and_rows_dated_9999_by_other_means(convention, client):
    type(convention).objects.filter(pk=convention.pk).update(end=datetime.date(9999, 12, 31))
    meeting = MeetingFactory(body__convention=convention, title="Séance mal datée")
    type(meeting).objects.filter(pk=meeting.pk).update(date=datetime.date(9999, 12, 31), time=datetime.time(23, 30))
    MilestoneFactory(convention=convention, title="Jalon mal daté", start=None, end=datetime.date(9999, 12, 31))
    client.force_login(users_for(convention)["elu"])
    for query in ("", "?date=9999-12-31"):
        response = client.get(dashboard_url(convention) + query)
        assert response.status_code == 200 and "Jalon mal daté" in response.content.decode()
    assert "Date « 9999-12-31 » invalide" in response.content.decode()
