"""Chargés de coopération: the list with its FTE totals, employers limited to the parties."""

import pytest
from django.urls import reverse

from conventions.pdf import ConventionPdf
from governance.models import CooperationOfficer
from tests.factories import ConventionFactory, collectivite_of
from tests.helpers import login, management, pdf_lines, text

pytestmark = pytest.mark.django_db


def test_officers_with_fte_totals(client, convention, users):
    local = collectivite_of(convention)
    login(client, users, "coordinateur")
    response = client.post(reverse("governance:officers", args=[convention.slug]), {
        **management("officers", total=2),
        "officers-0-name": "Claire Petit", "officers-0-organisation": local.pk, "officers-0-scope": "territorial",
        "officers-0-fte": "1", "officers-0-caf_funded": "on", "officers-0-themes": ["enfance", "jeunesse"],
        "officers-0-missions": "Animation et pilotage de la CTG.",
        "officers-1-name": "Paul Roy", "officers-1-scope": "thematique", "officers-1-fte": "0.5",
        "officers-1-themes": ["parentalite"],
    })
    assert response.status_code == 302
    assert [(o.name, o.position, o.themes) for o in CooperationOfficer.objects.order_by("position")] == [
        ("Claire Petit", 0, ["enfance", "jeunesse"]), ("Paul Roy", 1, ["parentalite"])]
    page = text(client.get(reverse("governance:index", args=[convention.slug])))
    assert '<td class="num">0,5</td>' in page and '<td class="num">1,5</td>' in page  # not « 0.50 »
    assert "dont 1 ETP financé par la Caf" in page and "Enfance, Jeunesse" in page
    form = text(client.get(reverse("governance:officers", args=[convention.slug])))
    assert 'name="officers-1-fte" value="0,5"' in form
    response = client.post(reverse("governance:officers", args=[convention.slug]), {
        **management("officers", total=2, initial=2),
        **{f"officers-{i}-{k}": v for i, o in enumerate(CooperationOfficer.objects.order_by("position"))
           for k, v in {"id": o.pk, "name": o.name, "scope": o.scope, "fte": "0,75" if i else "1"}.items()},
    })
    assert response.status_code == 302
    assert str(CooperationOfficer.objects.get(name="Paul Roy").fte) == "0.75"
    assert "0,75" in text(client.get(reverse("governance:index", args=[convention.slug])))
    _, pdf = pdf_lines(ConventionPdf().generate(convention)[2])
    assert "0,75" in pdf and "0.75" not in pdf


def test_officer_cannot_be_employed_by_a_stranger(client, convention, users):
    login(client, users, "caf")
    stranger = collectivite_of(ConventionFactory())
    response = client.post(reverse("governance:officers", args=[convention.slug]), {
        **management("officers", total=1), "officers-0-name": "X", "officers-0-organisation": stranger.pk,
        "officers-0-scope": "territorial", "officers-0-fte": "1",
    })
    assert response.status_code == 200 and not CooperationOfficer.objects.exists()
