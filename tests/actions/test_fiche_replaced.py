"""A fiche saved after `import_convention --replace` took it away (or while the import ran): a
French message and the typing shown to copy (409), never a 500 nor a silent overwrite."""

import copy

import pytest
from django.urls import reverse

from actions import services
from actions.models import Fiche
from exchange.importer import import_document
from exchange.reading import load_json
from tests.factories import users_for
from tests.helpers import EXAMPLE_PATH, page_form, text

pytestmark = pytest.mark.django_db
TYPED = "Texte tapé pendant l'import, à ne pas perdre."


@pytest.fixture
def document():
    """The example in préparation, its plan without avenants: every fiche is editable."""
    document = load_json(EXAMPLE_PATH)
    document["convention"].update(status="preparation", amendments=[])
    return document


@pytest.fixture
def opened(client, document):
    """The coordinator has the form of « aller-vers » open and has typed in it: what it will post."""
    convention = import_document(copy.deepcopy(document))
    client.force_login(users_for(convention)["coordinateur"])
    url = reverse("actions:fiche_edit", args=[convention.slug, "aller-vers"])
    return url, {**page_form(client.get(url), "target_public"), "title": "Aller vers les familles",
                 "target_public": TYPED}


def test_a_fiche_the_import_took_away_answers_with_the_typing(client, document, opened):
    url, data = opened
    document["convention"]["fiches"] = [f for f in document["convention"]["fiches"] if f["key"] != "aller-vers"]
    import_document(document, replace=True)
    response = client.post(url, data)
    assert response.status_code == 409
    page = text(response)
    assert "Cette fiche a été remplacée entre-temps" in page and "votre saisie n'a pas été enregistrée" in page
    assert TYPED in page and "Aller vers les familles" in page
    assert "revenir au plan d'actions" in page
    assert not Fiche.objects.filter(key="aller-vers").exists()


def test_a_fiche_that_vanishes_while_saving_answers_with_the_typing(client, opened, monkeypatch):
    url, data = opened
    save = services.fiche_save

    def replaced_meanwhile(form, indicators, *, by):  # the import commits between the view's read and the save
        Fiche.objects.filter(pk=form.instance.pk).delete()
        return save(form, indicators, by=by)

    monkeypatch.setattr(services, "fiche_save", replaced_meanwhile)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Cette fiche a été remplacée entre-temps" in text(response) and TYPED in text(response)


def aller_vers(document):
    return next(f for f in document["convention"]["fiches"] if f["key"] == "aller-vers")


def test_a_fiche_the_import_wrote_again_clashes_like_any_save_made_meanwhile(client, document, opened):
    url, data = opened
    aller_vers(document)["target_public"] = "Public écrit par l'import"
    import_document(document, replace=True)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Modifié entre-temps" in text(response) and TYPED in text(response)
    assert Fiche.objects.get(key="aller-vers").target_public == "Public écrit par l'import"


def test_what_the_import_left_alone_merges_with_the_typing(client, document, opened):
    url, data = opened
    aller_vers(document)["funding"] = "Caf : 80 %"
    import_document(document, replace=True)
    assert client.post(url, data).status_code == 302
    fiche = Fiche.objects.get(key="aller-vers")
    assert (fiche.target_public, fiche.funding) == (TYPED, "Caf : 80 %")
