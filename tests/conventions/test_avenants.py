"""Writing and signing an avenant through the views: the `002_…` scenario of the Roumois Seine CTG."""

import datetime

import pytest
from django.urls import reverse

from actions.models import Fiche
from conventions.enums import AvenantStatus
from conventions.models import Avenant
from tests.actions.helpers import form_data
from tests.factories import ArticleFactory, AxisFactory, ConventionFactory, FicheFactory, users_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    convention = ConventionFactory(start=datetime.date(2022, 11, 29), end=datetime.date(2026, 12, 31))
    ArticleFactory(convention=convention, number="9", title="Suivi, bilan et évaluation", body="Texte initial.")
    gouvernance = AxisFactory(convention=convention, number=1, title="Gouvernance")
    enfance = AxisFactory(convention=convention, number=2, title="Continuité éducative")
    parentalite = AxisFactory(convention=convention, number=3, title="Parentalité")
    FicheFactory(axis=gouvernance, number=1, key="coordination", title="Coordonner les acteurs")
    FicheFactory(axis=enfance, number=3, key="passerelles-structures",
                 title="Développer les passerelles entre les structures")
    FicheFactory(axis=parentalite, number=5, key="aller-vers", title="Aller vers les familles éloignées des services")
    return convention


@pytest.fixture
def caf(convention):
    return users_for(convention)["caf"]


def url(name, convention, *args):
    return reverse(f"conventions:{name}", args=[convention.slug, *args])


def create_avenant(client, convention, **overrides):
    data = {"title": "", "effective_from": "2025-12-15", "effective_until": "2026-12-31", "signed_at": "Bourg-Achard",
            "visas": "Vu le décret n° 2025-253 du 20 mars 2025 ;", "preamble": "", "object": "Actualiser le SPPE."}
    data.update(overrides)
    return client.post(url("avenant_create", convention), data)


def add(client, convention, kind, number=None, **data):
    """Add an operation to an avenant, the convention's latest by default."""
    number = number or convention.avenants.order_by("-number").first().number
    return client.post(url("operation_add", convention, number, kind), {f"{kind}-{k}": v for k, v in data.items()})


def write_fiche(client, fiche, **overrides):
    response = client.post(reverse("actions:fiche_edit", args=[fiche.convention.slug, fiche.key]),
                           form_data(fiche, **overrides))
    assert response.status_code == 302, response.content.decode()[:3000]


def plan_titles(client, convention, day):
    response = client.get(reverse("actions:plan", args=[convention.slug]), {"date": day})
    return sorted(f.title for _, fiches in response.context["axes"] for f in fiches)


def test_the_object_article_of_an_avenant_extending_the_convention(client, convention, caf):
    client.force_login(caf)
    create_avenant(client, convention, effective_until="2027-06-30")
    add(client, convention, "modifier-article", article_number="9", mode="replace", body="Nouvelle rédaction.")
    client.post(url("avenant_object_article", convention, 1))
    assert convention.avenants.get().articles.get(number="1").body == (
        "L'article 9 de la convention (« Suivi, bilan et évaluation ») est modifié.\n\n"
        "La durée de la convention est prolongée jusqu'au 30/06/2027.")


def test_the_002_scenario_end_to_end(client, convention, caf):
    client.force_login(caf)
    Avenant.objects.create(convention=convention, number=1, title="Avenant n°1", status=AvenantStatus.SIGNE,
                           effective_from=datetime.date(2023, 6, 1))
    assert create_avenant(client, convention).status_code == 302
    avenant = convention.avenants.get(number=2)
    assert avenant.title == "Avenant numéro 2 à la Convention territoriale globale"
    assert list(avenant.visas.values_list("text", flat=True)) == ["Vu le décret n° 2025-253 du 20 mars 2025 ;"]

    aller_vers = convention.fiches.get(key="aller-vers")
    passerelles = convention.fiches.get(key="passerelles-structures")
    assert add(client, convention, "abroger-fiche", fiche=aller_vers.pk).status_code == 302

    response = add(client, convention, "modifier-fiche", fiche=passerelles.pk)
    new_version = Fiche.objects.get(previous_version=passerelles)
    assert response.url == reverse("actions:fiche_edit", args=[convention.slug, new_version.key])
    assert new_version.target_public == passerelles.target_public  # the editor opens with the fiche in force
    write_fiche(client, new_version, title="Développer les passerelles", number="3", schedule="2026")

    axis = convention.axes.get(number=2)
    add(client, convention, "ajouter-fiche", axis=axis.pk,
        title="Réaliser un observatoire du fonctionnement et de la qualité d'accueil des centres de loisirs")
    observatoire = convention.fiches.get(title__startswith="Réaliser un observatoire")
    write_fiche(client, observatoire, title=observatoire.title, number="7", axis=str(axis.pk))
    add(client, convention, "ajouter-fiche", axis=convention.axes.get(number=1).pk,
        title="Structurer et animer la gouvernance de la CTG")
    gouvernance = convention.fiches.get(title="Structurer et animer la gouvernance de la CTG")
    write_fiche(client, gouvernance, title=gouvernance.title, number="8", axis=str(gouvernance.axis_id))
    add(client, convention, "modifier-article", article_number="9", mode="complete",
        body="Les signataires s'engagent à mettre en œuvre une démarche à visée évaluative.")

    client.post(url("avenant_object_article", convention, 2))
    # As `002_…` Article 1 says it: the article of the convention, then the annex and what changes in it.
    assert avenant.articles.get(number="1").body == (
        "L'article 9 de la convention (« Suivi, bilan et évaluation ») est complété.\n\n"
        "L'annexe 4 de la convention (« Plan d'actions et fiches actions ») est modifiée et complétée afin de :\n\n"
        "- Abroger la fiche action « Aller vers les familles éloignées des services ».\n"
        "- Modifier la fiche action « Développer les passerelles entre les structures ».\n"
        "- Ajouter la fiche action « Réaliser un observatoire du fonctionnement et de la qualité d'accueil des "
        "centres de loisirs ».\n"
        "- Ajouter la fiche action « Structurer et animer la gouvernance de la CTG »."
    )

    # A draft is never applied.
    assert "Aller vers les familles éloignées des services" in plan_titles(client, convention, "2025-12-16")

    response = client.post(url("avenant_sign", convention, 2), {
        "signed_on": "2025-12-15", "signed_at": "Bourg-Achard", "prefecture_sent_on": "2025-12-19",
        "prefecture_received_on": "2025-12-19", "prefecture_published_on": "",
        "prefecture_act_id": "027-200066405-20251215-CC_201_2025-DE"})
    assert response.status_code == 302
    avenant.refresh_from_db()
    assert avenant.is_signed and avenant.prefecture_act_id == "027-200066405-20251215-CC_201_2025-DE"

    assert plan_titles(client, convention, "2025-12-14") == [
        "Aller vers les familles éloignées des services", "Coordonner les acteurs",
        "Développer les passerelles entre les structures"]
    assert plan_titles(client, convention, "2025-12-16") == [
        "Coordonner les acteurs", "Développer les passerelles",
        "Réaliser un observatoire du fonctionnement et de la qualité d'accueil des centres de loisirs",
        "Structurer et animer la gouvernance de la CTG"]
    body = client.get(url("detail", convention), {"date": "2025-12-16"}).content.decode()
    assert "démarche à visée évaluative" in body and "complété par l&#x27;avenant n°2 du 15/12/2025" in body

    # Signed: frozen, the server refuses every change.
    response = add(client, convention, "abroger-fiche", fiche=convention.fiches.get(key="coordination").pk)
    assert response.status_code == 403 and "signé : il ne peut plus être modifié" in response.content.decode()
    assert avenant.operations.count() == 5
    response = client.post(url("avenant_edit", convention, 2), {"effective_from": "2025-12-20", "visas": ""})
    assert response.status_code == 403 and "signé : il ne peut plus être modifié" in response.content.decode()
    assert client.post(url("avenant_sign", convention, 2), {"signed_on": "2025-12-16"}).status_code == 403
    assert client.get(reverse("actions:fiche_edit", args=[convention.slug, "aller-vers"])).status_code == 403

    # The avenant written in the browser travels in the exchange format and comes back equal.
    from exchange.exporter import export_document
    from exchange.importer import import_document

    exported = export_document(convention)
    exported["convention"]["slug"] = "copie"
    copy = import_document(exported)
    assert export_document(copy) == exported
    before = export_document(convention, on=datetime.date(2025, 12, 14))["convention"]["amendments"]
    assert [a["number"] for a in before] == [1]


def test_operations_are_validated(client, convention, caf):
    client.force_login(caf)
    create_avenant(client, convention)
    aller_vers = convention.fiches.get(key="aller-vers")
    add(client, convention, "abroger-fiche", fiche=aller_vers.pk)
    response = add(client, convention, "modifier-fiche", fiche=aller_vers.pk)
    assert "comporte déjà une opération sur la fiche « Aller vers les familles éloignées des services »" in \
        response.content.decode()
    later = FicheFactory(axis=aller_vers.axis, number=9, key="later")
    avenant_3 = Avenant.objects.create(convention=convention, number=3, title="n°3", status=AvenantStatus.SIGNE,
                                       effective_from=datetime.date(2026, 3, 1))
    later.avenant = avenant_3
    later.is_current = False
    later.save()
    response = add(client, convention, "abroger-fiche", number=1, fiche=later.pk)
    assert response.status_code == 200 and "Sélectionnez un choix valide" in response.content.decode()
    assert response.status_code == 200 and convention.avenants.get(number=1).operations.count() == 1


def test_dates_outside_the_convention_are_refused(client, convention, caf):
    client.force_login(caf)
    response = create_avenant(client, convention, effective_from="2027-03-01", effective_until="")
    assert "La date d&#x27;effet doit être comprise dans la période de la convention (du 29/11/2022 au 31/12/2026)." in response.content.decode()
    response = create_avenant(client, convention, effective_from="2025-12-15", effective_until="2025-01-01")
    assert "La fin d&#x27;effet de l&#x27;avenant précède sa date d&#x27;effet." in response.content.decode()
    assert not convention.avenants.exists()


def test_operations_can_be_reordered_and_removed_while_draft(client, convention, caf):
    client.force_login(caf)
    create_avenant(client, convention)
    add(client, convention, "abroger-fiche", fiche=convention.fiches.get(key="aller-vers").pk)
    add(client, convention, "ajouter-fiche", axis=convention.axes.first().pk, title="Créer un guide des familles")
    avenant = convention.avenants.get(number=1)
    first, second = avenant.operations.all()
    client.post(url("operation_move", convention, 1, second.pk), {"direction": "up"})
    assert list(avenant.operations.values_list("op", flat=True)) == ["add_fiche", "abrogate_fiche"]
    client.post(url("operation_delete", convention, 1, second.pk))
    assert list(avenant.operations.values_list("op", flat=True)) == ["abrogate_fiche"]
    assert not Fiche.objects.filter(title="Créer un guide des familles").exists()


@pytest.mark.parametrize("role, status", [("caf", 302), ("coordinateur", 302), ("elu", 403), ("outsider", 404)])
def test_avenant_writing_per_role(client, convention, role, status):
    client.force_login(users_for(convention)[role])
    assert create_avenant(client, convention).status_code == status


def test_elu_reads_the_avenant_without_edit_controls(client, convention):
    users = users_for(convention)
    client.force_login(users["caf"])
    create_avenant(client, convention)
    client.force_login(users["elu"])
    page = client.get(url("avenant", convention, 1)).content.decode()
    assert "Avenant numéro 1" in page and "Signer l&#x27;avenant" not in page and "Ajouter une modification" not in page


def test_fiche_versions_compare_and_tracking_follows_the_action(client, convention, caf):
    from tests.factories import UpdateFactory

    client.force_login(caf)
    old = convention.fiches.get(key="passerelles-structures")
    UpdateFactory(fiche=old, period="2025-T2", comment="Suivi de la première version.")
    create_avenant(client, convention)
    add(client, convention, "modifier-fiche", fiche=old.pk)
    new = Fiche.objects.get(previous_version=old)
    write_fiche(client, new, title="Développer les passerelles", number="3", target_public="Enfants de 3 à 11 ans")
    page = client.get(reverse("actions:fiche", args=[convention.slug, new.key]), {"de": old.key, "a": new.key})
    content = page.content.decode()
    assert "Suivi de la première version." in content  # the replaced fiche's quarters follow the action
    changes = {c.label: (c.old, c.new) for c in page.context["comparison"]["changes"]}
    assert changes["Intitulé"] == ("Développer les passerelles entre les structures", "Développer les passerelles")
    assert changes["Public cible"][1] == "Enfants de 3 à 11 ans"


def test_timeline_lists_signature_avenants_and_milestones(client, convention, caf):
    from tests.factories import MilestoneFactory

    MilestoneFactory(convention=convention, title="Bilan final de la CTG")
    client.force_login(caf)
    create_avenant(client, convention)
    add(client, convention, "abroger-fiche", fiche=convention.fiches.get(key="aller-vers").pk)
    titles = [e["title"] for e in client.get(url("detail", convention)).context["timeline"]]
    assert titles == ["Signature de la convention", "Début de la convention", "Avenant n°1 (brouillon) : prise d'effet",
                      "Bilan final de la CTG", "Fin de la convention"]


def test_draft_avenant_gets_its_own_articles(client, convention, caf):
    client.force_login(caf)
    create_avenant(client, convention)
    data = {"title": "Avenant numéro 1", "effective_from": "2025-12-15", "effective_until": "2026-12-31",
            "signed_at": "Bourg-Achard", "visas": "Vu le code ;", "preamble": "", "object": "",
            "articles-TOTAL_FORMS": "1", "articles-INITIAL_FORMS": "0", "articles-MIN_NUM_FORMS": "0",
            "articles-MAX_NUM_FORMS": "1000", "articles-0-number": "6", "articles-0-title": "Effet et durée de l'avenant",
            "articles-0-body": "Le présent avenant prend effet à compter du 15/12/2025 et jusqu'au 31/12/2026."}
    assert client.post(url("avenant_edit", convention, 1), data).status_code == 302
    avenant = convention.avenants.get(number=1)
    article = avenant.articles.get()
    assert (article.number, article.convention_id) == ("6", convention.pk)
    assert "prend effet à compter du 15/12/2025" in client.get(url("avenant", convention, 1)).content.decode()


def test_fiche_page_offers_to_propose_a_change_in_a_draft_avenant(client, convention, caf):
    client.force_login(caf)
    create_avenant(client, convention)
    fiche = convention.fiches.get(key="coordination")
    page = client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])).content.decode()
    assert "Proposer dans l'avenant n°1" in page
    response = client.post(url("operation_add", convention, 1, "modifier-fiche"), {"modifier-fiche-fiche": fiche.pk})
    new = Fiche.objects.get(previous_version=fiche)
    assert response.url == reverse("actions:fiche_edit", args=[convention.slug, new.key])
