"""`import_convention --replace`: an existing convention takes the content of a document, and
keeps what the format does not carry.

The convention's row stays (same id), so what hangs on it outside the format stays with it: its
signed originals, the PDF documents kept, the history of changes (the Journal), the CTG that renew
it. Its content (text, parties, plan and tracking, avenants, annexes, governance, milestones) is
deleted and written again from the document. The version 1 additions of the convention that a
file leaves out (`CONVENTION_ADDITIONS`: an earlier file does not know them) keep their values.
Links from outside to the rewritten content are set again by natural key: an avenant's signed
originals by its number (a document without that avenant is refused: `checks`), the actions
another CTG carries on by their key. The plan's rows are written again under their former ids
(fiches by key, their indicators, axes and objectives by number, communes by INSEE code, séances by
instance, date and title, so that a reminder already sent is not sent again), so that
a form opened before the import still designates them, and a fiche written again is one more edit
of it (its history goes on): saving that form merges with the import or clashes like any save made
meanwhile (`ctg.concurrency`), never a silent overwrite nor an error; a fiche the document no
longer has answers that it was replaced.
"""

from dataclasses import dataclass, field

from actions.models import Fiche, Indicator, Objective, Update
from conventions.models import Convention, SignedOriginal

# Additions of `convention` kept when a document leaves them out, and the columns they fill.
CONVENTION_ADDITIONS = {
    "previous": ("predecessor",),
    "caf_validation": ("caf_validation_body", "caf_validation_on"),
    "bilans": (),
    "status_history": (),
}
# What a replacement deletes, children before what they PROTECT (fiches before axes and communes).
_CONTENT = ("fiches", "avenants", "visas", "articles", "signatories", "communes", "axes", "equipment",
            "diagnosis_indicators", "diagnosis_issues", "sppe_rows", "deliberations", "meetings", "bodies",
            "cooperation_officers", "milestones")


def _count(number, singular, plural):
    return f"{number} {singular if number <= 1 else plural}"


def _fiche_keys(document):
    c = document["convention"]
    keys = {f.get("key") for f in c.get("fiches", [])}
    for avenant in c.get("amendments", []):
        keys |= {op["fiche"].get("key") for op in avenant.get("operations", []) if isinstance(op.get("fiche"), dict)}
    return keys


@dataclass
class Replacement:
    convention: Convention
    carried: set  # the keys of the document's `convention`
    ids: dict = field(default_factory=dict)  # kind -> {natural key: former id} (`reused`)
    originals: dict = field(default_factory=dict)  # signed original id -> avenant number
    renewals: dict = field(default_factory=dict)  # fiche of another CTG -> key of the fiche it carries on

    @classmethod
    def of(cls, data):
        """The replacement a document asks for, or None when its slug is free."""
        c = data.get("convention") if isinstance(data, dict) else None
        slug = c.get("slug") if isinstance(c, dict) else None
        convention = Convention.objects.filter(slug=slug).first() if isinstance(slug, str) else None
        return cls(convention, set(c)) if convention else None

    @property
    def kept_additions(self):
        return [key for key in CONVENTION_ADDITIONS if key not in self.carried]

    @property
    def kept_columns(self):
        """Columns of the convention the writer leaves as they are."""
        return {column for key in self.kept_additions for column in CONVENTION_ADDITIONS[key]}

    def summary(self, document):
        """What the replacement will do, in French, one line per heading, before anything is written."""
        c = self.convention
        replaced = [
            "le texte, les parties et les annexes",
            _count(c.fiches.count(), "fiche action", "fiches actions")
            + f" et leur suivi ({_count(Update.objects.filter(fiche__convention=c).count(), 'trimestre', 'trimestres')})",
            _count(c.avenants.count(), "avenant", "avenants"),
            _count(c.bodies.count(), "instance", "instances") + " et leurs membres",
            _count(c.meetings.count(), "séance", "séances"),
            _count(c.cooperation_officers.count(), "chargé de coopération", "chargés de coopération"),
            _count(c.milestones.count(), "jalon", "jalons"),
        ]
        for key, noun in (("bilans", ("bilan rédigé", "bilans rédigés")),
                          ("status_history", ("changement de statut", "changements de statut"))):
            if key in self.carried:
                replaced.append(_count(getattr(c, key if key == "bilans" else "status_changes").count(), *noun))
        kept = [
            _count(c.signed_originals.count(), "original signé", "originaux signés") + " (rattachés aux mêmes actes)",
            _count(c.documents.count(), "document PDF conservé", "documents PDF conservés"),
            "l'historique des modifications (Journal)",
        ]
        successors = list(c.successors.values_list("slug", flat=True))
        if successors:
            kept.append("le lien des CTG qui la renouvellent (" + ", ".join(f"« {s} »" for s in successors) + ")")
        absent = {
            "bilans": _count(c.bilans.count(), "bilan rédigé", "bilans rédigés"),
            "status_history": _count(c.status_changes.count(), "changement de statut", "changements de statut"),
            "previous": f"la CTG précédente (« {c.predecessor.slug} »)" if c.predecessor else "",
            "caf_validation": "la validation par la Caf" if c.caf_validation_on else "",
        }
        kept_absent = [absent[key] for key in self.kept_additions if absent[key]]
        lines = [
            f"Remplacement de la convention « {c.slug} » ({c.title}).",
            "Remplacé par le contenu du fichier : " + ", ".join(replaced) + ".",
            "Conservé : " + ", ".join(kept) + ".",
        ]
        if kept_absent:
            lines.append("Conservé, car absent du fichier : " + ", ".join(kept_absent) + ".")
        keys = _fiche_keys(document)
        lost = (Fiche.objects.filter(renewed_from__convention=c).exclude(renewed_from__key__in=keys)
                .select_related("convention", "renewed_from"))
        if lost:
            lines.append("Perdu : " + ", ".join(
                f"le lien de l'action n°{f.number} de « {f.convention.slug} » vers l'action « {f.renewed_from.key} », "
                "absente du fichier" for f in lost) + ".")
        return lines

    def clear(self):
        """Delete the content the document will write again, remembering the links to set back."""
        c = self.convention
        self.ids = {
            "fiche": dict(c.fiches.values_list("key", "pk")),
            "indicator": {(key, indicator): pk for key, indicator, pk in
                          Indicator.objects.filter(fiche__convention=c).values_list("fiche__key", "key", "pk")},
            "axis": dict(c.axes.values_list("number", "pk")),
            "objective": {(axis, number): pk for axis, number, pk in
                          Objective.objects.filter(axis__convention=c).values_list("axis__number", "number", "pk")},
            "commune": dict(c.communes.values_list("insee", "pk")),
            # A séance under its former id keeps its reminders sent (`governance.reminders` keys them by id).
            "meeting": {(body, date, title): pk for body, date, title, pk in
                        c.meetings.order_by("-pk").values_list("body__key", "date", "title", "pk")},
        }
        self.renewals = dict(
            Fiche.objects.filter(renewed_from__convention=c).values_list("pk", "renewed_from__key")
        )
        self.originals = dict(
            SignedOriginal.objects.filter(convention=c, avenant__isnull=False).values_list("pk", "avenant__number")
        )
        SignedOriginal.objects.filter(pk__in=self.originals).update(avenant=None)  # set back by `restore`
        for name in _CONTENT:
            getattr(c, name).all().delete()
        for key, name in (("bilans", "bilans"), ("status_history", "status_changes")):
            if key in self.carried:
                getattr(c, name).all().delete()

    def reused(self, kind, key):
        """The former id of the row of `kind` the writer writes again under natural `key` (None: a new
        row); given once, so two rows of the file with the same key never claim the same id."""
        return self.ids.get(kind, {}).pop(key, None)

    def restore(self, writer):
        """Set back the links from outside to the content the writer wrote again."""
        for pk, number in self.originals.items():
            SignedOriginal.objects.filter(pk=pk).update(avenant=writer.avenants[number])
        for pk, key in self.renewals.items():
            Fiche.objects.filter(pk=pk).update(renewed_from=writer.fiches.get(key))
