"""« Nouvelle convention »: Caf staff create a convention in preparation, all or nothing, its body
starting from the model of a CTG."""

import datetime

import pytest
from django.urls import reverse

from conventions import services
from conventions.enums import ConventionStatus, OrganisationKind, Role
from conventions.models import Commune, Convention, Organisation, Signatory
from ctg.errors import DomainError
from tests.factories import (
    CafFactory,
    ConventionFactory,
    OrganisationFactory,
    user_with_role,
    users_for,
)

from .conftest import create_convention

pytestmark = pytest.mark.django_db

URL = "/conventions/nouvelle/"


def filled(caf, **changes):
    """What a Caf officer types to create a CTG with two collectivités (one known, one new) and
    three pasted communes."""
    data = {
        "title": "Convention territoriale globale Roumois Seine 2027-2031", "caf": str(caf.pk),
        "start": "2027-01-01", "end": "2031-12-31", "signed_at": "Bourg-Achard",
        "caf-TOTAL_FORMS": "2", "caf-INITIAL_FORMS": "2",
        "caf-0-representative": "M. Philippe CHARPIN", "caf-0-capacity": "Président du conseil d'administration",
        "caf-1-representative": "Mme Aurore VERNIEUWE", "caf-1-capacity": "Directrice",
        "collectivites-TOTAL_FORMS": "2", "collectivites-INITIAL_FORMS": "1",
        "collectivites-0-organisation": "", "collectivites-0-new_name": "Communauté de communes Roumois Seine",
        "collectivites-0-new_kind": "epci", "collectivites-0-new_code": "200 066 405",
        "collectivites-0-new_population": "41 000",
        "collectivites-0-representative": "M. Sylvain BONENFANT", "collectivites-0-capacity": "Président",
        "collectivites-1-organisation": "", "collectivites-1-new_name": "Commune de Bourg-Achard",
        "collectivites-1-new_kind": "commune", "collectivites-1-new_code": "27103",
        "collectivites-1-representative": "Mme Claire DUVAL", "collectivites-1-capacity": "Maire",
        "communes": "code;nom;population\n27103;Bourg-Achard;4 500\n27005\tAmfreville-Saint-Amand\t1200\n27008;Appeville-Annebault",
    }
    data.update(changes)
    return data


@pytest.fixture
def caf_user(caf):
    return user_with_role(Role.CAF, caf)


# --- Who may create ----------------------------------------------------------------------------


def test_caf_staff_find_the_link_and_the_page(client, caf_user):
    client.force_login(caf_user)
    assert 'href="/conventions/nouvelle/"' in client.get("/conventions/").content.decode()
    page = client.get(URL).content.decode()
    assert "Nouvelle convention" in page and "Caisse d&#x27;allocations familiales de l&#x27;Eure" in page


@pytest.mark.parametrize("role", ["coordinateur", "elu"])
def test_coordinators_and_elus_may_not_create(client, role):
    convention = ConventionFactory()
    user = users_for(convention)[role]
    client.force_login(user)
    assert 'href="/conventions/nouvelle/"' not in client.get("/conventions/").content.decode()
    response = client.get(URL)
    assert response.status_code == 403
    assert "Seuls les agents d&#x27;une Caf créent une convention" in response.content.decode()
    assert client.post(URL, filled(convention.caf)).status_code == 403
    assert not Convention.objects.exclude(pk=convention.pk).exists()


def test_a_caf_officer_creates_only_for_their_own_caf(client, caf_user):
    other = CafFactory(name="Caisse d'allocations familiales du Finistère")
    client.force_login(caf_user)
    response = client.post(URL, filled(other))
    assert response.status_code == 200
    assert "Vous ne créez une convention que pour votre Caf." in response.content.decode()
    with pytest.raises(DomainError, match="que pour votre Caf"):
        create_convention(other, caf_user)
    assert not Convention.objects.exists()


def test_a_member_of_two_cafs_chooses_one(client, caf_user):
    second = CafFactory(name="Caisse d'allocations familiales du Calvados")
    caf_user.memberships.create(organisation=second, role=Role.CAF)
    client.force_login(caf_user)
    page = client.get(URL).content.decode()
    assert '<select name="caf"' in page and "Calvados" in page


# --- Creating -----------------------------------------------------------------------------------


def test_create_a_convention_with_two_collectivites_and_pasted_communes(client, caf, caf_user):
    client.force_login(caf_user)
    response = client.post(URL, filled(caf))
    convention = Convention.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/conventions/{convention.slug}/texte/"
    assert convention.slug == "convention-territoriale-globale-roumois-seine-2027-2031"
    assert convention.status == ConventionStatus.PREPARATION and convention.signed_at == "Bourg-Achard"
    assert [(s.organisation.name, s.representative) for s in convention.signatories.select_related("organisation")] == [
        ("Caisse d'allocations familiales de l'Eure", "M. Philippe CHARPIN"),
        ("Caisse d'allocations familiales de l'Eure", "Mme Aurore VERNIEUWE"),
        ("Communauté de communes Roumois Seine", "M. Sylvain BONENFANT"),
        ("Commune de Bourg-Achard", "Mme Claire DUVAL"),
    ]
    epci = Organisation.objects.get(kind=OrganisationKind.EPCI)
    assert (epci.code, epci.population) == ("200066405", 41000)
    assert list(convention.communes.values_list("insee", "name", "population")) == [
        ("27103", "Bourg-Achard", 4500), ("27005", "Amfreville-Saint-Amand", 1200), ("27008", "Appeville-Annebault", None),
    ]

    page = client.get(response["Location"]).content.decode()
    assert "La convention « Convention territoriale globale Roumois Seine 2027-2031 » est créée en préparation" in page
    # The parties' sentences come from the signatories.
    assert ("<strong>La Caisse d&#x27;allocations familiales de l&#x27;Eure</strong>, représentée par M. Philippe "
            "CHARPIN, président du conseil d&#x27;administration, et par Mme Aurore VERNIEUWE, directrice, dûment "
            "autorisés à signer la présente convention ;</p>") in page  # as `002_…` writes it
    assert "<p>Ci-après dénommée « la Caf » ;</p>" in page
    assert ("représentée par Mme Claire DUVAL, maire, dûment autorisée à signer la présente convention par "
            "délibération de son conseil municipal ;") in page
    # The creator is the author of every history record.
    assert convention.history.get().history_user == caf_user
    assert {s.history.get().history_user for s in convention.signatories.all()} == {caf_user}


def test_the_body_starts_from_the_model_of_a_ctg(caf, creator):
    convention = create_convention(caf, creator)
    titles = list(convention.articles.values_list("number", "title"))
    assert titles == [("1", "Objet de la convention"), ("2", "Engagements des partenaires"),
                      ("3", "Échanges de données"), ("4", "Suivi, bilan et évaluation"),
                      ("5", "Incidences et révision"), ("6", "Effet et durée de la convention")]
    articles = dict(convention.articles.values_list("number", "body"))
    # The seed's wording (`002_…`), with the convention's parties and dates.
    assert articles["2"].startswith(
        "La Caisse d'allocations familiales de l'Eure et la Communauté de communes Roumois Seine s'engagent à "
        "mettre en œuvre les moyens nécessaires pour atteindre les objectifs qu'ils se sont assignés"
    )
    assert "De son côté, la collectivité s'engage à poursuivre son soutien financier" in articles["2"]
    assert "étude d'opportunité, de faisabilité et de conformité au Rgpd" in articles["3"]
    assert "Un tableau de suivi partagé est mis en place dès le démarrage de la CTG" in articles["4"]
    assert articles["6"].startswith("La présente convention prend effet à compter du 01/01/2027 et jusqu'au 31/12/2031.")
    visas = list(convention.visas.values_list("text", flat=True))
    assert visas[0] == "Vu les articles L. 263-1, L. 223-1 et L. 227-1 à 3 du Code de la sécurité sociale ;"
    assert ("Vu la délibération du conseil d'administration de la Caisse d'allocations familiales de l'Eure en date "
            "du … concernant la stratégie pluriannuelle de renouvellement des Ctg ;") in visas
    assert visas[-1] == ("Vu la délibération du conseil communautaire de la Communauté de communes Roumois Seine en "
                         "date du … portant sur la signature de la Convention territoriale globale.")
    assert convention.preamble.startswith("Les Caf sont nées de la volonté d'apporter une aide à toutes les familles")
    assert convention.governance_text.startswith("Les instances de pilotage de la CTG s'appuient sur :")


def test_two_collectivites_are_named_together_and_in_the_plural(caf, creator):
    commune = OrganisationFactory(name="Commune de Bourg-Achard", kind=OrganisationKind.COMMUNE, code="27103")
    epci = OrganisationFactory(name="Communauté de communes Roumois Seine", kind=OrganisationKind.EPCI, code="200066405")
    convention = services.convention_create(
        by=creator, title="CTG", caf=caf, start=datetime.date(2027, 1, 1), end=datetime.date(2031, 12, 31),
        caf_representatives=[("Mme Aurore VERNIEUWE", "Directrice")],
        collectivites=[{"organisation": o, "new_organisation": None, "representative": "X", "capacity": "Président"}
                       for o in (epci, commune)],
        communes=[("27103", "Bourg-Achard", None)],
    )
    engagements = convention.articles.get(number="2").body
    assert engagements.startswith("La Caisse d'allocations familiales de l'Eure, la Communauté de communes Roumois "
                                  "Seine et la Commune de Bourg-Achard s'engagent")
    assert "De leur côté, les collectivités signataires s'engagent à poursuivre leur soutien" in engagements
    assert ("l'engagement conjoint de la Caf et des collectivités signataires à poursuivre leur appui financier"
            in engagements)
    assert "À l'issue du (des) contrat(s) enfance et jeunesse" in engagements
    assert ("Vu la délibération du conseil municipal de la Commune de Bourg-Achard en date du … portant sur la "
            "signature de la Convention territoriale globale.") == convention.visas.last().text


def test_the_slug_follows_the_title_and_stays_unique(caf, creator):
    first = create_convention(caf, creator, title="CTG Roumois Seine")
    second = services.convention_create(
        by=creator, title="CTG Roumois Seine", caf=caf, start=datetime.date(2027, 1, 1), end=datetime.date(2031, 12, 31),
        caf_representatives=[("Mme Aurore VERNIEUWE", "Directrice")],
        collectivites=[{"organisation": first.signatories.last().organisation, "new_organisation": None,
                        "representative": "X", "capacity": "Président"}],
        communes=[("27103", "Bourg-Achard", None)],
    )
    assert (first.slug, second.slug) == ("ctg-roumois-seine", "ctg-roumois-seine-2")
    nouvelle = services.convention_create(
        by=creator, title="Nouvelle", caf=caf, start=datetime.date(2027, 1, 1), end=datetime.date(2031, 12, 31),
        caf_representatives=[("Mme Aurore VERNIEUWE", "Directrice")],
        collectivites=[{"organisation": first.signatories.last().organisation, "new_organisation": None,
                        "representative": "X", "capacity": "Président"}],
        communes=[("27103", "Bourg-Achard", None)],
    )
    assert nouvelle.slug == "nouvelle-2"  # « nouvelle » is the address of this page


def test_a_period_other_than_four_to_five_years_is_a_warning_not_a_refusal(client, caf, caf_user):
    client.force_login(caf_user)
    response = client.post(URL, filled(caf, end="2028-12-31"), follow=True)
    assert Convention.objects.get().end == datetime.date(2028, 12, 31)
    assert "une convention territoriale globale dure d&#x27;ordinaire 4 à 5 ans" in response.content.decode()


# --- Refusals, at the field, typing kept ---------------------------------------------------------


def test_a_bad_pasted_commune_line_is_named(client, caf, caf_user):
    client.force_login(caf_user)
    communes = "27103;Bourg-Achard;4500\n27X05;Amfreville-Saint-Amand;1200\n27008;Appeville-Annebault;beaucoup"
    response = client.post(URL, filled(caf, communes=communes))
    page = response.content.decode()
    assert response.status_code == 200
    assert "La convention n'est pas créée" in page
    assert ("Ligne 2 (« 27X05;Amfreville-Saint-Amand;1200 ») : « 27X05 » n'est pas un code INSEE : 5 caractères, des chiffres"
            in page.replace("&#x27;", "'"))
    assert "Ligne 3 (« 27008;Appeville-Annebault;beaucoup ») : la population « beaucoup » n&#x27;est pas un nombre" in page
    assert '27X05;Amfreville-Saint-Amand;1200' in page and 'value="Convention territoriale globale Roumois Seine 2027-2031"' in page
    assert 'value="M. Sylvain BONENFANT"' in page
    assert not Convention.objects.exists() and not Organisation.objects.exclude(kind=OrganisationKind.CAF).exists()


def test_a_commune_given_twice_is_named(client, caf, caf_user):
    client.force_login(caf_user)
    response = client.post(URL, filled(caf, communes="27103;Bourg-Achard\n27103;Bourg Achard"))
    assert "Ligne 2 (« 27103;Bourg Achard ») : le code INSEE 27103 figure déjà ligne 1." in response.content.decode()


@pytest.mark.parametrize(("changes", "error"), [
    ({"title": ""}, "Ce champ est obligatoire."),
    ({"end": "2026-12-31"}, "La fin doit être postérieure au début."),
    ({"communes": ""}, "Indiquez au moins une commune couverte par la convention."),
    ({"caf-0-representative": "", "caf-1-representative": ""}, "Indiquez qui signe pour la Caf"),
    ({"collectivites-0-new_name": "", "collectivites-0-new_code": "", "collectivites-1-new_name": "",
      "collectivites-1-new_code": "", "collectivites-0-representative": "", "collectivites-1-representative": ""},
     "Indiquez au moins une collectivité signataire."),
    ({"collectivites-0-new_code": "2000"}, "Le SIREN d&#x27;un EPCI compte 9 chiffres."),
    ({"collectivites-1-new_kind": ""}, "Indiquez le type de la nouvelle organisation."),
    ({"collectivites-1-capacity": ""}, "Ce champ est obligatoire."),
])
def test_each_mistake_is_shown_and_nothing_is_created(client, caf, caf_user, changes, error):
    client.force_login(caf_user)
    response = client.post(URL, filled(caf, **changes))
    page = response.content.decode()
    assert response.status_code == 200
    assert error in page
    assert "27005\tAmfreville-Saint-Amand\t1200" in page or not filled(caf, **changes)["communes"]
    assert not Convention.objects.exists()


def test_a_new_organisation_whose_code_is_known_is_refused_at_the_field(client, caf, caf_user):
    OrganisationFactory(name="CC Roumois Seine", kind=OrganisationKind.EPCI, code="200066405")
    client.force_login(caf_user)
    page = client.post(URL, filled(caf)).content.decode()
    assert "« CC Roumois Seine » porte déjà ce code : choisissez-la dans la liste." in page
    assert not Convention.objects.exists()


def test_creation_is_all_or_nothing(caf, creator):
    """The second new organisation clashes with one made meanwhile: the first one, the
    convention and its rows are not kept."""
    OrganisationFactory(name="Commune de Bourg-Achard", kind=OrganisationKind.COMMUNE, code="27103")
    new = [{"organisation": None, "representative": "X", "capacity": "Président",
            "new_organisation": {"name": name, "kind": kind, "code": code, "population": None}}
           for name, kind, code in [("CC Roumois Seine", "epci", "200066405"), ("Bourg-Achard", "commune", "27103")]]
    with pytest.raises(DomainError, match="porte déjà le code 27103"):
        services.convention_create(
            by=creator, title="CTG", caf=caf, start=datetime.date(2027, 1, 1), end=datetime.date(2031, 12, 31),
            caf_representatives=[("Mme Aurore VERNIEUWE", "Directrice")], collectivites=new,
            communes=[("27103", "Bourg-Achard", None)],
        )
    assert not Convention.objects.exists() and not Signatory.objects.exists() and not Commune.objects.exists()
    assert not Organisation.objects.filter(code="200066405").exists()


# --- Rows added with and without htmx ---------------------------------------------------------------


def test_add_a_collectivite_row_without_javascript_keeps_the_typing(client, caf, caf_user):
    client.force_login(caf_user)
    response = client.post(URL, filled(caf, add_row="collectivites"))
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page
    assert 'name="collectivites-2-representative"' in page and 'name="collectivites-TOTAL_FORMS" value="3"' in page
    assert 'value="M. Sylvain BONENFANT"' in page and "La convention n'est pas créée" not in page
    assert not Convention.objects.exists()


def test_add_a_caf_representative_with_htmx_returns_the_list_alone(client, caf, caf_user):
    client.force_login(caf_user)
    response = client.post(URL, filled(caf, add_row="caf"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.strip().startswith('<div id="caf-region"')
    assert 'name="caf-2-representative"' in page and 'name="caf-TOTAL_FORMS" value="3"' in page
    assert 'value="Mme Aurore VERNIEUWE"' in page


def test_the_caf_representatives_start_from_its_latest_convention(client, caf, caf_user):
    create_convention(caf, caf_user)
    client.force_login(caf_user)
    page = client.get(URL).content.decode()
    assert 'name="caf-0-representative" value="M. Philippe CHARPIN"' in page.replace('maxlength="150" ', "")


# --- Query counts ------------------------------------------------------------------------------------


def count_queries(client, django_assert_max_num_queries, budget):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_assert_max_num_queries(budget), CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_costs_the_same_with_few_or_many_organisations(client, caf, caf_user, django_assert_max_num_queries):
    create_convention(caf, caf_user)
    client.force_login(caf_user)
    few = count_queries(client, django_assert_max_num_queries, 12)
    for n in range(40):
        OrganisationFactory(name=f"Commune n°{n}", kind=OrganisationKind.COMMUNE)
    create_convention(caf, caf_user, title="Autre CTG")
    assert count_queries(client, django_assert_max_num_queries, 12) == few
    assert reverse("conventions:create") == URL
