"""Chargés de coopération: the list with its FTE totals, employers limited to the parties."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conventions.pdf import ConventionPdf
from governance.models import CooperationOfficer
from tests.factories import ConventionFactory, collectivite_of
from tests.helpers import login, management, page_form, pdf_lines, text, two_writers

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


def test_two_people_editing_the_officers(client, convention, users):
    """The first save wins; the second sees it (a changed ETP, a deleted officer) with its own
    typing kept, merges what it did not touch, and confirms."""
    CooperationOfficer.objects.create(convention=convention, name="Claire Petit", scope="territorial", fte=1, position=0)
    CooperationOfficer.objects.create(convention=convention, name="Paul Roy", scope="thematique", fte="0.5", position=1)
    second = client.__class__()
    login(client, users, "caf")
    second.force_login(users["coordinateur"])
    url = reverse("governance:officers", args=[convention.slug])
    response = two_writers(client, second, url, "officers-TOTAL_FORMS",
                           {"officers-0-fte": "0.8", "officers-0-missions": "Pilotage.", "officers-1-DELETE": "on"},
                           {"officers-0-fte": "1.5", "officers-1-missions": "Parentalité."})
    page = text(response)
    assert response.status_code == 409
    assert "Modifié entre-temps par" in page and "Ligne « Paul Roy » supprimée entre-temps" in page
    assert "Claire Petit — ETP" in page and 'value="1.5"' in page
    assert [(o.name, o.fte) for o in CooperationOfficer.objects.all()] == [("Claire Petit", Decimal("0.8"))]
    assert second.post(url, page_form(response, "officers-TOTAL_FORMS")).status_code == 302
    assert [(o.name, o.fte, o.missions) for o in CooperationOfficer.objects.all()] == [
        ("Claire Petit", Decimal("1.5"), "Pilotage.")]
