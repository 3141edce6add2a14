"""The demo documents (exchange/demo/) and `manage.py loaddemo`."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

import exchange
from actions.models import Fiche
from conventions.models import Convention
from exchange.exporter import export_document
from exchange.importer import import_document
from exchange.management.commands.loaddemo import ACCOUNTS, Command
from exchange.reading import load_json
from tests.exchange.helpers import differences, normalised

DEMO_DIR = Path(exchange.__file__).resolve().parent / "demo"
DOCUMENTS = sorted(DEMO_DIR.glob("*.json"))
SLUGS = {"roumois-seine-2022", "pornic-agglo-2025", "ecouen-2020", "ecouen-2027", "landerneau-daoulas-2022"}
WORD_SLUG = "lieuvin-pays-d-auge-2023"  # taken up from exchange/demo/lieuvin-pays-d-auge-2023.docx
DOMAIN_APPS = ("conventions", "actions", "governance", "evaluation", "auth")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug(settings):
    # pytest-django runs tests with DEBUG off; loaddemo is a development command.
    settings.DEBUG = True


def loaddemo():
    out = StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


def row_counts():
    """Rows of every domain table (history tables grow on each import by design)."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in DOMAIN_APPS and not model.__name__.startswith("Historical")
    }


def test_demo_folder_holds_the_five_conventions():
    assert {load_json(path)["convention"]["slug"] for path in DOCUMENTS} == SLUGS
    assert all(path.name == f"{load_json(path)['convention']['slug']}.json" for path in DOCUMENTS)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_demo_document_imports_and_exports_back_equal(path):
    # The people the documents name (who wrote a bilan) are accounts of the demo instance.
    for account in ACCOUNTS:
        Command().account(*account)
    data = load_json(path)
    convention = import_document(data)
    found = list(differences(normalised(data), normalised(export_document(convention))))
    assert not found, "\n".join(found[:30])


def test_loaddemo_twice_gives_the_same_database():
    output = loaddemo()
    first = row_counts()
    exported = {c.slug: export_document(c) for c in Convention.objects.all()}
    loaddemo()
    assert row_counts() == first
    assert {c.slug: export_document(c) for c in Convention.objects.all()} == exported
    assert set(Convention.objects.values_list("slug", flat=True)) == SLUGS | {WORD_SLUG}
    assert "Comptes de démonstration (mot de passe « demo »)" in output
    assert "http://127.0.0.1:8000/" in output
    for username in ("admin", "caf.eure", "caf.loire-atlantique", "coord.roumois", "elu.roumois"):
        assert username in output


def test_loaddemo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        loaddemo()
    assert not Convention.objects.exists()


def test_demo_accounts_log_in_and_see_their_conventions():
    loaddemo()
    expected = {
        "admin": SLUGS | {WORD_SLUG},
        "caf.eure": {"roumois-seine-2022", WORD_SLUG},
        "caf.loire-atlantique": {"pornic-agglo-2025"},
        "caf.val-d-oise": {"ecouen-2020", "ecouen-2027"},
        "caf.finistere": {"landerneau-daoulas-2022"},
        "coord.roumois": {"roumois-seine-2022"},
        "elu.roumois": {"roumois-seine-2022"},
    }
    for username, slugs in expected.items():
        user = authenticate(username=username, password="demo")
        assert user is not None, username
        assert set(Convention.objects.for_user(user).values_list("slug", flat=True)) == slugs, (
            username
        )
    admin = authenticate(username="admin", password="demo")
    assert admin.is_superuser and admin.is_staff
    caf_eure = authenticate(username="caf.eure", password="demo")
    assert not caf_eure.is_staff
    assert not Convention.objects.for_user(caf_eure).filter(slug="pornic-agglo-2025").exists()
    assert authenticate(username="caf.eure", password="wrong") is None


def test_the_ctg_taken_up_from_its_word_document():
    loaddemo()
    convention = Convention.objects.get(slug=WORD_SLUG)
    assert convention.is_signed and convention.signed_on == datetime.date(2022, 12, 12)
    assert convention.caf.code == "27" and convention.fiches.count() == 4
    assert "Communauté de communes Lieuvin Pays d'Auge" in {s.organisation.name for s in convention.signatories.all()}


def test_the_ctg_in_preparation_shows_what_its_signature_still_lacks(client):
    loaddemo()
    client.force_login(authenticate(username="caf.val-d-oise", password="demo"))
    content = client.get("/conventions/ecouen-2027/signer/").content.decode()
    assert "Délibération manquante (annexe 7) : Commune du Mesnil-Aubry." in content
    assert "Commune d&#x27;Écouen : Conseil municipal d&#x27;Écouen du 19/11/2026" in content
    assert "Indiquez l&#x27;instance de la Caf qui a validé la convention" in content
    assert "Le plan d&#x27;actions couvre les 4 thématiques obligatoires." in content


def test_roumois_seine_before_and_after_avenant_2():
    loaddemo()
    roumois = Convention.objects.get(slug="roumois-seine-2022")
    before = roumois.as_of(datetime.date(2025, 12, 14))
    after = roumois.as_of(datetime.date(2025, 12, 16))

    def titles(state):
        return set(state.fiches.values_list("title", flat=True))

    aller_vers = "Aller vers les familles éloignées des services"
    new = {
        "Réaliser un observatoire du fonctionnement et de la qualité d'accueil des centres de loisirs et périscolaires",
        "Structurer et animer la gouvernance de la CTG",
    }
    assert aller_vers in titles(before)
    assert aller_vers not in titles(after)
    assert not new & titles(before)
    assert new <= titles(after)
    # « Développer les passerelles entre les structures » is replaced, keeping its number.
    assert "Développer les passerelles entre les structures" in titles(before)
    assert "Développer les passerelles" in titles(after)
    assert after.fiches.get(title="Développer les passerelles").number == 4
    # The PIJ, FIJ séjour and conseil communautaire ados leave annexe 3.
    assert before.equipment.filter(key="pij").exists()
    assert not after.equipment.filter(key__in=["pij", "fij-sejour", "conseil-ados"]).exists()
    # Article 9 is completed; the avenant's term (31/12/2026) is the convention's end.
    article_9 = {a.number: a for a in after.articles}["9"]
    assert "tableau de suivi partagé" in article_9.body and article_9.amendments
    assert "tableau de suivi partagé" not in {a.number: a for a in before.articles}["9"].body
    avenant = roumois.avenants.get(number=2)
    assert avenant.prefecture_act_id == "027-200066405-20251215-CC_201_2025-DE"
    # Numbers in force are unique on both dates.
    for state in (before, after):
        numbers = list(state.fiches.values_list("number", flat=True))
        assert len(numbers) == len(set(numbers))
    assert Fiche.objects.filter(convention=roumois).count() == 14
