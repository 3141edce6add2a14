"""Creating a convention, and writing and signing avenants: each function is one transaction and
refuses, with a French message, anything that would make the convention inconsistent. `by`, the
user acting, is the author of the history records each one writes (`ctg.history`); a signature
also keeps it on the avenant. The preparation editors' saves are in `editing.py`."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from actions.models import Fiche, FicheTheme, fiche_key, next_fiche_number, refresh_current_flags
from ctg.errors import DomainError
from ctg.history import authored
from ctg.keys import unique_slug

from .editing import organisation_for
from .enums import (
    ANNEX_TITLES,
    AmendMode,
    AvenantStatus,
    ConventionStatus,
    OperationKind,
    OrganisationKind,
    Role,
)
from .model_text import model_body
from .models import (
    Article,
    Avenant,
    Commune,
    Convention,
    Equipment,
    Membership,
    Operation,
    Signatory,
    Visa,
    avenant_date_errors,
)

# Path segments of the convention URLs that a slug must not shadow.
RESERVED_SLUGS = {"nouvelle"}


@authored
def convention_create(*, by, title, caf, start, end, caf_representatives, collectivites, communes, signed_at="",
                       slug_from=None):
    """A new convention in preparation, all or nothing: its Caf (one `by` works for) and their
    representatives [(name, capacity)], the signatory collectivités ([{"organisation": an existing
    one or None, "new_organisation": {name, kind, code, population} or None, "representative",
    "capacity"}], a collectivité with two representatives on two rows), the communes covered
    [(insee, name, population)], the period and the place of signature. Its body starts from the
    model of `model_text.py`; its slug comes from `slug_from`, or else the title."""
    with transaction.atomic():
        if caf.kind != OrganisationKind.CAF:
            raise DomainError(f"« {caf.name} » n'est pas une Caf.")
        if not by.is_superuser and not Membership.objects.filter(user=by, organisation=caf, role=Role.CAF).exists():
            raise DomainError(f"Vous ne pouvez créer une convention que pour votre Caf, pas pour « {caf.name} ».")
        if end <= start:
            raise DomainError("La fin de la convention doit être postérieure à son début.")
        if not caf_representatives:
            raise DomainError(f"Indiquez qui signe pour {caf.name}.")
        if not collectivites:
            raise DomainError("Indiquez au moins une collectivité signataire.")
        if not communes:
            raise DomainError("Indiquez au moins une commune couverte par la convention.")
        codes = [insee for insee, _, _ in communes]
        if duplicate := next((code for code in codes if codes.count(code) > 1), None):
            raise DomainError(f"La commune de code INSEE {duplicate} est donnée deux fois.")
        created = {}
        for row in collectivites:
            row["organisation"] = organisation_for(row, created)
            if row["organisation"].kind == OrganisationKind.CAF:
                raise DomainError(f"« {row['organisation'].name} » est une Caf : indiquez les collectivités signataires.")
        parties = list({row["organisation"].pk: row["organisation"] for row in collectivites}.values())
        slug = unique_slug(slug_from or title, set(Convention.objects.values_list("slug", flat=True)) | RESERVED_SLUGS, fallback="ctg")
        body = model_body(caf, parties, start, end)
        convention = Convention.objects.create(
            slug=slug, title=title, caf=caf, start=start, end=end, status=ConventionStatus.PREPARATION,
            signed_at=signed_at, preamble=body["preamble"], governance_text=body["governance_text"],
        )
        signatories = [(caf, name, capacity) for name, capacity in caf_representatives] + [
            (row["organisation"], row["representative"], row["capacity"]) for row in collectivites
        ]
        for position, (organisation, representative, capacity) in enumerate(signatories):
            Signatory.objects.create(convention=convention, organisation=organisation, representative=representative,
                                     capacity=capacity, position=position)
        for position, (insee, name, population) in enumerate(communes):
            Commune.objects.create(convention=convention, insee=insee, name=name, population=population, position=position)
        for position, text in enumerate(body["visas"]):
            Visa.objects.create(convention=convention, text=text, position=position)
        for position, (article_title, article_body) in enumerate(body["articles"]):
            Article.objects.create(convention=convention, number=str(position + 1), title=article_title,
                                   body=article_body, position=position)
        return convention


def require_draft(avenant):
    if avenant.status != AvenantStatus.BROUILLON:
        raise DomainError(f"L'avenant n°{avenant.number} est signé : il ne peut plus être modifié.")


def check_dates(convention, effective_from, effective_until):
    if errors := avenant_date_errors(convention, effective_from, effective_until):
        raise DomainError(" ".join(errors.values()))


def next_avenant_number(convention):
    return (convention.avenants.aggregate(n=Max("number"))["n"] or 0) + 1


def default_title(number):
    return f"Avenant numéro {number} à la Convention territoriale globale"


def _set_visas(avenant, visas):
    """Make the avenant's visas `visas` (texts, in order), saving only the lines that changed, so
    that their history shows what was edited."""
    existing = list(avenant.visas.order_by("position", "id"))
    for position, text in enumerate(visas):
        visa = existing[position] if position < len(existing) else Visa(convention=avenant.convention, avenant=avenant)
        if visa.pk is None or (visa.text, visa.position) != (text, position):
            visa.text, visa.position = text, position
            visa.save()
    for visa in existing[len(visas):]:
        visa.delete()


def require_signed(convention):
    if not convention.is_signed:
        raise DomainError(
            "Cette convention n'est pas signée : un avenant ne modifie qu'une convention signée ; en préparation, "
            "le texte et le plan d'actions se modifient directement."
        )


@authored
def avenant_create(convention, *, by, visas=None, **fields):
    """A draft avenant numbered after the last one; its visas start from the convention's."""
    with transaction.atomic():
        require_signed(convention)
        check_dates(convention, fields["effective_from"], fields.get("effective_until"))
        number = next_avenant_number(convention)
        fields["title"] = fields.get("title") or default_title(number)
        avenant = Avenant.objects.create(convention=convention, number=number, **fields)
        if visas is None:
            visas = convention.visas.filter(avenant__isnull=True).values_list("text", flat=True)
        _set_visas(avenant, visas)
        return avenant


@authored
def avenant_update(avenant, *, by, visas, articles=None, **fields):
    """Change a draft's header, dates, visas and (from a formset) its own articles."""
    with transaction.atomic():
        require_draft(avenant)
        check_dates(avenant.convention, fields["effective_from"], fields.get("effective_until"))
        fields["title"] = fields.get("title") or default_title(avenant.number)
        for name, value in fields.items():
            setattr(avenant, name, value)
        avenant.save()
        _set_visas(avenant, visas)
        if articles is not None:
            for article in articles.save(commit=False):
                article.convention = avenant.convention
                article.save()
            for article in articles.deleted_objects:
                article.delete()
        return avenant


def _next_position(avenant):
    return (avenant.operations.aggregate(n=Max("position"))["n"] or 0) + 1


def _fiche_in_force_for(avenant, fiche):
    """A fiche an operation may target: in force on the effect date and not already targeted here."""
    if not Fiche.objects.filter(pk=fiche.pk).in_force(avenant.effective_from).exists():
        raise DomainError(
            f"La fiche action « {fiche.title} » n'est pas en vigueur au {avenant.effective_from:%d/%m/%Y}, "
            "date d'effet de l'avenant."
        )
    if avenant.operations.filter(target_fiche=fiche).exists():
        raise DomainError(f"L'avenant n°{avenant.number} comporte déjà une opération sur la fiche « {fiche.title} ».")


@authored
def fiche_propose_change(fiche, *, by, avenant=None):
    """« Proposer dans un avenant » for a fiche of a signed convention: the new version of the
    fiche a draft avenant proposes, to write in the fiche editor. The version already proposed
    (in `avenant`, or in any draft) is reused; otherwise one is started in `avenant`, by default
    the latest draft, or a new draft taking effect today."""
    with transaction.atomic():
        convention = fiche.convention
        require_signed(convention)
        proposed = Operation.objects.filter(
            target_fiche=fiche, op=OperationKind.REPLACE_FICHE, avenant__status=AvenantStatus.BROUILLON,
        ).select_related("fiche")
        if avenant is not None:
            proposed = proposed.filter(avenant=avenant)
        if operation := proposed.order_by("-avenant__number").first():
            return operation.fiche
        return operation_replace_fiche(draft_avenant_for(convention, by=by, avenant=avenant), fiche, by=by)


@authored
def draft_avenant_for(convention, *, by, avenant=None):
    """The draft avenant a change of the signed text is proposed in (« Proposer dans un avenant »):
    `avenant`, else the latest draft, else a new draft taking effect today."""
    require_signed(convention)
    if avenant is None:
        avenant = convention.avenants.filter(status=AvenantStatus.BROUILLON).order_by("-number").first()
    if avenant is not None:
        require_draft(avenant)
        return avenant
    today = timezone.localdate()
    end = convention.end_on(today)
    if today > end:
        raise DomainError(f"La convention a pris fin le {end:%d/%m/%Y} : elle ne se modifie plus par avenant.")
    return avenant_create(convention, by=by, effective_from=max(today, convention.start))


@authored
def operation_abrogate_fiche(avenant, fiche, *, by):
    with transaction.atomic():
        require_draft(avenant)
        _fiche_in_force_for(avenant, fiche)
        return Operation.objects.create(
            avenant=avenant, op=OperationKind.ABROGATE_FICHE, target_fiche=fiche, position=_next_position(avenant)
        )


def _copy_fiche(source, *, avenant, key, previous_version=None):
    copy = Fiche(convention=avenant.convention, avenant=avenant, key=key, previous_version=previous_version)
    for name in Fiche.CONTENT_FIELDS:
        setattr(copy, name, getattr(source, name))
    copy.save()
    copy.lead_organisations.set(source.lead_organisations.all())
    FicheTheme.objects.bulk_create(
        FicheTheme(fiche=copy, theme=link.theme, position=link.position) for link in source.theme_links.all()
    )
    for indicator in source.indicators.all():
        indicator.pk = None
        indicator.fiche = copy
        indicator.save()
    return copy


@authored
def operation_replace_fiche(avenant, fiche, *, by):
    """Start a new version of the action from the fiche as in force on the effect date; the user
    then edits that draft version in the usual editor."""
    with transaction.atomic():
        require_draft(avenant)
        _fiche_in_force_for(avenant, fiche)
        key = fiche_key(avenant.convention, f"{fiche.key}-avenant-{avenant.number}")
        new = _copy_fiche(fiche, avenant=avenant, key=key, previous_version=fiche)
        Operation.objects.create(
            avenant=avenant, op=OperationKind.REPLACE_FICHE, target_fiche=fiche, fiche=new,
            position=_next_position(avenant),
        )
        return new


@authored
def operation_add_fiche(avenant, *, by, axis, title):
    with transaction.atomic():
        require_draft(avenant)
        convention = avenant.convention
        fiche = Fiche.objects.create(
            convention=convention, avenant=avenant, axis=axis, title=title, number=next_fiche_number(convention),
            key=fiche_key(convention, title), nature=["nouvelle"],
        )
        FicheTheme.objects.create(fiche=fiche, theme="autre", position=0)
        Operation.objects.create(
            avenant=avenant, op=OperationKind.ADD_FICHE, fiche=fiche, position=_next_position(avenant)
        )
        return fiche


@authored
def operation_amend_article(avenant, *, by, article_number, mode, body):
    with transaction.atomic():
        require_draft(avenant)
        if not avenant.convention.articles.filter(avenant__isnull=True, number=article_number).exists():
            raise DomainError(f"La convention n'a pas d'article {article_number}.")
        if mode not in AmendMode.values:
            raise DomainError("Choisissez de remplacer ou de compléter l'article.")
        return Operation.objects.create(
            avenant=avenant, op=OperationKind.AMEND_ARTICLE, article_number=article_number, mode=mode, body=body,
            position=_next_position(avenant),
        )


@authored
def operation_amend_annex(avenant, *, by, annex, mode, body):
    with transaction.atomic():
        require_draft(avenant)
        return Operation.objects.create(
            avenant=avenant, op=OperationKind.AMEND_ANNEX, annex=annex, mode=mode, body=body,
            position=_next_position(avenant),
        )


@authored
def operation_add_equipment(avenant, *, by, **fields):
    with transaction.atomic():
        require_draft(avenant)
        taken = set(avenant.convention.equipment.values_list("key", flat=True))
        equipment = Equipment.objects.create(
            convention=avenant.convention, avenant=avenant, key=unique_slug(fields["name"], taken, fallback="equipement"), **fields
        )
        return Operation.objects.create(
            avenant=avenant, op=OperationKind.ADD_EQUIPMENT, equipment=equipment, position=_next_position(avenant)
        )


@authored
def operation_abrogate_equipment(avenant, equipment, *, by):
    with transaction.atomic():
        require_draft(avenant)
        in_force = Equipment.objects.filter(pk=equipment.pk).in_force(avenant.effective_from).exists()
        if not in_force or avenant.operations.filter(target_equipment=equipment).exists():
            raise DomainError(f"L'équipement « {equipment.name} » n'est pas en vigueur à la date d'effet ou déjà visé.")
        return Operation.objects.create(
            avenant=avenant, op=OperationKind.ABROGATE_EQUIPMENT, target_equipment=equipment,
            position=_next_position(avenant),
        )


@authored
def operation_delete(operation, *, by):
    """Remove an operation from a draft, with the draft fiche or equipment it introduced."""
    with transaction.atomic():
        require_draft(operation.avenant)
        fiche, equipment = operation.fiche, operation.equipment
        operation.delete()
        if fiche:
            fiche.delete()
        if equipment:
            equipment.delete()


@authored
def operation_move(operation, direction, *, by):
    with transaction.atomic():
        require_draft(operation.avenant)
        ordered = list(operation.avenant.operations.order_by("position", "id"))
        index = ordered.index(operation)
        other = index + direction
        if not 0 <= other < len(ordered):
            raise DomainError("Cette opération est déjà à cette extrémité de la liste.")
        ordered[index], ordered[other] = ordered[other], ordered[index]
        moved = []
        for position, item in enumerate(ordered, start=1):
            if item.position != position:
                item.position = position
                moved.append(item)
        bulk_update_with_history(moved, Operation, ["position"], default_user=by)


# Where each kind of operation lands in the convention (`002_…` Article 1), and whether it
# modifies (abrogates, replaces) or completes (adds to) that annex.
FICHE_ANNEX, EQUIPMENT_ANNEX = 4, 3
LANDS_IN = {
    OperationKind.ABROGATE_FICHE: (FICHE_ANNEX, "modifiée"),
    OperationKind.REPLACE_FICHE: (FICHE_ANNEX, "modifiée"),
    OperationKind.ADD_FICHE: (FICHE_ANNEX, "complétée"),
    OperationKind.ABROGATE_EQUIPMENT: (EQUIPMENT_ANNEX, "modifiée"),
    OperationKind.ADD_EQUIPMENT: (EQUIPMENT_ANNEX, "complétée"),
}


def object_article_text(avenant):
    """Article 1 « Objet de l'avenant », laid out as in `002_…`: each article of the convention it
    completes or modifies, then each annex with the list of what changes in it (« L'annexe 4 de la
    convention (« Plan d'actions et fiches actions ») est modifiée et complétée afin de : »), and
    the extension of the convention's term."""
    convention = avenant.convention
    operations = list(avenant.operations.select_related("fiche", "target_fiche", "equipment", "target_equipment"))
    titles = dict(convention.articles.filter(avenant__isnull=True).values_list("number", "title"))
    paragraphs = []
    for op in operations:
        if op.op == OperationKind.AMEND_ARTICLE:
            title = f" (« {titles[op.article_number]} »)" if titles.get(op.article_number) else ""
            verb = "complété" if op.mode == AmendMode.COMPLETE else "modifié"
            paragraphs.append(f"L'article {op.article_number} de la convention{title} est {verb}.")
    annexes = {}  # number → (verbs, lines)
    for op in operations:
        if op.op in LANDS_IN:
            number, verb = LANDS_IN[op.op]
            line = f"- {op.describe()}"
        elif op.op == OperationKind.AMEND_ANNEX:
            number, verb = op.annex, "complétée" if op.mode == AmendMode.COMPLETE else "modifiée"
            line = None
        else:
            continue
        verbs, lines = annexes.setdefault(number, (set(), []))
        verbs.add(verb)
        if line:
            lines.append(line)
    for number, (verbs, lines) in sorted(annexes.items()):
        said = " et ".join(v for v in ("modifiée", "complétée") if v in verbs)
        head = f"L'annexe {number} de la convention (« {ANNEX_TITLES[number]} ») est {said}"
        paragraphs.append("\n".join([f"{head} afin de :", "", *lines]) if lines else f"{head}.")
    if avenant.effective_until and avenant.effective_until > convention.end_on(avenant.effective_from):
        paragraphs.append(f"La durée de la convention est prolongée jusqu'au {avenant.effective_until:%d/%m/%Y}.")
    return "\n\n".join(paragraphs) or "Le présent avenant ne modifie ni les articles ni les annexes de la convention."


@authored
def avenant_generate_object_article(avenant, *, by):
    with transaction.atomic():
        require_draft(avenant)
        article, _ = Article.objects.update_or_create(
            convention=avenant.convention, avenant=avenant, number="1",
            defaults={"title": "Objet de l'avenant", "body": object_article_text(avenant), "position": 0},
        )
        return article


@authored
def avenant_sign(avenant, *, by, signed_on, signed_at, prefecture_sent_on=None, prefecture_received_on=None,
                 prefecture_published_on=None, prefecture_act_id=""):
    """Sign a draft: record the date, the préfecture stamp and who signed it in the application
    (`by`, now), freeze it, and apply it to the plan."""
    with transaction.atomic():
        require_draft(avenant)
        check_dates(avenant.convention, avenant.effective_from, avenant.effective_until)
        if not avenant.operations.exists() and not avenant.articles.exists():
            raise DomainError("Un avenant sans opération ni article ne peut pas être signé.")
        for operation in avenant.operations.select_related("target_fiche"):
            if operation.target_fiche and not Fiche.objects.filter(pk=operation.target_fiche_id).in_force(
                avenant.effective_from
            ).exists():
                raise DomainError(
                    f"La fiche « {operation.target_fiche.title} » n'est plus en vigueur au "
                    f"{avenant.effective_from:%d/%m/%Y} : retirez ou corrigez l'opération qui la vise."
                )
        avenant.status = AvenantStatus.SIGNE
        avenant.signed_on, avenant.signed_at = signed_on, signed_at
        avenant.signed_by, avenant.signature_recorded_at = by, timezone.now()
        avenant.prefecture_sent_on = prefecture_sent_on
        avenant.prefecture_received_on = prefecture_received_on
        avenant.prefecture_published_on = prefecture_published_on
        avenant.prefecture_act_id = prefecture_act_id
        avenant.save()
        try:
            with transaction.atomic():
                refresh_current_flags(avenant.convention)
        except IntegrityError as error:
            raise DomainError(
                "Une fois l'avenant appliqué, deux actions en vigueur porteraient le même numéro : "
                "renumérotez les fiches ajoutées avant de signer."
            ) from error
        return avenant
