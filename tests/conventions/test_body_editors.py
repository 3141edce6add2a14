"""Preparing the body of a convention in place: « Parties et territoire » and « Texte de la
convention » (visas, préambule, articles, place and date of signature)."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conventions import editing
from conventions.editor_forms import parse_population
from conventions.enums import ConventionStatus, OrganisationKind
from conventions.models import Article, Organisation
from conventions.pdf import ConventionPdf
from tests.factories import FicheFactory
from tests.helpers import page_form, region_data, text

pytestmark = pytest.mark.django_db


def url(convention, part):
    return f"/conventions/{convention.slug}/preparer/{part}/"


def opened(client, convention, part):
    """The page's form as the browser would send it back."""
    response = client.get(url(convention, part))
    assert response.status_code == 200
    return page_form(response, "fingerprint")


def titles(convention):
    return list(convention.articles.order_by("position").values_list("number", "title"))


# --- Who may prepare ---------------------------------------------------------------------------


@pytest.mark.parametrize("part", ["parties", "texte"])
def test_per_role(client, prepared, roles, part):
    for role, status in [("caf", 200), ("coordinateur", 200), ("elu", 403), ("outsider", 404)]:
        client.force_login(roles[role])
        response = client.get(url(prepared, part))
        assert response.status_code == status, role
        if role == "elu":
            assert "Votre rôle sur cette convention ne permet que la lecture." in response.content.decode()
        if role in ("elu", "outsider"):
            assert client.post(url(prepared, part), {"fingerprint": "x"}).status_code == status


def test_the_modifier_buttons_show_only_to_those_who_may_prepare(client, prepared, roles):
    for role, shown in [("caf", True), ("coordinateur", True), ("elu", False)]:
        client.force_login(roles[role])
        page = client.get(f"/conventions/{prepared.slug}/texte/").content.decode()
        assert ("Modifier le texte" in page) is shown, role
        assert ("Modifier les parties" in page) is shown, role
        annexes = client.get(f"/conventions/{prepared.slug}/annexes/").content.decode()
        assert ("Modifier l&#x27;annexe 7" in annexes or "Modifier l'annexe 7" in annexes) is shown, role


@pytest.mark.parametrize("status", [ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT, ConventionStatus.ECHUE])
def test_a_convention_out_of_preparation_is_not_edited_in_place(client, prepared, roles, status):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "texte")
    prepared.status = status
    prepared.save()
    response = client.get(url(prepared, "texte"))
    assert response.status_code == 403
    assert "son texte, ses annexes et son plan d&#x27;actions ne changent plus que par avenant" in response.content.decode()
    assert client.post(url(prepared, "texte"), data).status_code == 403
    page = client.get(f"/conventions/{prepared.slug}/texte/").content.decode()
    assert "Modifier le texte" not in page and "Convention en préparation." not in page


def test_an_unknown_page_is_404(client, prepared, roles):
    client.force_login(roles["caf"])
    assert client.get(url(prepared, "annexe-8")).status_code == 404


# --- Editing the text --------------------------------------------------------------------------------


def test_edit_a_visa_and_an_article(client, prepared, roles):
    client.force_login(roles["coordinateur"])
    data = opened(client, prepared, "texte")
    data["visas-0-text"] = "Vu les articles L. 263-1 et suivants du Code de la sécurité sociale ;"
    data["articles-1-body"] = "La Caf et la Communauté de communes Roumois Seine s'engagent ensemble."
    data["signed_on"] = "2027-03-15"
    response = client.post(url(prepared, "texte"), data)
    assert response.status_code == 302 and response["Location"] == f"/conventions/{prepared.slug}/texte/#visas"
    page = client.get(response["Location"]).content.decode()
    assert "Texte de la convention : modifications enregistrées." in page
    assert "Vu les articles L. 263-1 et suivants du Code de la sécurité sociale ;" in page
    assert "La Caf et la Communauté de communes Roumois Seine s'engagent ensemble." in page  # Markdown
    prepared.refresh_from_db()
    assert prepared.signed_on == datetime.date(2027, 3, 15)
    article = prepared.articles.get(number="2")
    assert article.history.latest().history_user == roles["coordinateur"]
    # Only what changed is saved: the other articles keep their single history record.
    assert prepared.articles.get(number="3").history.count() == 1


def test_add_an_article_without_javascript_then_save_it(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "texte")
    data["preamble"] = "Préambule en cours d'écriture."
    response = client.post(url(prepared, "texte"), {**data, "add_row": "articles"})
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page
    assert "Article 7" in page and 'name="articles-TOTAL_FORMS" value="7"' in page
    assert "Préambule en cours d&#x27;écriture." in page  # typing kept, nothing saved yet
    assert prepared.articles.count() == 6
    data = page_form(response, "fingerprint")
    data.update({"articles-6-title": "Recours", "articles-6-body": "Les litiges relèvent du tribunal administratif de Rouen."})
    assert client.post(url(prepared, "texte"), data).status_code == 302
    assert titles(prepared)[-1] == ("7", "Recours")
    prepared.refresh_from_db()
    assert prepared.preamble == "Préambule en cours d'écriture."


def test_add_a_visa_with_htmx_returns_the_list_alone(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "texte")
    response = client.post(url(prepared, "texte"), {**data, "add_row": "visas"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and page.strip().startswith('<div id="visas-region"')
    count = prepared.visas.count()
    assert f'name="visas-{count}-text"' in page and f'name="visas-TOTAL_FORMS" value="{count + 1}"' in page


@pytest.mark.parametrize("htmx", [False, True])
def test_move_an_article_up_then_save_renumbers(client, prepared, roles, htmx):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "texte")
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(url(prepared, "texte"), {**data, "move": "articles:5:up"}, **headers)
    page = response.content.decode()
    assert response.status_code == 200 and ("<html" in page) is not htmx
    assert page.index('value="Effet et durée de la convention"') < page.index('value="Incidences et révision"')
    assert titles(prepared)[4] == ("5", "Incidences et révision")  # nothing saved yet
    if htmx:  # the browser keeps the rest of the form and swaps the region in
        data = {**{k: v for k, v in data.items() if not k.startswith("articles-")}, **region_data(response)}
    else:
        data = page_form(response, "fingerprint")
    assert client.post(url(prepared, "texte"), data).status_code == 302
    assert titles(prepared)[4:] == [("5", "Effet et durée de la convention"), ("6", "Incidences et révision")]


def test_delete_an_article_renumbers_the_others(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "texte")
    data["articles-0-DELETE"] = "on"
    assert client.post(url(prepared, "texte"), data).status_code == 302
    assert titles(prepared) == [("1", "Engagements des partenaires"), ("2", "Échanges de données"),
                                ("3", "Suivi, bilan et évaluation"), ("4", "Incidences et révision"),
                                ("5", "Effet et durée de la convention")]
    assert Article.history.filter(history_type="-").count() == 1


def test_mistakes_are_shown_at_the_field_and_the_typing_kept(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "texte")
    data.update({"articles-2-title": "", "articles-2-body": "", "visas-1-text": "",
                 "articles-0-body": "Texte retouché, à garder.", "signed_on": "15/13/2027"})
    response = client.post(url(prepared, "texte"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Rien n&#x27;est enregistré" in page or "Rien n'est enregistré" in page
    assert "Donnez un titre ou un texte à l&#x27;article, ou cochez « Supprimer »." in page
    assert "Ce champ est obligatoire." in page and "Saisissez une date valide." in page
    assert "Texte retouché, à garder." in page
    assert prepared.articles.get(number="1").history.count() == 1


def test_a_concurrent_edit_of_the_same_text_is_shown_and_confirmed(client, prepared, roles):
    client.force_login(roles["caf"])
    mine = opened(client, prepared, "texte")
    client.force_login(roles["coordinateur"])
    theirs = opened(client, prepared, "texte")
    theirs.update({"articles-1-body": "Version de la coordinatrice.", "preamble": "Préambule revu."})
    assert client.post(url(prepared, "texte"), theirs).status_code == 302

    client.force_login(roles["caf"])
    mine.update({"articles-1-body": "Version de la Caf.", "visas-0-text": "Vu le Code de la sécurité sociale ;"})
    response = client.post(url(prepared, "texte"), mine)
    page = text(response)
    assert response.status_code == 409
    assert f"{roles['coordinateur'].username} en a enregistré d'autres" in page
    assert "« Engagements des partenaires » — Texte" in page and "Version de la coordinatrice." in page
    assert "Article 2 — Engagements des partenaires : modification" in page  # the journal of what was saved
    assert "Version de la Caf." in page and "Vu le Code de la sécurité sociale ;" in page  # the typing is kept
    assert prepared.articles.get(number="2").body == "Version de la coordinatrice."
    assert not prepared.visas.filter(text="Vu le Code de la sécurité sociale ;").exists()
    # Saving again, having seen the other version, confirms; the preamble the Caf never touched stays theirs.
    assert client.post(url(prepared, "texte"), page_form(response, "fingerprint")).status_code == 302
    prepared.refresh_from_db()
    assert prepared.articles.get(number="2").body == "Version de la Caf."
    assert prepared.visas.filter(text="Vu le Code de la sécurité sociale ;").exists()
    assert prepared.preamble == "Préambule revu."


def test_concurrent_edits_of_different_parts_of_the_text_are_merged(client, prepared, roles):
    """Rows added, changed or deleted by the first to save are kept by the second save."""
    client.force_login(roles["caf"])
    mine = opened(client, prepared, "texte")
    client.force_login(roles["coordinateur"])
    theirs = opened(client, prepared, "texte")
    theirs.update({"articles-1-body": "Version de la coordinatrice.", "visas-1-DELETE": "on"})
    response = client.post(url(prepared, "texte"), {**theirs, "add_row": "articles"})
    theirs = page_form(response, "fingerprint")
    last = int(theirs["articles-TOTAL_FORMS"]) - 1
    theirs.update({f"articles-{last}-title": "Données personnelles", f"articles-{last}-body": "RGPD."})
    assert client.post(url(prepared, "texte"), theirs).status_code == 302
    visas = list(prepared.visas.values_list("text", flat=True))

    client.force_login(roles["caf"])
    mine["visas-0-text"] = "Vu le Code de la sécurité sociale ;"
    response = client.post(url(prepared, "texte"), mine, follow=True)
    assert response.redirect_chain and "Modifié entre-temps par" in text(response)
    prepared.refresh_from_db()
    assert prepared.articles.get(number="2").body == "Version de la coordinatrice."
    assert prepared.articles.get(title="Données personnelles").body == "RGPD."
    assert list(prepared.visas.values_list("text", flat=True)) == ["Vu le Code de la sécurité sociale ;", *visas[1:]]


def test_editing_another_part_meanwhile_is_no_conflict(client, prepared, roles):
    client.force_login(roles["caf"])
    annex = opened(client, prepared, "annexe-5")
    client.force_login(roles["coordinateur"])
    text = opened(client, prepared, "texte")
    text["preamble"] = "Nouveau préambule."
    assert client.post(url(prepared, "texte"), text).status_code == 302
    client.force_login(roles["caf"])
    annex["governance_text"] = "Un comité de pilotage par an."
    assert client.post(url(prepared, "annexe-5"), annex).status_code == 302
    prepared.refresh_from_db()
    assert (prepared.preamble, prepared.governance_text) == ("Nouveau préambule.", "Un comité de pilotage par an.")


# --- Parties and territory -------------------------------------------------------------------------


def test_add_a_new_collectivite_as_signatory(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "parties")
    response = client.post(url(prepared, "parties"), {**data, "add_row": "signataires"})
    data = page_form(response, "fingerprint")
    data.update({"signataires-3-organisation": "", "signataires-3-new_name": "Commune de Bourg-Achard",
                 "signataires-3-new_kind": "commune", "signataires-3-new_code": "27103",
                 "signataires-3-representative": "Mme Claire DUVAL", "signataires-3-capacity": "Maire"})
    assert client.post(url(prepared, "parties"), data).status_code == 302
    commune = Organisation.objects.get(kind=OrganisationKind.COMMUNE, code="27103")
    assert list(prepared.signatories.values_list("organisation__name", "capacity"))[-1] == ("Commune de Bourg-Achard", "Maire")
    page = client.get(f"/conventions/{prepared.slug}/texte/").content.decode()
    assert ("<strong>La Commune de Bourg-Achard</strong>, représentée par Mme Claire DUVAL, maire, dûment autorisée à "
            "signer la présente convention par délibération de son conseil municipal ;") in page
    assert commune.name == "Commune de Bourg-Achard"


@pytest.mark.parametrize(("rows", "error"), [
    ([2], "Une convention est signée par au moins une collectivité"),
    ([0, 1], "signe la convention : gardez au moins un de ses représentants"),
])
def test_the_caf_and_one_collectivite_stay_signatories(client, prepared, roles, rows, error):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "parties")
    for row in rows:
        data[f"signataires-{row}-DELETE"] = "on"
    response = client.post(url(prepared, "parties"), data)
    assert response.status_code == 200 and error in response.content.decode().replace("&#x27;", "'")
    assert prepared.signatories.count() == 3


def test_paste_communes_into_the_list_then_save(client, prepared, roles):
    client.force_login(roles["coordinateur"])
    data = opened(client, prepared, "parties")
    data["coller-lines"] = "27008;Appeville-Annebault;1 050\n27022;Barneville-sur-Seine"
    response = client.post(url(prepared, "parties"), {**data, "paste_communes": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and 'value="Appeville-Annebault"' in page and 'value="27022"' in page
    assert prepared.communes.count() == 2  # shown to be checked, not saved yet
    assert client.post(url(prepared, "parties"), page_form(response, "fingerprint")).status_code == 302
    assert list(prepared.communes.values_list("insee", "population")) == [
        ("27103", 4500), ("27005", 1200), ("27008", 1050), ("27022", None)]


def test_a_bad_pasted_line_is_named_with_htmx(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "parties")
    data["coller-lines"] = "27008;Appeville-Annebault\nBarneville-sur-Seine"
    response = client.post(url(prepared, "parties"), {**data, "paste_communes": "1"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and page.strip().startswith('<div id="communes-region"')
    assert "Ligne 2 (« Barneville-sur-Seine ») : indiquez le code INSEE puis le nom de la commune" in page
    assert "27008;Appeville-Annebault" in page


def test_a_commune_with_a_communal_plan_is_not_removed(client, prepared, roles):
    commune = prepared.communes.get(insee="27005")
    FicheFactory(axis__convention=prepared, number=3, title="Ouvrir un LAEP", commune=commune)
    client.force_login(roles["caf"])
    data = opened(client, prepared, "parties")
    data["communes-1-DELETE"] = "on"
    response = client.post(url(prepared, "parties"), data)
    assert "Amfreville-Saint-Amand a un plan communal (action 3 « Ouvrir un LAEP »)" in response.content.decode()
    assert prepared.communes.count() == 2


def test_a_commune_code_given_twice_is_refused_at_the_field(client, prepared, roles):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "parties")
    data["communes-1-insee"] = "27103"
    page = client.post(url(prepared, "parties"), data).content.decode()
    assert "Le code INSEE 27103 est déjà celui de Bourg-Achard, plus haut." in page


# --- What the convention shows afterwards --------------------------------------------------------------


def test_the_edited_article_is_in_the_exchange_format_and_the_pdf(client, prepared, roles, tmp_path):
    client.force_login(roles["caf"])
    data = opened(client, prepared, "texte")
    data["articles-1-body"] = "Les signataires s'engagent à **tenir le plan d'actions**."
    assert client.post(url(prepared, "texte"), data).status_code == 302

    output = tmp_path / "ctg.json"
    call_command("export_convention", prepared.slug, "--format", "json", "--output", str(output))
    document = json.loads(output.read_text())["convention"]
    assert document["status"] == "preparation"
    assert [a["title"] for a in document["articles"]][1] == "Engagements des partenaires"
    assert document["articles"][1]["body"] == "Les signataires s'engagent à **tenir le plan d'actions**."
    assert [c["insee"] for c in document["communes"]] == ["27103", "27005"]
    assert len(document["visas"]) == prepared.visas.count()

    html = ConventionPdf().html(prepared)
    assert "Les signataires s'engagent à <strong>tenir le plan d'actions</strong>." in html
    assert "Article 2 — Engagements des partenaires" in html
    assert ("<strong>La Communauté de communes Roumois Seine</strong>, représentée par M. Sylvain BONENFANT, président, "
            "dûment autorisé à signer la présente convention par délibération de son conseil communautaire ;") in html


# --- Query counts --------------------------------------------------------------------------------------


def grow(convention, count):
    """`count` more visas, articles, signatories and communes."""
    epci = Organisation.objects.get(kind=OrganisationKind.EPCI)
    for n in range(count):
        convention.visas.create(text=f"Vu la délibération n°{n} ;", position=100 + n)
        convention.articles.create(number=str(100 + n), title=f"Article ajouté {n}", body="Texte.", position=100 + n)
        convention.signatories.create(organisation=epci, representative=f"Vice-président {n}", capacity="Vice-président",
                                      position=100 + n)
        convention.communes.create(insee=f"27{200 + n}", name=f"Commune {n}", position=100 + n)


@pytest.mark.parametrize("part", ["parties", "texte"])
def test_queries_do_not_grow_with_the_rows(client, prepared, roles, part, django_assert_max_num_queries):
    from .conftest import create_convention

    large = create_convention(prepared.caf, roles["caf"], title="Grande CTG",
                              communes=[("27999", "Commune témoin", None)])
    grow(large, 30)
    client.force_login(roles["caf"])
    counts = []
    for convention in (prepared, large):
        with django_assert_max_num_queries(14), CaptureQueriesContext(connection) as ctx:
            assert client.get(url(convention, part)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_the_fingerprint_follows_every_shown_field(prepared):
    section = editing.SECTIONS["texte"]
    before, _ = editing.fingerprint(prepared, section)
    prepared.signed_at = "Évreux"
    assert editing.fingerprint(prepared, section)[0] != before
    prepared.refresh_from_db()
    prepared.governance_text = "Autre annexe."
    assert editing.fingerprint(prepared, section)[0] == before


def test_a_population_is_a_whole_number_an_integer_column_holds():
    assert parse_population("12 345") == 12345 and parse_population("") is None
    for typed in ("-5", "²", "99999999999999999999"):
        with pytest.raises(ValueError):
            parse_population(typed)
