"""The signed original of a convention and of each avenant: the scanned PDF of the act as signed.

Only the Caf (and the administrators: `ctg.sign_convention`) deposit it, and only once the act is
signed (`original_refusal`); everyone with a role on the CTG downloads it. The file is checked by
its content (`ctg.uploads.check_pdf`: a PDF that opens, without a password, within
`settings.SIGNED_ORIGINAL_MAX_SIZE`) and kept through Django's storage API
(`STORAGES["originals"]`, by default `MEDIA_ROOT/originaux/`; an object store with
django-storages in its place), under a name nobody can guess; the application serves it, never
the web server.

A deposited original is never changed nor deleted in the application: each act has one current
original, the latest deposited; replacing it (a better scan, a missing page) deposits a new one
with the reason of the replacement, and the earlier ones stay listed and downloadable
(« Versions remplacées »). Each deposit records who, when, the file's name, size, pages and
SHA-256, and enters the convention's journal.

`conventions.models` imports this module so that Django registers the model; it names the
convention and the avenant by their labels and imports nothing of `models.py`.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ctg.errors import DomainError
from ctg.history import authored, user_name
from ctg.uploads import check_pdf, size_label

FOLDER = "originaux"


def originals_storage():
    return storages["originals"]


def original_path(instance, filename):
    """Where the file is kept: a random name (the original filename is recorded on the row)."""
    return f"{FOLDER}/{instance.convention_id}/{uuid.uuid4().hex}.pdf"


def is_avenant(act):
    return act._meta.label == "conventions.Avenant"


class SignedOriginalQuerySet(models.QuerySet):
    def of(self, act):
        """The originals of `act` (a convention or one of its avenants), the current one first,
        with who deposited each."""
        if is_avenant(act):
            rows = self.filter(avenant=act)
        else:
            rows = self.filter(convention=act, avenant__isnull=True)
        return rows.select_related("uploaded_by").order_by("-uploaded_at", "-pk")


class SignedOriginal(models.Model):
    convention = models.ForeignKey(
        "conventions.Convention", on_delete=models.CASCADE, related_name="signed_originals", verbose_name="convention",
    )
    avenant = models.ForeignKey(
        "conventions.Avenant", on_delete=models.CASCADE, null=True, blank=True, related_name="signed_originals",
        verbose_name="avenant", help_text="Vide : l'original de la convention elle-même.",
    )
    file = models.FileField("fichier", storage=originals_storage, upload_to=original_path, max_length=255)
    filename = models.CharField("nom du fichier déposé", max_length=255)
    size = models.PositiveBigIntegerField("taille (octets)")
    pages = models.PositiveIntegerField("pages")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    note = models.TextField("motif du remplacement", blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="déposé par",
    )
    uploaded_at = models.DateTimeField("déposé le", default=timezone.now)

    objects = SignedOriginalQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "original signé"
        verbose_name_plural = "originaux signés"
        ordering = ["convention", "avenant", "-uploaded_at", "-pk"]

    def __str__(self):
        return f"Original signé {self.act_label} ({self.filename})"

    @property
    def act_label(self):
        return f"de l'avenant n°{self.avenant.number}" if self.avenant_id else "de la convention"

    @property
    def size_label(self):
        return size_label(self.size)

    def download_name(self, *, current=True):
        """`convention-<slug>-signee.pdf`, `avenant-<n>-<slug>-signe.pdf`; a replaced version
        adds the day it was deposited."""
        slug = self.convention.slug
        name = f"avenant-{self.avenant.number}-{slug}-signe" if self.avenant_id else f"convention-{slug}-signee"
        if not current:
            name += f"-depose-le-{timezone.localtime(self.uploaded_at):%Y-%m-%d}"
        return f"{name}.pdf"


@receiver(post_delete, sender=SignedOriginal, dispatch_uid="conventions.originals.delete_file")
def _delete_file(sender, instance, **kwargs):
    """A row goes only with its convention or avenant (deleted from the shell, or replaced by an
    import): its file goes once that is committed."""
    if instance.file.name:
        name, storage = instance.file.name, instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))


def original_refusal(act):
    """Why the signed original of `act` (a convention or an avenant) cannot be deposited yet, in
    French; "" once the act is signed."""
    if is_avenant(act):
        return "" if act.is_signed else (
            f"L'avenant n°{act.number} n'est pas encore signé : son original signé se dépose après la signature.")
    return "" if act.is_signed else (
        "La convention n'est pas encore signée : son original signé se dépose après la signature.")


class OriginalConflict(DomainError):
    """Someone else deposited an original of the same act since the form was opened."""


def conflict_message(current):
    """What a user is told when the current original is no longer the one they saw."""
    if current is None:
        return "L'original que vous vouliez remplacer n'existe plus : déposez de nouveau votre fichier."
    return (f"Un original a été déposé entre-temps, le {timezone.localtime(current.uploaded_at):%d/%m/%Y à %H:%M} "
            f"par {_who(current)} : vérifiez-le. Pour le remplacer, déposez de nouveau votre fichier avec le "
            "motif du remplacement.")


def _who(original):
    return user_name(original.uploaded_by) or "un utilisateur supprimé"


@authored
def original_attach(act, upload, *, by, note="", replacing=None):
    """Deposit `upload` (a Django uploaded file) as the signed original of `act`, a signed
    convention or avenant; `replacing` is the id of the current original the user saw (None: they
    saw none). Replacing needs a `note`, the reason. Refused (DomainError, French) before
    signature, for a file that is not an acceptable PDF or is the current original itself, and
    (`OriginalConflict`) when the current original is no longer the one the user saw."""
    note = note.strip()
    try:
        facts = check_pdf(upload, max_size=settings.SIGNED_ORIGINAL_MAX_SIZE)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from None
    with transaction.atomic():
        # Two deposits of one act run one after the other: the second sees the first.
        act = type(act)._default_manager.select_for_update().get(pk=act.pk)
        if refusal := original_refusal(act):
            raise DomainError(refusal)
        current = SignedOriginal.objects.of(act).first()
        if (current.pk if current else None) != replacing:
            raise OriginalConflict(conflict_message(current))
        if current and current.sha256 == facts.sha256:
            raise DomainError(f"Ce fichier est déjà l'original signé en place (déposé le "
                              f"{timezone.localtime(current.uploaded_at):%d/%m/%Y} par {_who(current)}).")
        if current and not note:
            raise DomainError("Indiquez le motif du remplacement (page manquante, numérisation illisible…) : "
                              "l'original actuel reste consultable dans les versions remplacées.")
        original = SignedOriginal(
            convention_id=act.convention_id if is_avenant(act) else act.pk, avenant=act if is_avenant(act) else None,
            filename=(upload.name or "original.pdf")[-255:], size=facts.size, pages=facts.pages,
            sha256=facts.sha256, note=note, uploaded_by=by,
        )
        original.file.save(original.filename, upload, save=False)
        try:
            original.save()
        except BaseException:
            original.file.storage.delete(original.file.name)
            raise
        return original
