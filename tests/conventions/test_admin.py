"""Conventions and avenants in the admin: their own visas and articles, the Caf autocomplete."""

import pytest
from django.urls import reverse

from conventions.enums import AvenantStatus, OrganisationKind
from conventions.models import Avenant, Organisation
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


def test_convention_inlines_hold_only_its_own_visas_and_articles(staff_client, full_convention):
    response = staff_client.get(admin_url(full_convention, "change", full_convention.pk))
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert [a.title for a in formsets["articles"].queryset] == ["Objet de la convention"]
    assert [v.avenant for v in formsets["visas"].queryset] == [None]
    assert set(formsets) == {"signatories", "communes", "visas", "articles", "avenants", "status_changes",
                             "signed_originals"}


def test_visas_and_articles_added_in_an_avenant_belong_to_its_convention(staff_client, full_convention):
    management = {f"{prefix}-{key}": "0" for prefix in ("operations", "visas", "articles", "signed_originals")
                  for key in ("TOTAL_FORMS", "INITIAL_FORMS")}
    response = staff_client.post(admin_url(Avenant, "add"), {
        **management,
        "convention": full_convention.pk, "number": "2", "status": AvenantStatus.BROUILLON, "title": "Avenant numéro 2",
        "effective_from": "01/01/2026",
        "visas-TOTAL_FORMS": "1", "visas-0-text": "Vu l'avenant n°1", "visas-0-position": "0",
        "articles-TOTAL_FORMS": "1", "articles-0-number": "1", "articles-0-title": "Objet",
        "articles-0-body": "Le présent avenant a pour objet…", "articles-0-position": "0",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    avenant = Avenant.objects.get(convention=full_convention, number=2)
    assert [v.convention for v in avenant.visas.all()] == [full_convention]
    assert [a.convention for a in avenant.articles.all()] == [full_convention]


def test_caf_autocomplete_offers_only_cafs(staff_client, full_convention):
    response = staff_client.get(reverse("admin:autocomplete"), {
        "app_label": "conventions", "model_name": "convention", "field_name": "caf", "term": "",
    })
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert ids == set(Organisation.objects.filter(kind=OrganisationKind.CAF).values_list("pk", flat=True))
    assert full_convention.caf.pk in ids
    assert Organisation.objects.exclude(kind=OrganisationKind.CAF).exists()
