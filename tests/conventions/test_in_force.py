import datetime

import pytest

from actions.models import Fiche
from conventions.enums import AvenantStatus, OperationKind
from conventions.models import Operation
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    ConventionFactory,
    FicheFactory,
    users_for,
)

pytestmark = pytest.mark.django_db

BEFORE = datetime.date(2025, 12, 14)
AFTER = datetime.date(2025, 12, 16)


@pytest.fixture
def plan():
    convention = ConventionFactory()
    old = FicheFactory(axis__convention=convention, number=3, key="passerelles-structures")
    abrogated = FicheFactory(axis=old.axis, number=5, key="aller-vers")
    kept = FicheFactory(axis=old.axis, number=1, key="kept")
    return convention, old, abrogated, kept


def sign_avenant_2(convention, old, abrogated, status=AvenantStatus.SIGNE):
    avenant = AvenantFactory(convention=convention, number=2, status=status, effective_from=datetime.date(2025, 12, 15),
                             effective_until=datetime.date(2027, 6, 30))
    new = FicheFactory(axis=old.axis, number=3, key="passerelles-2026", avenant=avenant, previous_version=old)
    added = FicheFactory(axis=old.axis, number=7, key="observatoire-alsh", avenant=avenant)
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.ABROGATE_FICHE, target_fiche=abrogated)
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.REPLACE_FICHE, target_fiche=old, fiche=new)
    Operation.objects.create(avenant=avenant, position=2, op=OperationKind.ADD_FICHE, fiche=added)
    return avenant


def keys(queryset):
    return sorted(queryset.values_list("key", flat=True))


def test_signed_avenant_changes_the_plan_from_its_effective_date(plan):
    convention, old, abrogated, kept = plan
    sign_avenant_2(convention, old, abrogated)
    assert keys(convention.as_of(BEFORE).fiches) == ["aller-vers", "kept", "passerelles-structures"]
    assert keys(convention.as_of(AFTER).fiches) == ["kept", "observatoire-alsh", "passerelles-2026"]


def test_draft_avenant_is_never_applied(plan):
    convention, old, abrogated, kept = plan
    sign_avenant_2(convention, old, abrogated, status=AvenantStatus.BROUILLON)
    assert keys(convention.as_of(AFTER).fiches) == ["aller-vers", "kept", "passerelles-structures"]


def test_fiches_in_force_is_one_query(plan, django_assert_num_queries):
    convention, old, abrogated, kept = plan
    sign_avenant_2(convention, old, abrogated)
    with django_assert_num_queries(1):
        list(Fiche.objects.filter(convention=convention).in_force(AFTER))


def test_abrogated_fiche_stays_in_history_and_replacement_links_back(plan):
    convention, old, abrogated, kept = plan
    sign_avenant_2(convention, old, abrogated)
    assert Fiche.objects.filter(pk=abrogated.pk).exists()
    new = Fiche.objects.get(key="passerelles-2026")
    assert [f.key for f in new.lineage()] == ["passerelles-structures", "passerelles-2026"]


def test_amended_article_and_extended_end(plan):
    convention, old, abrogated, kept = plan
    ArticleFactory(convention=convention, number="9", body="Texte initial.")
    avenant = sign_avenant_2(convention, old, abrogated)
    Operation.objects.create(avenant=avenant, position=3, op=OperationKind.AMEND_ARTICLE, article_number="9",
                             mode="complete", body="Texte ajouté.")
    before, after = convention.as_of(BEFORE), convention.as_of(AFTER)
    assert before.articles[0].body == "Texte initial." and before.end == datetime.date(2026, 12, 31)
    assert after.articles[0].body == "Texte initial.\n\nTexte ajouté."
    assert str(after.articles[0].amendments[0]) == "complété par l'avenant n°2 du 15/12/2025"
    assert after.end == datetime.date(2027, 6, 30)


def test_a_consolidated_text_names_the_avenant_instead_of_le_present_avenant(plan, client):
    """In the convention in force, « le présent avenant » would be the convention itself."""
    convention, old, abrogated, kept = plan
    ArticleFactory(convention=convention, number="2", title="Engagements des partenaires", body="Texte initial.")
    avenant = sign_avenant_2(convention, old, abrogated)
    Operation.objects.create(avenant=avenant, position=3, op=OperationKind.AMEND_ARTICLE, article_number="2",
                             mode="replace", body=(
                                 "Le présent avenant est conclu dans le cadre des orientations de la Convention "
                                 "d'objectifs et de gestion. De son côté, la collectivité s'engage à poursuivre son "
                                 "soutien financier pour les équipements et services listés en Annexe 1 du présent "
                                 "avenant.\n\nCet avenant ne se substitue en rien au Rgpd."))
    Operation.objects.create(avenant=avenant, position=4, op=OperationKind.AMEND_ANNEX, annex=5, mode="complete",
                             body="Les chargés de coopération font le lien avec le présent avenant.")
    after = convention.as_of(AFTER)
    assert after.articles[0].body == (
        "L'avenant n°2 est conclu dans le cadre des orientations de la Convention d'objectifs et de gestion. De son "
        "côté, la collectivité s'engage à poursuivre son soutien financier pour les équipements et services listés en "
        "Annexe 1 de l'avenant n°2.\n\nL'avenant n°2 ne se substitue en rien au Rgpd.")
    assert str(after.articles[0].amendments[0]) == "modifié par l'avenant n°2 du 15/12/2025"
    assert after.annex_texts[5].body.endswith("font le lien avec l'avenant n°2.")
    client.force_login(users_for(convention)["elu"])
    page = client.get(f"/conventions/{convention.slug}/annexes/", {"date": "2025-12-16"}).content.decode()
    assert '<p class="note">Annexe complétée par l&#x27;avenant n°2 du 15/12/2025.</p>' in page
    assert "le présent avenant" not in page


def test_current_flags_follow_signed_avenants_and_guard_numbers(plan):
    from django.db import IntegrityError, transaction

    from actions.models import refresh_current_flags

    convention, old, abrogated, kept = plan
    sign_avenant_2(convention, old, abrogated)
    refresh_current_flags(convention)
    assert keys(convention.fiches.filter(is_current=True)) == ["kept", "observatoire-alsh", "passerelles-2026"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Fiche.objects.filter(key="kept").update(number=3)
