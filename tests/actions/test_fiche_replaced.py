"""A fiche saved after `import_convention --replace` took it away (or while the import ran): a
French message and the typing shown to copy (409), never a 500 nor a silent overwrite."""

import copy

import pytest
from django.urls import reverse

from actions import services
from actions.models import Fiche
from exchange.importer import import_document
from exchange.reading import load_json
from tests.actions.helpers import form_data
from tests.factories import users_for
from tests.helpers import EXAMPLE_PATH, text

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
    """The coordinator has the form of « aller-vers » open: its data, as the form would post it."""
    convention = import_document(copy.deepcopy(document))
    client.force_login(users_for(convention)["coordinateur"])
    fiche = convention.fiches.get(key="aller-vers")
    url = reverse("actions:fiche_edit", args=[convention.slug, fiche.key])
    assert client.get(url).status_code == 200
    return url, form_data(fiche, title="Aller vers les familles", target_public=TYPED)


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


def test_a_fiche_written_again_under_its_key_is_a_conflict_not_an_overwrite(client, document, opened):
    url, data = opened
    import_document(document, replace=True)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "modifiée par quelqu'un d'autre" in text(response) and TYPED in text(response)
    fiche = Fiche.objects.get(key="aller-vers")
    assert fiche.target_public != TYPED
    assert "Ouvrir la fiche actuelle" not in text(response)  # the ordinary conflict page: confirm to save
