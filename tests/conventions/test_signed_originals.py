"""The signed original of a convention and of each avenant: the Caf deposits the scanned PDF once
the act is signed, everyone with a role on the CTG downloads it, an outsider gets 404; a file is
checked by its content (a PDF that opens, without a password, within the size limit) and refused
at the field with its French message, nothing stored; replacing keeps the earlier versions."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conventions.enums import AvenantStatus, ConventionStatus
from conventions.models import SignedOriginal
from conventions.originals import OriginalConflict, original_attach, originals_storage
from ctg.errors import DomainError
from tests.factories import AvenantFactory, ConventionFactory, users_for
from tests.helpers import admin_url, blank_pdf, text

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture
def convention():
    return ConventionFactory(slug="roumois-seine", title="CTG Roumois Seine 2022-2026")


@pytest.fixture
def users(convention):
    users = users_for(convention)
    users["caf"].first_name, users["caf"].last_name = "Jeanne", "Martin"
    users["caf"].save()
    return users


@pytest.fixture
def avenant(convention):
    return AvenantFactory(convention=convention, number=2, status=AvenantStatus.SIGNE)


def upload_url(convention, avenant=None):
    if avenant:
        return reverse("conventions:avenant_original", args=[convention.slug, avenant.number])
    return reverse("conventions:original", args=[convention.slug])


def page_url(convention, avenant=None):
    if avenant:
        return reverse("conventions:avenant", args=[convention.slug, avenant.number])
    return convention.get_absolute_url()


def deposit(client, user, convention, avenant=None, data=None, name="ctg-signee.pdf", **fields):
    client.force_login(user)
    upload = SimpleUploadedFile(name, blank_pdf(3) if data is None else data, content_type="application/pdf")
    data = {"original-file": upload, "original-replacing": "", **{f"original-{k}": v for k, v in fields.items()}}
    return client.post(upload_url(convention, avenant), data)


def words(response):
    """The page's text, every run of spaces and line breaks as one space."""
    return " ".join(text(response).split())


def stored_files():
    """Every file kept in the originals' storage."""
    storage = originals_storage()
    if not storage.exists("originaux"):
        return []
    found = []
    for folder in storage.listdir("originaux")[0]:
        found += [f"originaux/{folder}/{name}" for name in storage.listdir(f"originaux/{folder}")[1]]
    return found


def download(client, user, original):
    client.force_login(user)
    return client.get(reverse("conventions:original_download", args=[original.convention.slug, original.pk]))


def content_of(response):
    return b"".join(response.streaming_content)


# --- Deposit ------------------------------------------------------------------------------------


def test_the_caf_deposits_the_signed_original_of_a_signed_convention(client, convention, users):
    data = blank_pdf(3)
    response = deposit(client, users["caf"], convention, data=data, name="Scan CTG signée.pdf")
    assert response.status_code == 302
    assert response.url == f"{convention.get_absolute_url()}#original-signe"
    original = SignedOriginal.objects.get()
    assert (original.convention, original.avenant, original.uploaded_by) == (convention, None, users["caf"])
    assert (original.filename, original.size, original.pages) == ("Scan CTG signée.pdf", len(data), 3)
    assert original.sha256 == hashlib.sha256(data).hexdigest()
    assert stored_files() == [original.file.name]
    with original.file.open("rb") as file:
        assert file.read() == data
    # The stored name says nothing of the act and cannot be guessed.
    assert "signee" not in original.file.name and "roumois" not in original.file.name

    page = words(client.get(convention.get_absolute_url()))
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Original signé</a> (PDF, 3 pages, {original.size_label}, déposé le {today} par Jeanne Martin)" in page
    assert reverse("conventions:original_download", args=[convention.slug, original.pk]) in page
    assert "Remplacer l'original signé" in page


def test_the_caf_deposits_the_signed_original_of_a_signed_avenant(client, convention, users, avenant):
    response = deposit(client, users["caf"], convention, avenant)
    assert response.status_code == 302
    assert response.url == f"{page_url(convention, avenant)}#original-signe"
    original = SignedOriginal.objects.get()
    assert (original.convention, original.avenant) == (convention, avenant)
    assert "(PDF, 3 pages" in text(client.get(page_url(convention, avenant)))
    # The convention's own original is still to deposit.
    assert "Original signé : pas encore déposé." in text(client.get(convention.get_absolute_url()))


def test_sizes_are_shown_in_french():
    original = SignedOriginal(size=1_258_291)
    assert original.size_label == "1,2 Mo"
    assert SignedOriginal(size=20 * 1024 * 1024).size_label == "20 Mo"
    assert SignedOriginal(size=350 * 1024).size_label == "350 Ko"


@pytest.mark.parametrize("status", [ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT, ConventionStatus.ECHUE])
def test_every_signed_status_takes_its_original(client, status):
    convention = ConventionFactory(status=status)
    assert deposit(client, users_for(convention)["caf"], convention).status_code == 302


@pytest.mark.parametrize("status", [ConventionStatus.PREPARATION, ConventionStatus.ABANDONNEE])
def test_no_original_before_the_signature_of_the_convention(client, status):
    convention = ConventionFactory(status=status, signed_on=None)
    caf = users_for(convention)["caf"]
    response = deposit(client, caf, convention)
    assert response.status_code == 403
    assert "La convention n'est pas encore signée : son original signé se dépose après la signature." in text(response)
    assert not SignedOriginal.objects.exists() and stored_files() == []
    assert "Déposer l'original" not in text(client.get(convention.get_absolute_url()))


def test_no_original_before_the_signature_of_the_avenant(client, convention, users):
    draft = AvenantFactory(convention=convention, number=3, status=AvenantStatus.BROUILLON, signed_on=None)
    response = deposit(client, users["caf"], convention, draft)
    assert response.status_code == 403
    assert "L'avenant n°3 n'est pas encore signé" in text(response)
    assert not SignedOriginal.objects.exists() and stored_files() == []
    assert "Déposer l'original" not in text(client.get(page_url(convention, draft)))


@pytest.mark.parametrize(("role", "status"), [("coordinateur", 403), ("elu", 403), ("outsider", 404)])
@pytest.mark.parametrize("of_avenant", [False, True], ids=["convention", "avenant"])
def test_only_the_caf_deposits_an_original(client, convention, users, avenant, role, status, of_avenant):
    response = deposit(client, users[role], convention, avenant if of_avenant else None)
    assert response.status_code == status
    if status == 403:
        assert "Seule la Caf dépose l'original signé de la convention et de ses avenants." in text(response)
        assert "Déposer l'original" not in text(client.get(page_url(convention, avenant if of_avenant else None)))
    assert not SignedOriginal.objects.exists() and stored_files() == []


def test_a_superuser_deposits_an_original(client, convention, superuser):
    assert deposit(client, superuser, convention).status_code == 302
    assert SignedOriginal.objects.get().uploaded_by == superuser


def test_the_upload_address_only_takes_a_post(client, convention, users):
    client.force_login(users["caf"])
    assert client.get(upload_url(convention)).status_code == 405


# --- Download -----------------------------------------------------------------------------------


@pytest.fixture
def originals(client, convention, users, avenant):
    deposit(client, users["caf"], convention)
    deposit(client, users["caf"], convention, avenant, data=blank_pdf(1))
    client.logout()
    return SignedOriginal.objects.get(avenant=None), SignedOriginal.objects.get(avenant=avenant)


@pytest.mark.parametrize("role", ["caf", "coordinateur", "elu"])
def test_everyone_with_a_role_downloads_the_originals(client, users, originals, role):
    of_convention, of_avenant = originals
    for original, filename in [(of_convention, "convention-roumois-seine-signee.pdf"),
                               (of_avenant, "avenant-2-roumois-seine-signe.pdf")]:
        response = download(client, users[role], original)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        with original.file.open("rb") as file:
            assert content_of(response) == file.read()


@pytest.mark.parametrize("role", ["coordinateur", "elu"])
def test_readers_see_the_originals_without_the_form(client, users, originals, convention, avenant, role):
    client.force_login(users[role])
    for url in [page_url(convention), page_url(convention, avenant)]:
        page = text(client.get(url))
        assert "Original signé" in page and "déposé le" in page
        assert "Remplacer l'original" not in page and 'type="file"' not in page


def test_an_outsider_gets_404(client, users, originals):
    for original in originals:
        assert download(client, users["outsider"], original).status_code == 404


def test_an_original_is_only_reached_through_its_own_convention(client, originals):
    """The id of another convention's original, under a convention the user has a role on: 404."""
    other = ConventionFactory()
    client.force_login(users_for(other)["caf"])
    url = reverse("conventions:original_download", args=[other.slug, originals[0].pk])
    assert client.get(url).status_code == 404


def test_a_missing_file_answers_404(client, users, originals):
    originals_storage().delete(originals[0].file.name)
    assert download(client, users["elu"], originals[0]).status_code == 404


# --- Files refused ------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "message"), [
    (PNG, "Ce fichier n'est pas un PDF (son contenu ne commence pas par « %PDF- ») : déposez la numérisation de "
          "l'acte signé au format PDF."),
    (b"", "Ce fichier est vide : choisissez le PDF numérisé."),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"x" * 200,
     "Ce PDF est endommagé ou incomplet : il ne s'ouvre pas. Numérisez ou exportez-le à nouveau."),
    (blank_pdf(2)[:300], "Ce PDF est endommagé ou incomplet"),
    (blank_pdf(1, password="secret"),
     "Ce PDF est chiffré ou protégé par un mot de passe : déposez une version sans protection."),
    (blank_pdf(1, password=""), "Ce PDF est chiffré ou protégé par un mot de passe"),
], ids=["png-renamed-pdf", "empty", "corrupt", "truncated", "encrypted", "encrypted-without-password"])
def test_a_file_that_is_not_a_readable_pdf_is_refused_at_the_field(client, convention, users, data, message):
    response = deposit(client, users["caf"], convention, data=data, name="ctg-signee.pdf")
    assert response.status_code == 200
    page = text(response)
    assert f'<p class="field-error" id="id_original-file_error">{message}' in page
    assert "Déposer l'original signé</summary>" in page  # the form is shown again, open
    assert not SignedOriginal.objects.exists() and stored_files() == []


def test_a_file_over_the_limit_is_refused_before_it_is_read(client, convention, users, settings, monkeypatch):
    settings.SIGNED_ORIGINAL_MAX_SIZE = 1024
    read = []
    monkeypatch.setattr("ctg.uploads.pdf_pages", lambda upload: read.append(upload) or 1)
    response = deposit(client, users["caf"], convention, data=blank_pdf(1) + b"\n" * 1024)
    assert response.status_code == 200
    assert "Ce fichier fait 1,4 Ko : la limite est de 1 Ko." in text(response)
    assert read == [] and not SignedOriginal.objects.exists() and stored_files() == []


def test_the_file_input_takes_pdfs_and_says_the_limit(client, convention, users, settings):
    settings.SIGNED_ORIGINAL_MAX_SIZE = 20 * 1024 * 1024
    client.force_login(users["caf"])
    page = text(client.get(convention.get_absolute_url()))
    assert 'type="file" name="original-file" accept="application/pdf,.pdf"' in page
    assert 'enctype="multipart/form-data"' in page
    assert "Le PDF de l'acte signé, numérisé : 20 Mo au plus." in page


def test_a_form_without_its_file_is_refused_at_the_field(client, convention, users):
    client.force_login(users["caf"])
    response = client.post(upload_url(convention), {"original-replacing": ""})
    assert response.status_code == 200
    assert "Choisissez le fichier PDF à déposer." in text(response)


def test_the_service_checks_the_file_too(convention, users):
    """Whoever calls it (a view, the shell), the service refuses what is not an acceptable PDF."""
    upload = SimpleUploadedFile("scan.pdf", PNG)
    with pytest.raises(DomainError, match="Ce fichier n'est pas un PDF"):
        original_attach(convention, upload, by=users["caf"])
    assert not SignedOriginal.objects.exists() and stored_files() == []


# --- Replacing ----------------------------------------------------------------------------------


def test_replacing_needs_a_reason_and_keeps_the_earlier_version(client, convention, users):
    first_data, second_data = blank_pdf(3), blank_pdf(4)
    deposit(client, users["caf"], convention, data=first_data, name="scan-incomplet.pdf")
    first = SignedOriginal.objects.get()

    response = deposit(client, users["caf"], convention, data=second_data, replacing=first.pk)
    assert response.status_code == 200
    assert "Indiquez pourquoi vous remplacez l'original signé." in text(response)
    assert SignedOriginal.objects.count() == 1

    response = deposit(client, users["caf"], convention, data=second_data, replacing=first.pk,
                       note="La page 12 manquait.")
    assert response.status_code == 302
    second = SignedOriginal.objects.exclude(pk=first.pk).get()
    assert second.note == "La page 12 manquait." and second.pages == 4
    assert set(stored_files()) == {first.file.name, second.file.name}

    page = text(client.get(convention.get_absolute_url()))
    assert "(PDF, 4 pages" in page
    assert "Remplace la version précédente : La page 12 manquait." in page
    assert "Versions remplacées (1)" in page and "scan-incomplet.pdf" in page
    # The earlier version stays downloadable, named after the day it was deposited.
    response = download(client, users["elu"], first)
    day = timezone.localtime(first.uploaded_at).strftime("%Y-%m-%d")
    assert response["Content-Disposition"] == f'attachment; filename="convention-roumois-seine-signee-depose-le-{day}.pdf"'
    assert content_of(response) == first_data
    assert 'filename="convention-roumois-seine-signee.pdf"' in download(client, users["elu"], second)["Content-Disposition"]


def test_the_current_original_again_is_refused(client, convention, users):
    data = blank_pdf(2)
    deposit(client, users["caf"], convention, data=data)
    first = SignedOriginal.objects.get()
    response = deposit(client, users["caf"], convention, data=data, replacing=first.pk, note="Nouvelle numérisation.")
    assert response.status_code == 200
    assert "Ce fichier est déjà l'original signé en place (déposé le" in text(response)
    assert SignedOriginal.objects.count() == 1 and stored_files() == [first.file.name]


def test_a_deposit_made_meanwhile_is_a_conflict(client, convention, users, django_user_model):
    """Two Caf officers open the page while no original is there; the second to send it is told,
    nothing of theirs is stored and the first one's original stays the current one."""
    colleague = users_for(convention)["caf"]
    deposit(client, colleague, convention, data=blank_pdf(2))
    response = deposit(client, users["caf"], convention, data=blank_pdf(5))  # sent from the page without it
    assert response.status_code == 409
    page = text(response)
    assert "Un original a été déposé entre-temps, le" in page and f"par {colleague.username}" in page
    assert SignedOriginal.objects.get().uploaded_by == colleague
    assert len(stored_files()) == 1
    # The page now offers to replace the one that is there.
    assert "Remplacer l'original signé" in page


# --- Journal and admin --------------------------------------------------------------------------


def test_each_deposit_enters_the_journal(client, convention, users, avenant):
    deposit(client, users["caf"], convention, name="ctg.pdf")
    first = SignedOriginal.objects.get()
    deposit(client, users["caf"], convention, data=blank_pdf(1), replacing=first.pk, note="Scan plus lisible.")
    deposit(client, users["caf"], convention, avenant, name="avenant-2.pdf")
    client.force_login(users["elu"])
    entries = client.get(reverse("conventions:journal", args=[convention.slug])).context["journal"].entries
    deposits = [(e.author, e.subject, e.kind_label, e.changes) for e in entries if e.model == "SignedOriginal"]
    assert deposits == [
        ("Jeanne Martin", "Original signé de l'avenant n°2", "dépôt", [f"Fichier « avenant-2.pdf », 3 pages, {first.size_label}"]),
        ("Jeanne Martin", "Original signé de la convention", "dépôt",
         ["Fichier « ctg-signee.pdf », 1 page, " + SignedOriginal.objects.filter(note__gt="").get().size_label,
          "Remplace l'original précédent : Scan plus lisible."]),
        ("Jeanne Martin", "Original signé de la convention", "dépôt", [f"Fichier « ctg.pdf », 3 pages, {first.size_label}"]),
    ]
    avenants = client.get(reverse("conventions:journal", args=[convention.slug]), {"objet": "avenants"})
    assert [e.subject for e in avenants.context["journal"].entries if e.model == "SignedOriginal"] == [
        "Original signé de l'avenant n°2"]


def test_the_admin_shows_the_originals_read_only(client, convention, users, avenant, superuser):
    deposit(client, users["caf"], convention, name="ctg.pdf")
    deposit(client, users["caf"], convention, avenant, name="avenant-2.pdf")
    staff_client = client
    staff_client.force_login(superuser)
    convention_page = staff_client.get(admin_url(convention, "change", convention.pk)).content.decode()
    avenant_page = staff_client.get(admin_url(avenant, "change", avenant.pk)).content.decode()
    of_convention, of_avenant = SignedOriginal.objects.get(avenant=None), SignedOriginal.objects.get(avenant=avenant)
    assert "ctg.pdf" in convention_page and "avenant-2.pdf" not in convention_page
    assert "avenant-2.pdf" in avenant_page and "ctg.pdf" not in avenant_page
    assert reverse("conventions:original_download", args=[convention.slug, of_convention.pk]) in convention_page
    assert of_avenant.sha256 in avenant_page
    assert 'name="signed_originals-TOTAL_FORMS"' in convention_page
    assert 'type="file"' not in convention_page + avenant_page


def test_an_original_deleted_with_its_convention_takes_its_file(client, convention, users, django_capture_on_commit_callbacks):
    deposit(client, users["caf"], convention)
    with django_capture_on_commit_callbacks(execute=True):
        convention.delete()
    assert stored_files() == []


def test_the_service_refuses_a_deposit_made_on_a_stale_view(convention, users):
    """Two deposits racing past the page's check: the service, under the convention's lock, sees the
    first and refuses the second."""
    first = original_attach(convention, SimpleUploadedFile("a.pdf", blank_pdf(1)), by=users["caf"])
    with pytest.raises(OriginalConflict, match="Un original a été déposé entre-temps"):
        original_attach(convention, SimpleUploadedFile("b.pdf", blank_pdf(2)), by=users["caf"], note="Autre.")
    with pytest.raises(DomainError, match="Indiquez le motif du remplacement"):
        original_attach(convention, SimpleUploadedFile("b.pdf", blank_pdf(2)), by=users["caf"], replacing=first.pk)
    assert list(SignedOriginal.objects.all()) == [first] and stored_files() == [first.file.name]
