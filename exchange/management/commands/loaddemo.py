"""`manage.py loaddemo`: load the demo conventions and the demo accounts (development only).

Every document of `exchange/demo/` (exchange format) is imported with `replace=True`, so
running the command again gives the same database: the conventions are replaced, the accounts
updated, nothing is duplicated. Its Word documents (.docx, written from the seeds' text) are taken
up as a Caf would (`exchange.docx_import`), signed on the date they give, named by their file. Everything happens in one transaction: on any error nothing is
written. Refused when DEBUG is off, because the accounts share a known password.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from conventions.enums import OrganisationKind, Role
from conventions.models import Membership, Organisation
from ctg.errors import DomainError
from exchange.docx_import import docx_import, recognised_caf
from exchange.docx_reader import read_docx
from exchange.importer import import_document
from exchange.reading import ExchangeError, load_json

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
PASSWORD = "demo"
URL = "http://127.0.0.1:8000/"

CAF_EURE = (OrganisationKind.CAF, "27", "Caisse d'allocations familiales de l'Eure")
CAF_LOIRE_ATLANTIQUE = (
    OrganisationKind.CAF,
    "44",
    "Caisse d'allocations familiales de Loire-Atlantique",
)
CAF_VAL_D_OISE = (OrganisationKind.CAF, "95", "Caisse d'allocations familiales du Val-d'Oise")
CAF_FINISTERE = (OrganisationKind.CAF, "29", "Caisse d'allocations familiales du Finistère")
ROUMOIS_SEINE = (OrganisationKind.EPCI, "200066405", "Communauté de communes Roumois Seine")

# (username, first name, last name, role, organisation, what the account shows in the demo).
# No role: a superuser (admin and staff).
ACCOUNTS = [
    (
        "admin",
        "Admin",
        "Démo",
        None,
        None,
        "administrateur : toutes les conventions, administration Django",
    ),
    ("caf.eure", "Claire", "Martin", Role.CAF, CAF_EURE,
     "Caf de l'Eure : CTG Roumois Seine, et Lieuvin Pays d'Auge reprise depuis Word ; référente, invite les personnes"),
    (
        "caf.loire-atlantique",
        "Katell",
        "Le Goff",
        Role.CAF,
        CAF_LOIRE_ATLANTIQUE,
        "Caf de Loire-Atlantique : CTG Pornic Agglo Pays de Retz",
    ),
    (
        "caf.val-d-oise",
        "Sandrine",
        "Fabre",
        Role.CAF,
        CAF_VAL_D_OISE,
        "Caf du Val-d'Oise : CTG Écouen – Le Mesnil-Aubry",
    ),
    (
        "caf.finistere",
        "Yann",
        "Le Bihan",
        Role.CAF,
        CAF_FINISTERE,
        "Caf du Finistère : CTG du Pays de Landerneau-Daoulas",
    ),
    (
        "coord.roumois",
        "Julien",
        "Marchand",
        Role.COORDINATEUR,
        ROUMOIS_SEINE,
        "coordinateur CTG de Roumois Seine (suivi, séances, propositions d'avenant)",
    ),
    (
        "elu.roumois",
        "Martine",
        "Lecoq",
        Role.ELU,
        ROUMOIS_SEINE,
        "élue de Roumois Seine (lecture seule)",
    ),
]

class Command(BaseCommand):
    help = (
        "Charge les conventions de démonstration (exchange/demo/) et les comptes de démonstration "
        f"(mot de passe « {PASSWORD} »). Réservé au développement (DEBUG activé)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "loaddemo est réservé au développement : DEBUG est désactivé. Les comptes de "
                f"démonstration ont un mot de passe connu (« {PASSWORD} ») et les conventions de "
                "démonstration remplaceraient celles qui portent le même identifiant."
            )
        paths = sorted(DEMO_DIR.glob("*.json"))
        if not paths:
            raise CommandError(f"Aucun document de démonstration dans {DEMO_DIR}.")

        with transaction.atomic():
            # Accounts first: the documents name some of them (who wrote a bilan).
            users = [self.account(*account) for account in ACCOUNTS]
            conventions = [self.load(path) for path in paths]
            conventions += [self.take_up(path) for path in sorted(DEMO_DIR.glob("*.docx"))]

        self.stdout.write(
            self.style.SUCCESS(f"{len(conventions)} conventions de démonstration chargées :")
        )
        for convention in conventions:
            self.stdout.write(f"  - {convention.title} ({convention.slug})")
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe « {PASSWORD} ») :")
        width = max(len(user.username) for user in users)
        for user, account in zip(users, ACCOUNTS, strict=True):
            self.stdout.write(f"  {user.username.ljust(width)}  {account[5]}")
        self.stdout.write("")
        self.stdout.write(f"Lancez « manage.py runserver » puis ouvrez {URL}")

    def load(self, path):
        try:
            return import_document(load_json(path), replace=True)
        except ExchangeError as error:
            details = "\n".join(f"  - {message}" for message in error.errors)
            raise CommandError(
                f"Le document de démonstration {path.name} est invalide :\n{details}"
            ) from None

    def take_up(self, path):
        reading = read_docx(path.read_bytes())
        try:
            return docx_import(reading, by=None, caf=recognised_caf(reading), slug=path.stem, signed=True,
                               replace=True).convention
        except DomainError as error:
            raise CommandError(f"Le document de démonstration {path.name} est refusé : {error.message}") from None

    def account(self, username, first_name, last_name, role, organisation, _description):
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.first_name = first_name
        user.last_name = last_name
        user.email = f"{username}@demo.invalid"
        user.is_active = True
        user.is_superuser = user.is_staff = role is None
        user.set_password(PASSWORD)
        user.save()
        if role is None:
            user.memberships.all().delete()
            return user
        kind, code, name = organisation
        organisation, _ = Organisation.objects.get_or_create(
            kind=kind, code=code, defaults={"name": name}
        )
        user.memberships.exclude(organisation=organisation, role=role).delete()
        # The demo's Caf officers are their Caf's référents: they invite people (`people`).
        Membership.objects.update_or_create(
            user=user, organisation=organisation, role=role, defaults={"referent": role == Role.CAF}
        )
        return user
