"""`manage.py import_docx`: the recognition report, a dry run that writes nothing, a signed import
with the Caf given by its code or recognised from the parties, refusals."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conventions.enums import ConventionStatus, OrganisationKind
from conventions.models import Convention, Organisation
from tests.exchange.docx_helpers import REALISTIC_PATH

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("import_docx", str(REALISTIC_PATH), *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_the_report_and_writes_nothing():
    out = run("--slug", "lieuvin", "--dry-run")
    assert "Parties\n  Caisse d'allocations familiales de l'Eure (Caf) : M. Philippe CHARPIN" in out
    assert "  Fiche 1 « Développer les passerelles » — axe 1 — Enfance, Jeunesse — Diagnostic initial" in out
    assert "Non reconnu\n  § 2, page de garde : 12 décembre 2022" in out
    assert out.endswith("Essai : la convention « lieuvin » en préparation, 4 fiches actions serait créée ; "
                        "rien n'est enregistré.\n")
    assert not Convention.objects.exists() and not Organisation.objects.exists()


def test_signed_with_the_caf_recognised_from_the_parties_and_created():
    out = run("--slug", "lieuvin", "--signed-on", "2022-12-12")
    assert out.endswith("Convention « lieuvin » signée le 12/12/2022, 4 fiches actions : créée.\n")
    convention = Convention.objects.get()
    assert (convention.status, convention.caf.name) == (ConventionStatus.SIGNEE, "Caisse d'allocations familiales de l'Eure")
    assert Organisation.objects.filter(kind=OrganisationKind.EPCI, name="Communauté de communes Lieuvin Pays d'Auge").exists()


def test_the_caf_given_by_its_code():
    caf = Organisation.objects.create(kind=OrganisationKind.CAF, code="27", name="Caf de l'Eure")
    run("--slug", "lieuvin", "--caf", "27")
    assert Convention.objects.get().caf == caf
    with pytest.raises(CommandError, match="Aucune Caf n'a le code « 99 »."):
        run("--slug", "autre", "--caf", "99")


def test_refusals(tmp_path):
    old = tmp_path / "ancien.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(CommandError, match="Enregistrez-le au format .docx dans Word ou LibreOffice"):
        call_command("import_docx", str(old), "--slug", "x", stdout=StringIO())
    with pytest.raises(CommandError, match="Lecture impossible"):
        call_command("import_docx", str(tmp_path / "absent.docx"), "--slug", "x", stdout=StringIO())
    with pytest.raises(CommandError, match="Date invalide « 12/12/2022 »"):
        run("--slug", "x", "--signed-on", "12/12/2022")
    assert not Convention.objects.exists()
