"""Preparing the annexes in place: texts of annexes 1, 5 and 6, the diagnosis grid and enjeux
(annexe 2), equipment and services (annexe 3), the SPPE schéma (annexe 4), deliberations (annexe 7)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conventions.enums import EquipmentKind, OrganisationKind, SppeKind
from conventions.models import DiagnosisIndicator, Organisation
from tests.helpers import page_form, region_data, text, two_writers

from .conftest import create_convention

pytestmark = pytest.mark.django_db

PARTS = [f"annexe-{n}" for n in range(1, 8)]


def url(convention, part):
    return f"/conventions/{convention.slug}/preparer/{part}/"


def opened(client, convention, part):
    response = client.get(url(convention, part))
    assert response.status_code == 200
    return page_form(response, "fingerprint")


@pytest.mark.parametrize("part", PARTS)
def test_per_role(client, prepared, roles, part):
    for role, status in [("caf", 200), ("coordinateur", 200), ("elu", 403), ("outsider", 404)]:
        client.force_login(roles[role])
        assert client.get(url(prepared, part)).status_code == status, (role, part)


@pytest.mark.parametrize(("part", "field", "shown"), [
    ("annexe-1", "previous_evaluation", "Annexe 1"),
    ("annexe-5", "governance_text", "Annexe 5"),
    ("annexe-6", "evaluation_text", "Annexe 6"),
])
def test_an_annex_text_is_written(client, prepared, roles, part, field, shown):
    client.force_login(roles["coordinateur"])
    data = opened(client, prepared, part)
    data[field] = "## Bilan\n\n- 18 actions sur 20 **réalisées**."
    response = client.post(url(prepared, part), data)
    assert response.status_code == 302 and response["Location"].endswith(f"/annexes/#{part}")
    page = client.get(response["Location"]).content.decode()
    assert "<strong>réalisées</strong>" in page and f"{shown} — " in page
    prepared.refresh_from_db()
    assert getattr(prepared, field) == "## Bilan\n\n- 18 actions sur 20 **réalisées**."


# --- Annexe 2 ---------------------------------------------------------------------------------------


def test_the_grid_starts_with_the_territories_of_the_convention(client, prepared, roles):
    client.force_login(roles["caf"])
    page = client.get(url(prepared, "annexe-2")).content.decode()
    assert 'name="territoires-0-code" value="27103"' in page.replace('maxlength="20" ', "")
    assert "Bourg-Achard" in page and "Communauté de communes Roumois Seine" in page
    assert 'name="territoires-TOTAL_FORMS" value="3"' in page


@pytest.mark.parametrize("htmx", [False, True])
def test_fill_the_grid_with_the_usual_indicators(client, prepared, roles, htmx):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "annexe-2")
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(url(prepared, "annexe-2"), {**data, "add_indicators": "1"}, **headers)
    page = response.content.decode()
    assert response.status_code == 200 and ("<html" in page) is not htmx
    assert 'value="Taux de couverture petite enfance"' in page and 'name="indicateurs-TOTAL_FORMS" value="11"' in page
    data = {**data, **region_data(response)} if htmx else page_form(response, "fingerprint")
    # Keep two indicators, in French decimals; an empty cell stays empty.
    for i in range(2, 11):
        data[f"indicateurs-{i}-DELETE"] = "on"
    data.update({"indicateurs-0-year": "2024", "valeur-0_0": "52", "valeur-0_1": "18", "valeur-0_2": "415",
                 "valeur-1_0": "1 633", "valeur-1_2": "41,5"})
    data["enjeux-TOTAL_FORMS"] = "1"
    data.update({"enjeux-0-id": "", "enjeux-0-text": "Développer l'offre d'accueil du jeune enfant"})
    data["diagnosis_summary"] = "Un territoire jeune."
    response = client.post(url(prepared, "annexe-2"), data)
    assert response.status_code == 302
    stored = {(i.indicator, i.territory): (i.year, i.value, i.unit) for i in DiagnosisIndicator.objects.all()}
    assert len(stored) == 6  # two indicators × three territories, empty cells included
    assert stored[("Nombre de naissances", "27103")] == (2024, 52, "nombre")
    assert stored[("Enfants de 0 à 2 ans", "200066405")] == (None, 41.5, "nombre")
    assert stored[("Enfants de 0 à 2 ans", "27005")] == (None, None, "nombre")
    page = client.get(f"/conventions/{prepared.slug}/annexes/").content.decode()
    assert "Développer l&#x27;offre d&#x27;accueil du jeune enfant" in page and "1633" in page.replace("\u202f", "").replace(" ", "")


def test_a_bad_value_is_refused_in_its_cell_and_saving_again_changes_only_what_changed(client, prepared, roles):
    DiagnosisIndicator.objects.create(convention=prepared, territory="27103", level="commune",
                                      indicator="Taux de couverture petite enfance", value=76, unit="%")
    client.force_login(roles["caf"])
    data = opened(client, prepared, "annexe-2")
    assert data["valeur-0_0"] == "76"
    data["valeur-0_0"] = "beaucoup"
    response = client.post(url(prepared, "annexe-2"), data)
    assert response.status_code == 200 and "Un nombre, par exemple 41,5." in response.content.decode()
    assert 'value="beaucoup"' in response.content.decode()
    data["valeur-0_0"] = "77,5"
    assert client.post(url(prepared, "annexe-2"), data).status_code == 302
    indicator = DiagnosisIndicator.objects.get()
    assert indicator.value == 77.5 and indicator.history.count() == 2  # the same row, changed


def test_add_the_territories_of_the_convention_again(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "annexe-2")
    data["territoires-0-DELETE"] = "on"
    data.update({"territoires-TOTAL_FORMS": "4", "territoires-3-level": "departement", "territoires-3-code": "27"})
    response = client.post(url(prepared, "annexe-2"), {**data, "add_territories": "1"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.strip().startswith('<div id="grid-region"')
    # Nothing is missing: the column marked for removal is still in the list.
    assert 'name="territoires-TOTAL_FORMS" value="4"' in page


# --- Annexes 3, 4 and 7 --------------------------------------------------------------------------------


def test_equipment_per_signatory_with_its_funding(client, prepared, roles):
    epci = Organisation.objects.get(kind=OrganisationKind.EPCI)
    client.force_login(roles["coordinateur"])
    data = opened(client, prepared, "annexe-3")
    response = client.post(url(prepared, "annexe-3"), {**data, "add_row": "equipements"})
    data = page_form(response, "fingerprint")
    data.update({"equipements-0-funded_by": str(epci.pk), "equipements-0-kind": EquipmentKind.EAJE_PSU,
                 "equipements-0-name": "Multi-accueil Les Lutins", "equipements-0-commune": "27103",
                 "equipements-0-places": "24", "equipements-0-caf_funding": "120 000,50",
                 "equipements-0-local_funding": "80000"})
    response = client.post(url(prepared, "annexe-3"), data)
    assert response.status_code == 302
    equipment = prepared.equipment.get()
    assert (equipment.key, equipment.funded_by, equipment.caf_funding) == ("multi-accueil-les-lutins", epci, Decimal("120000.50"))
    page = client.get(f"/conventions/{prepared.slug}/annexes/").content.decode()
    assert "Multi-accueil Les Lutins" in page and "Communauté de communes Roumois Seine" in page


def test_equipment_is_supported_by_a_signatory_of_this_convention(client, prepared, roles):
    stranger = Organisation.objects.create(name="Commune étrangère", kind=OrganisationKind.COMMUNE, code="44005")
    client.force_login(roles["caf"])
    data = opened(client, prepared, "annexe-3")
    data.update({"equipements-TOTAL_FORMS": "1", "equipements-0-id": "", "equipements-0-funded_by": str(stranger.pk),
                 "equipements-0-kind": EquipmentKind.RPE, "equipements-0-name": "RPE"})
    response = client.post(url(prepared, "annexe-3"), data)
    assert response.status_code == 200 and "Sélectionnez un choix valide" in response.content.decode()
    assert not prepared.equipment.exists()


def test_sppe_rows(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "annexe-4")
    data.update({"sppe-TOTAL_FORMS": "2",
                 "sppe-0-id": "", "sppe-0-kind": SppeKind.EAJE_PSU, "sppe-0-name": "Crèche Les Lutins",
                 "sppe-0-current_places": "24", "sppe-0-projection": "creation", "sppe-0-projected_places": "6",
                 "sppe-0-horizon_year": "2029",
                 "sppe-1-id": "", "sppe-1-kind": SppeKind.RPE, "sppe-1-name": "RPE du Roumois", "sppe-1-current_places": "1,5"})
    assert client.post(url(prepared, "annexe-4"), data).status_code == 302
    assert list(prepared.sppe_rows.values_list("name", "current_places", "projected_places")) == [
        ("Crèche Les Lutins", 24, 6), ("RPE du Roumois", 1.5, None)]
    page = client.get(f"/conventions/{prepared.slug}/annexes/").content.decode()
    assert "Création de places : 6 places à horizon 2029" in page


def test_deliberations_name_their_collectivite(client, prepared, roles):
    client.force_login(roles["caf"])
    epci = Organisation.objects.get(kind=OrganisationKind.EPCI)
    data = opened(client, prepared, "annexe-7")
    data.update({"deliberations-TOTAL_FORMS": "1", "deliberations-0-id": "", "deliberations-0-organisation": str(epci.pk),
                 "deliberations-0-body": "", "deliberations-0-date": "2026-12-15", "deliberations-0-number": "CC_201_2026",
                 "deliberations-0-title": "Signature de la convention territoriale globale"})
    assert client.post(url(prepared, "annexe-7"), data).status_code == 302
    deliberation = prepared.deliberations.get()
    assert (deliberation.organisation, deliberation.body, deliberation.date) == (epci, "Conseil communautaire", datetime.date(2026, 12, 15))
    page = client.get(f"/conventions/{prepared.slug}/annexes/").content.decode()
    assert "<td>Communauté de communes Roumois Seine</td><td>Conseil communautaire</td>" in page


def test_a_deliberation_without_its_collectivite_or_date_is_refused(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "annexe-7")
    data.update({"deliberations-TOTAL_FORMS": "1", "deliberations-0-id": "", "deliberations-0-title": "Signature"})
    page = client.post(url(prepared, "annexe-7"), data).content.decode()
    assert "Indiquez la collectivité qui a délibéré." in page and "Ce champ est obligatoire." in page
    assert 'value="Signature"' in page and not prepared.deliberations.exists()


def test_a_signatory_with_a_deliberation_is_not_removed(client, prepared, roles):
    epci = Organisation.objects.get(kind=OrganisationKind.EPCI)
    prepared.deliberations.create(organisation=epci, body="Conseil communautaire", date=datetime.date(2026, 12, 15),
                                  title="Signature de la CTG")
    commune = Organisation.objects.create(name="Commune de Bourg-Achard", kind=OrganisationKind.COMMUNE, code="27103")
    prepared.signatories.create(organisation=commune, representative="Mme Claire DUVAL", capacity="Maire", position=9)
    client.force_login(roles["caf"])
    data = opened(client, prepared, "parties")
    data["signataires-2-DELETE"] = "on"
    page = client.post(url(prepared, "parties"), data).content.decode().replace("&#x27;", "'")
    assert "La délibération « Signature de la CTG » (annexe 7) est celle de « Communauté de communes Roumois Seine »" in page


# --- Query counts ------------------------------------------------------------------------------------


def grow(convention, count):
    epci = Organisation.objects.get(kind=OrganisationKind.EPCI)
    for n in range(count):
        for code in ("27103", "200066405"):
            DiagnosisIndicator.objects.create(convention=convention, territory=code, level="commune" if len(code) == 5 else "epci",
                                              indicator=f"Indicateur {n}", value=n, unit="%", position=n)
        convention.diagnosis_issues.create(text=f"Enjeu {n}", position=n)
        convention.equipment.create(key=f"equipement-{n}", kind=EquipmentKind.RPE, name=f"RPE {n}", funded_by=epci, position=n)
        convention.sppe_rows.create(kind=SppeKind.MAM, name=f"MAM {n}", position=n)
        convention.deliberations.create(organisation=epci, body="Conseil communautaire", date=datetime.date(2026, 1, 1),
                                        title=f"Délibération {n}", position=n)


@pytest.mark.parametrize("part", PARTS)
def test_queries_do_not_grow_with_the_rows(client, prepared, roles, part, django_assert_max_num_queries):
    large = create_convention(prepared.caf, roles["caf"], title="Grande CTG")
    grow(prepared, 2)
    grow(large, 25)
    client.force_login(roles["caf"])
    counts = []
    for convention in (prepared, large):
        with django_assert_max_num_queries(16), CaptureQueriesContext(connection) as ctx:
            assert client.get(url(convention, part)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# --- Two people on one annexe ----------------------------------------------------------------------------


@pytest.fixture
def two_editors(client, prepared, roles):
    second = client.__class__()
    client.force_login(roles["caf"])
    second.force_login(roles["coordinateur"])
    return client, second


def test_two_people_writing_an_annex_text(prepared, roles, two_editors):
    """The first save wins; the second sees it with its own typing kept, and confirms."""
    first, second = two_editors
    response = two_writers(first, second, url(prepared, "annexe-6"), "fingerprint",
                           {"evaluation_text": "Version de la Caf."}, {"evaluation_text": "Version de la coordinatrice."})
    page = text(response)
    assert response.status_code == 409
    assert f"Modifié entre-temps par {roles['caf'].get_full_name()}" in page
    assert "Version de la Caf." in page and "Version de la coordinatrice." in page
    prepared.refresh_from_db()
    assert prepared.evaluation_text == "Version de la Caf."
    assert second.post(url(prepared, "annexe-6"), page_form(response, "fingerprint")).status_code == 302
    prepared.refresh_from_db()
    assert prepared.evaluation_text == "Version de la coordinatrice."


def test_two_people_editing_rows_of_an_annex(prepared, two_editors):
    """Annexe 4: changes to different fields of one row, to different rows, and a row added, all kept."""
    first, second = two_editors
    prepared.sppe_rows.create(kind=SppeKind.EAJE_PSU, name="Crèche Les Lutins", current_places=24, position=0)
    prepared.sppe_rows.create(kind=SppeKind.RPE, name="RPE", current_places=1, position=1)
    theirs, mine = opened(first, prepared, "annexe-4"), opened(second, prepared, "annexe-4")
    response = first.post(url(prepared, "annexe-4"), {**theirs, "add_row": "sppe"})
    theirs = page_form(response, "fingerprint")
    theirs.update({"sppe-0-name": "Multi-accueil Les Lutins", "sppe-2-kind": SppeKind.MAM, "sppe-2-name": "MAM Les Petits Pas",
                   "sppe-2-current_places": "12"})
    assert first.post(url(prepared, "annexe-4"), theirs).status_code == 302

    mine.update({"sppe-0-current_places": "30", "sppe-1-name": "RPE du Roumois"})
    response = second.post(url(prepared, "annexe-4"), mine, follow=True)
    assert response.redirect_chain and "Modifié entre-temps par" in text(response)
    assert list(prepared.sppe_rows.values_list("name", "current_places")) == [
        ("Multi-accueil Les Lutins", 30), ("RPE du Roumois", 1), ("MAM Les Petits Pas", 12)]


def test_two_people_editing_the_diagnosis(prepared, two_editors):
    """Annexe 2: the grid is merged as a whole with the summary; changed on both sides, it is shown."""
    first, second = two_editors
    DiagnosisIndicator.objects.create(convention=prepared, territory="27103", level="commune",
                                      indicator="Taux de couverture petite enfance", value=76, unit="%")
    response = two_writers(first, second, url(prepared, "annexe-2"), "fingerprint",
                           {"valeur-0_0": "77,5"}, {"diagnosis_summary": "Un territoire jeune."})
    assert response.status_code == 302
    prepared.refresh_from_db()
    assert prepared.diagnosis_summary == "Un territoire jeune."
    assert DiagnosisIndicator.objects.get(territory="27103").value == 77.5

    response = two_writers(first, second, url(prepared, "annexe-2"), "fingerprint",
                           {"valeur-0_0": "80"}, {"valeur-0_0": "78"})
    page = text(response)
    assert response.status_code == 409 and "Portrait de territoire" in page and 'value="78"' in page
    assert DiagnosisIndicator.objects.get(territory="27103").value == 80
    assert second.post(url(prepared, "annexe-2"), page_form(response, "fingerprint")).status_code == 302
    assert DiagnosisIndicator.objects.get(territory="27103").value == 78
