"""The fiches in the admin: search, inlines, constant queries, a save seen by the open fiche forms."""

import pytest
from django.contrib import admin

from actions.models import Fiche
from ctg.concurrency import version_of
from tests.factories import AxisFactory, FicheFactory
from tests.helpers import admin_url, count_queries

pytestmark = pytest.mark.django_db


def test_fiche_search_by_title(staff_client, full_convention):
    FicheFactory(title="Développer les accueils de loisirs")
    response = staff_client.get(admin_url(Fiche, "changelist"), {"q": "accueils de loisirs"})
    assert [f.title for f in response.context["cl"].result_list] == ["Développer les accueils de loisirs"]


def test_fiche_change_page_shows_its_inlines(staff_client, full_convention):
    fiche = Fiche.objects.get(title="Créer un guichet unique des familles")
    response = staff_client.get(admin_url(Fiche, "change", fiche.pk))
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert [i.name for i in formsets["indicators"].queryset] == ["Familles accompagnées"]
    assert [u.period for u in formsets["updates"].queryset] == ["2026-T1"]
    assert [t.theme for t in formsets["theme_links"].queryset] == ["enfance", "parentalite"]
    assert "Familles accompagnées" in response.content.decode()


def test_fiche_changelist_queries_do_not_grow_with_the_number_of_fiches(staff_client, django_assert_max_num_queries):
    axis = AxisFactory()
    for _ in range(5):
        FicheFactory(axis=axis, themes=["enfance", "jeunesse"])
    few = count_queries(staff_client, admin_url(Fiche, "changelist"))
    for _ in range(25):
        FicheFactory(axis=axis, themes=["enfance", "jeunesse"])
    assert Fiche.objects.count() == 30
    assert count_queries(staff_client, admin_url(Fiche, "changelist")) == few
    with django_assert_max_num_queries(7):  # 30 fiches
        staff_client.get(admin_url(Fiche, "changelist"))


def test_a_save_in_the_admin_is_seen_by_an_open_fiche_form(rf, superuser):
    fiche = FicheFactory()
    opened = version_of(fiche)
    request = rf.post("/")
    request.user = superuser
    admin.site._registry[Fiche].save_model(request, fiche, form=None, change=True)
    assert version_of(fiche) > opened
