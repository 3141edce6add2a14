"""« Reprendre une CTG depuis Word »: upload, preview (what was recognised, a select per
unrecognised paragraph), creation; Caf staff only (coordinator and élu 403, someone else's
preview 404, anonymous to the login page); refused files said at the field."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conventions.enums import ConventionStatus, OrganisationKind, Role
from conventions.models import Convention, Organisation
from exchange.views import PENDING_WORD
from tests.exchange.docx_helpers import REALISTIC_PATH
from tests.factories import ConventionFactory, collectivite_of, user_with_role
from tests.helpers import text

pytestmark = pytest.mark.django_db

UPLOAD = reverse("exchange:docx_upload")


@pytest.fixture
def caf():
    return Organisation.objects.create(kind=OrganisationKind.CAF, code="27",
                                       name="Caisse d'allocations familiales de l'Eure")


@pytest.fixture
def agent(caf):
    return user_with_role(Role.CAF, caf)


def docx_file(data=None, name="ctg.docx"):
    return SimpleUploadedFile(name, data if data is not None else REALISTIC_PATH.read_bytes())


def upload(client, user, data=None, name="ctg.docx"):
    client.force_login(user)
    return client.post(UPLOAD, {"file": docx_file(data, name)})


def kept_files(user):
    folder = PENDING_WORD.folder
    names = default_storage.listdir(folder)[1] if default_storage.exists(folder) else []
    return [name for name in names if name.startswith(f"{user.pk}-")]


def test_upload_then_preview_lists_what_was_recognised_and_what_was_not(client, agent):
    response = upload(client, agent)
    assert response.status_code == 302
    preview = response.url
    assert preview.startswith(UPLOAD) and len(kept_files(agent)) == 1
    page = text(client.get(preview))
    assert "Vérifier ce qui a été reconnu" in page
    assert "Communauté de communes Lieuvin Pays d'Auge (EPCI) : Mme Hélène MARCHAND, Présidente" in page
    assert "Fiche 3 « Créer un point d'accès aux droits itinérant » — axe 2 — Accès aux droits" in page
    assert "Ce paragraphe isolé ne se rattache à rien." in page
    assert 'value="fiche-2-implementation"' in page and "<optgroup" in page
    assert 'name="slug" value="convention-territoriale-globale-de-la-communaute-de-communes-lieuvin-pays-dauge"' in page
    assert not Convention.objects.exists()


def test_create_signed_with_a_paragraph_assigned(client, agent, caf):
    preview = upload(client, agent).url
    page = text(client.get(preview))
    index = page.split("Ce paragraphe isolé")[0].rsplit("§ ", 1)[1].split(" ", 1)[0]
    response = client.post(preview, {
        "title": "CTG Lieuvin Pays d'Auge 2023-2027", "slug": "lieuvin", "caf": caf.pk,
        "start": "2023-01-01", "end": "2027-12-31", "status": "signee", "signed_on": "2022-12-12",
        f"paragraph_{index}": "fiche-2-lead",
    })
    convention = Convention.objects.get()
    assert response.status_code == 302 and response.url == convention.get_absolute_url()
    assert (convention.title, convention.status, str(convention.signed_on)) == (
        "CTG Lieuvin Pays d'Auge 2023-2027", ConventionStatus.SIGNEE, "2022-12-12",
    )
    assert convention.fiches.get(number=2).lead == "Ce paragraphe isolé ne se rattache à rien."
    assert "reprise depuis son document Word, signée le 12/12/2022" in text(client.get(response.url))
    assert kept_files(agent) == []  # the file goes once the convention is created
    assert client.get(preview).status_code == 404


def test_create_in_preparation_and_refusals_keep_the_preview(client, agent, caf):
    preview = upload(client, agent).url
    fields = {"title": "CTG Lieuvin", "slug": "lieuvin", "caf": caf.pk, "start": "2023-01-01", "end": "2027-12-31"}
    response = client.post(preview, {**fields, "status": "signee", "signed_on": ""})
    assert response.status_code == 200 and "Indiquez la date de signature de la convention." in text(response)
    ConventionFactory(slug="pris", caf=caf)
    response = client.post(preview, {**fields, "slug": "pris", "status": "preparation"})
    assert "Une convention porte déjà l'identifiant « pris »" in text(response)
    assert Convention.objects.count() == 1
    response = client.post(preview, {**fields, "status": "preparation", "paragraph_2": "nulle-part"})
    assert "Sélectionnez un choix valide" in text(response)
    response = client.post(preview, {**fields, "status": "preparation"})
    assert Convention.objects.get(slug="lieuvin").status == ConventionStatus.PREPARATION


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "ancien.doc",
     "Enregistrez-le au format .docx dans Word ou LibreOffice"),
    (b"%PDF-1.7", "ctg.pdf", "Ce fichier est un PDF"),
    (b"PK\x03\x04abime", "ctg.docx", "Ce fichier n&#x27;est pas un document Word (.docx)."),
])
def test_a_refused_file_is_said_at_the_field(client, agent, data, name, message):
    response = upload(client, agent, data, name)
    assert response.status_code == 200 and message in response.content.decode()
    assert kept_files(agent) == []


def test_only_caf_staff_take_up_a_ctg(client, agent):
    convention = ConventionFactory(caf=agent.memberships.get().organisation)
    local = collectivite_of(convention)
    preview = upload(client, agent).url
    for role in (Role.COORDINATEUR, Role.ELU):
        client.force_login(user_with_role(role, local))
        assert client.get(UPLOAD).status_code == 403
        assert client.post(UPLOAD, {"file": docx_file()}).status_code == 403
        assert client.get(preview).status_code == 403
    # An agent of another Caf: not someone else's preview, nor a convention for a Caf not theirs.
    other = user_with_role(Role.CAF, Organisation.objects.create(kind=OrganisationKind.CAF, code="76", name="Caf 76"))
    client.force_login(other)
    assert client.get(preview).status_code == 404
    own = upload(client, other).url
    response = client.post(own, {"title": "T", "slug": "t", "caf": agent.memberships.get().organisation_id,
                                 "start": "2023-01-01", "end": "2027-12-31", "status": "preparation"})
    assert response.status_code == 200 and "Sélectionnez un choix valide" in text(response)
    client.logout()
    assert client.get(UPLOAD).status_code == 302
    assert not Convention.objects.filter(slug="t").exists()


def test_the_portfolio_and_the_list_offer_it_to_caf_staff_only(client, agent):
    convention = ConventionFactory(caf=agent.memberships.get().organisation)
    for user, shown in ((agent, True), (user_with_role(Role.COORDINATEUR, collectivite_of(convention)), False)):
        client.force_login(user)
        for page in ("/", reverse("conventions:list")):
            assert ("Reprendre une CTG depuis Word" in text(client.get(page, follow=True))) is shown, (user, page)
