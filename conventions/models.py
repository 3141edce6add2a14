
from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from ctg.dates import YEAR_VALIDATORS
from ctg.errors import DomainError, check_same_convention

from .enums import (
    SIGNED_STATUSES,
    AmendMode,
    AvenantStatus,
    ConventionStatus,
    EquipmentKind,
    InvestmentType,
    OperationKind,
    OrganisationKind,
    Projection,
    Role,
    SppeKind,
    TerritoryLevel,
)
from .in_force import InForceQuerySet, applied_avenants, convention_in_force, extended_end
from .phase import UNKNOWN, phase_on, with_phase_facts
from .rules import memberships

FROZEN_MESSAGE = (
    "La convention est signée : son texte, ses annexes et son plan d'actions ne changent plus que par avenant."
)

slug_validator = RegexValidator(r"^[a-z0-9-]+$", "Uniquement des minuscules, chiffres et tirets.")


class ConventionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Conventions the user has a role on: their Caf's, or those their collectivité signs. From lists
        of ids (the memberships, read once a request), which PostgreSQL plans far quicker than subqueries."""
        if not user.is_authenticated or user.is_superuser:
            return self if user.is_superuser else self.none()
        caf_orgs, local_orgs = ([org for org, role in memberships(user) if (role == Role.CAF) == caf] for caf in (True, False))
        scope = Q(caf__in=caf_orgs) if caf_orgs else Q()
        scope |= Q(pk__in=Signatory.objects.filter(organisation__in=local_orgs).values("convention")) if local_orgs else Q()
        return self.filter(scope) if scope else self.none()

    def with_phase_facts(self, on):
        """Annotated with what `Convention.phase_on(on)` reads (`phase.with_phase_facts`)."""
        return with_phase_facts(self, on)


class Organisation(models.Model):
    name = models.CharField("nom", max_length=255)
    kind = models.CharField("type", max_length=32, choices=OrganisationKind.choices)
    code = models.CharField(
        "code", max_length=20, blank=True, help_text="Code INSEE (commune), SIREN (EPCI), numéro de département (Caf)."
    )
    population = models.PositiveIntegerField("population", null=True, blank=True)

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"], condition=~Q(code=""), name="organisation_unique_kind_code"
            )
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's role for an organisation: Caf staff, collectivité coordinator or elected official."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name="utilisateur"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name="organisation"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    # A Caf's référent invites and removes people (`people.rules`); other roles ignore it.
    referent = models.BooleanField(
        "référent", default=False, help_text="Pour la Caf : invite les personnes de la Caf et des collectivités."
    )

    class Meta:
        verbose_name = "rôle d'un utilisateur"
        verbose_name_plural = "rôles des utilisateurs"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.organisation}"


class PrefectureStamp(models.Model):
    """The stamp an act sent to the préfecture carries (`002_…`)."""

    prefecture_sent_on = models.DateField("envoyé en préfecture le", null=True, blank=True)
    prefecture_received_on = models.DateField("reçu en préfecture le", null=True, blank=True)
    prefecture_published_on = models.DateField("publié le", null=True, blank=True)
    prefecture_act_id = models.CharField("ID de l'acte", max_length=100, blank=True)

    class Meta:
        abstract = True

    @property
    def has_prefecture_stamp(self):
        return bool(
            self.prefecture_sent_on or self.prefecture_received_on
            or self.prefecture_published_on or self.prefecture_act_id
        )


class Convention(PrefectureStamp):
    slug = models.SlugField("identifiant", max_length=100, unique=True, validators=[slug_validator])
    title = models.CharField("titre", max_length=300)
    caf = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="caf_conventions", verbose_name="Caf",
        limit_choices_to={"kind": OrganisationKind.CAF},
    )
    start = models.DateField("début")
    end = models.DateField("fin")
    status = models.CharField("statut", max_length=20, choices=ConventionStatus.choices, default=ConventionStatus.PREPARATION)
    signed_on = models.DateField("signée le", null=True, blank=True)
    signed_at = models.CharField("signée à", max_length=120, blank=True)
    caf_validation_body = models.CharField(
        "validée par (instance de la Caf)", max_length=150, blank=True,
        help_text="Conseil d'administration, commission d'action sociale…",
    )
    caf_validation_on = models.DateField("validée par la Caf le", null=True, blank=True)
    preamble = models.TextField("préambule", blank=True)
    previous_evaluation = models.TextField("annexe 1 — évaluation de la précédente CTG", blank=True)
    diagnosis_summary = models.TextField("annexe 2 — synthèse du diagnostic", blank=True)
    governance_text = models.TextField("annexe 5 — pilotage et suivi", blank=True)
    evaluation_text = models.TextField("annexe 6 — modalités d'évaluation", blank=True)
    # The CTG this one renews (« Préparer le renouvellement »): « CTG précédente / suivante ».
    predecessor = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="successors",
        verbose_name="CTG précédente",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = ConventionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "convention"
        ordering = ["-start", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="convention_end_after_start")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("conventions:detail", args=[self.slug])

    @cached_property
    def successor(self):
        """The CTG that renews this one: the latest successor whose preparation goes on."""
        return self.successors.exclude(status=ConventionStatus.ABANDONNEE).order_by("-start", "-pk").first()

    def as_of(self, on):
        """The whole convention as in force on `on`: see `conventions.in_force`."""
        return convention_in_force(self, on)

    def end_on(self, on):
        """The end date as extended by the avenants applied on `on`, in one query."""
        return extended_end(self, self.avenants.filter(applied_avenants(on)).only("effective_until"))

    @property
    def is_signed(self):
        """Signed (and since then maybe in renewal, or ended): its text is contractual."""
        return self.status in SIGNED_STATUSES

    def contract_refusal(self):
        """Why the body, the annexes and the base plan d'actions cannot be edited directly, in
        French; "" while they can (in préparation). The one home of « a signed text is never
        rewritten »: the permissions (`rules.py`), the services and the administration ask here."""
        if self.is_signed:
            return FROZEN_MESSAGE
        if self.status == ConventionStatus.ABANDONNEE:
            return "La préparation de cette convention est abandonnée : reprenez-la avant de la modifier."
        return ""

    def require_contract_editable(self):
        if refusal := self.contract_refusal():
            raise DomainError(refusal)

    def phase_on(self, on, *, end=None, renewal_from=UNKNOWN):
        """The status shown on `on`: the stored decision, then time (`conventions.phase`)."""
        return phase_on(self, on, end=end, renewal_from=renewal_from)

    @cached_property
    def phase(self):
        """The status shown today; a list sets it from `with_phase_facts`. A convention fetched with
        its renewal start annotated (`with_phase_facts`, `get_convention`) does not read it again."""
        return self.phase_on(timezone.localdate(), renewal_from=getattr(self, "renewal_from", UNKNOWN))

    def is_running_on(self, on, end=None):
        """Signed and within its period (as extended by avenants: `end`, computed when not given) on `on`."""
        if self.status not in (ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT) or on < self.start:
            return False
        return on <= (end or self.end_on(on))


class Commune(models.Model):
    """A commune of the territory the convention covers."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="communes")
    name = models.CharField("nom", max_length=150)
    insee = models.CharField("code INSEE", max_length=5, validators=[RegexValidator(r"^[0-9][0-9AB][0-9]{3}$", "Code INSEE à 5 caractères.")])
    population = models.PositiveIntegerField("population", null=True, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "commune"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["convention", "insee"], name="commune_unique_insee")]

    def __str__(self):
        return f"{self.name} ({self.insee})"


class Signatory(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="signatories")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="signatures", verbose_name="organisation")
    representative = models.CharField("représentant", max_length=150)
    capacity = models.CharField("qualité", max_length=150, help_text="Président, Directrice, Maire…")
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "signataire"
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.organisation}, représentée par {self.representative} ({self.capacity})"


class Avenant(PrefectureStamp):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="avenants")
    number = models.PositiveIntegerField("numéro")
    status = models.CharField("statut", max_length=20, choices=AvenantStatus.choices, default=AvenantStatus.BROUILLON)
    title = models.CharField("titre", max_length=300)
    signed_on = models.DateField("signé le", null=True, blank=True)
    signed_at = models.CharField("signé à", max_length=120, blank=True)
    effective_from = models.DateField("prend effet le")
    effective_until = models.DateField(
        "jusqu'au", null=True, blank=True, help_text="Vide : jusqu'à la fin de la convention."
    )
    preamble = models.TextField("préambule", blank=True)
    object = models.TextField("objet", blank=True)
    # Who signed it in the application, and when (empty for an avenant imported already signed).
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="signature enregistrée par",
    )
    signature_recorded_at = models.DateTimeField("signature enregistrée le", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "avenant"
        ordering = ["convention", "number"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "number"], name="avenant_unique_number"),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gte=F("effective_from")),
                name="avenant_until_after_from",
            ),
        ]

    def __str__(self):
        return f"Avenant n°{self.number}"

    @property
    def is_signed(self):
        return self.status == AvenantStatus.SIGNE


def avenant_date_errors(convention, effective_from, effective_until):
    """What is wrong with an avenant's dates, by field: it takes effect within the convention's
    period, and its term (if any) does not precede its effect."""
    errors = {}
    if effective_from and not convention.start <= effective_from <= convention.end:
        errors["effective_from"] = (
            f"La date d'effet doit être comprise dans la période de la convention "
            f"(du {convention.start:%d/%m/%Y} au {convention.end:%d/%m/%Y})."
        )
    if effective_from and effective_until and effective_until < effective_from:
        errors["effective_until"] = "La fin d'effet de l'avenant précède sa date d'effet."
    return errors


class Visa(models.Model):
    """A "Vu …" line of the convention, or of one of its avenants."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="visas")
    avenant = models.ForeignKey(Avenant, on_delete=models.CASCADE, null=True, blank=True, related_name="visas")
    text = models.TextField("texte")
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "visa"
        ordering = ["position", "id"]

    def __str__(self):
        return self.text[:80]


class Article(models.Model):
    """A numbered article of the convention body, or of an avenant when `avenant` is set."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="articles")
    avenant = models.ForeignKey(Avenant, on_delete=models.CASCADE, null=True, blank=True, related_name="articles")
    number = models.CharField("numéro", max_length=20, help_text="« 1 », « 1.2 », « 9 »")
    title = models.CharField("titre", max_length=300, blank=True)
    body = models.TextField("texte", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "article"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "number"], condition=Q(avenant__isnull=True), name="article_unique_number"
            ),
            models.UniqueConstraint(fields=["avenant", "number"], name="avenant_article_unique_number"),
        ]

    def __str__(self):
        return f"Article {self.number} — {self.title}"


class EquipmentQuerySet(InForceQuerySet):
    superseded_by = "targeting_operations"


class Equipment(models.Model):
    """An equipment or service of annexe 3, supported by a collectivité and by the Caf."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="equipment")
    avenant = models.ForeignKey(
        Avenant, on_delete=models.CASCADE, null=True, blank=True, related_name="added_equipment",
        verbose_name="ajouté par l'avenant",
    )
    key = models.CharField("clé", max_length=100, validators=[slug_validator])
    kind = models.CharField("type de structure", max_length=40, choices=EquipmentKind.choices)
    name = models.CharField("nom", max_length=255)
    address = models.CharField("adresse", max_length=255, blank=True)
    commune = models.CharField("commune (code INSEE)", max_length=5, blank=True)
    places = models.PositiveIntegerField("places", null=True, blank=True)
    caf_funding = models.DecimalField("financement Caf (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    local_funding = models.DecimalField("financement collectivité (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    funded_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="funded_equipment",
        verbose_name="soutenu par",
    )
    bonus_territoire = models.BooleanField("bonus territoire CTG", default=False)
    position = models.PositiveIntegerField("ordre", default=0)

    objects = EquipmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "équipement ou service"
        verbose_name_plural = "équipements et services"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["convention", "key"], name="equipment_unique_key")]

    def __str__(self):
        return self.name


class Operation(models.Model):
    """One change an avenant makes, applied in `position` order on its effective date."""

    avenant = models.ForeignKey(Avenant, on_delete=models.CASCADE, related_name="operations")
    position = models.PositiveIntegerField("ordre", default=0)
    op = models.CharField("opération", max_length=30, choices=OperationKind.choices)
    target_fiche = models.ForeignKey(
        "actions.Fiche", on_delete=models.CASCADE, null=True, blank=True, related_name="targeting_operations",
        verbose_name="fiche visée",
    )
    fiche = models.ForeignKey(
        "actions.Fiche", on_delete=models.CASCADE, null=True, blank=True, related_name="introducing_operations",
        verbose_name="nouvelle fiche",
    )
    article_number = models.CharField("article", max_length=20, blank=True)
    annex = models.PositiveSmallIntegerField("annexe", null=True, blank=True, choices=[(i, f"Annexe {i}") for i in range(1, 8)])
    mode = models.CharField("mode", max_length=10, choices=AmendMode.choices, blank=True)
    body = models.TextField("texte", blank=True)
    equipment = models.ForeignKey(
        Equipment, on_delete=models.CASCADE, null=True, blank=True, related_name="introducing_operations",
        verbose_name="nouvel équipement",
    )
    target_equipment = models.ForeignKey(
        Equipment, on_delete=models.CASCADE, null=True, blank=True, related_name="targeting_operations",
        verbose_name="équipement visé",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "opération d'avenant"
        verbose_name_plural = "opérations d'avenant"
        ordering = ["avenant", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(op__in=[OperationKind.ADD_FICHE, OperationKind.REPLACE_FICHE]) | Q(fiche__isnull=False),
                name="operation_fiche_required",
            ),
            models.CheckConstraint(
                condition=~Q(op__in=[OperationKind.REPLACE_FICHE, OperationKind.ABROGATE_FICHE]) | Q(target_fiche__isnull=False),
                name="operation_target_fiche_required",
            ),
            models.CheckConstraint(
                condition=~Q(op=OperationKind.ADD_EQUIPMENT) | Q(equipment__isnull=False), name="operation_equipment_required"
            ),
            models.CheckConstraint(
                condition=~Q(op=OperationKind.ABROGATE_EQUIPMENT) | Q(target_equipment__isnull=False),
                name="operation_target_equipment_required",
            ),
            models.CheckConstraint(
                condition=~Q(op=OperationKind.AMEND_ANNEX) | Q(annex__gte=1, annex__lte=7), name="operation_annex_range"
            ),
        ]

    def __str__(self):
        return self.describe()

    def clean(self):
        if self.avenant_id:
            check_same_convention(
                self.avenant.convention_id, fiche=self.fiche, target_fiche=self.target_fiche,
                equipment=self.equipment, target_equipment=self.target_equipment,
            )

    def describe(self):
        """The operation in the words of an avenant's Article 1 (`002_…`)."""
        match self.op:
            case OperationKind.ABROGATE_FICHE:
                return f"Abroger la fiche action « {self.target_fiche.title} »."
            case OperationKind.REPLACE_FICHE:
                return f"Modifier la fiche action « {self.target_fiche.title} »."
            case OperationKind.ADD_FICHE:
                return f"Ajouter la fiche action « {self.fiche.title} »."
            case OperationKind.AMEND_ARTICLE:
                verb = "Compléter" if self.mode == AmendMode.COMPLETE else "Modifier"
                return f"{verb} l'article {self.article_number}."
            case OperationKind.ADD_EQUIPMENT:
                return f"Ajouter l'action financée « {self.equipment.name} » à la liste des équipements."
            case OperationKind.ABROGATE_EQUIPMENT:
                return f"Abroger l'action financée « {self.target_equipment.name} »."
            case OperationKind.AMEND_ANNEX:
                verb = "Compléter" if self.mode == AmendMode.COMPLETE else "Modifier"
                return f"{verb} l'annexe {self.annex}."
        return self.get_op_display()


class DiagnosisIndicator(models.Model):
    """A cold-data indicator of the portrait de territoire (annexe 2)."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="diagnosis_indicators")
    territory = models.CharField("territoire (code)", max_length=20)
    level = models.CharField("niveau", max_length=20, choices=TerritoryLevel.choices)
    indicator = models.CharField("indicateur", max_length=255)
    year = models.PositiveIntegerField("année", null=True, blank=True, validators=YEAR_VALIDATORS)
    value = models.FloatField("valeur", null=True, blank=True)
    unit = models.CharField("unité", max_length=30, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "indicateur du diagnostic"
        verbose_name_plural = "indicateurs du diagnostic"
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.indicator} — {self.territory}"


class DiagnosisIssue(models.Model):
    """An enjeu retained by the shared diagnosis (annexe 2)."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="diagnosis_issues")
    text = models.TextField("enjeu")
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "enjeu"
        ordering = ["position", "id"]

    def __str__(self):
        return self.text[:80]


class SppeRow(models.Model):
    """A structure line of the SPPE schéma de maintien et de développement de l'offre d'accueil."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="sppe_rows")
    kind = models.CharField("type", max_length=30, choices=SppeKind.choices)
    name = models.CharField("nom", max_length=255)
    address = models.CharField("adresse", max_length=255, blank=True)
    current_places = models.FloatField("places actuelles (ou ETP RPE)", null=True, blank=True, validators=[MinValueValidator(0)])
    supported_places = models.FloatField("places soutenues par la collectivité", null=True, blank=True, validators=[MinValueValidator(0)])
    projection = models.CharField("projection à 5 ans", max_length=30, choices=Projection.choices, blank=True)
    projected_places = models.FloatField("nombre de places projeté", null=True, blank=True, validators=[MinValueValidator(0)])
    horizon_year = models.PositiveIntegerField("à horizon", null=True, blank=True, validators=YEAR_VALIDATORS)
    staffing_needs = models.TextField("besoins en personnel", blank=True)
    investment_type = models.CharField("projet d'investissement", max_length=20, choices=InvestmentType.choices, blank=True)
    investment_details = models.TextField("moyens, freins, calendrier", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne du schéma SPPE"
        verbose_name_plural = "lignes du schéma SPPE"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Deliberation(models.Model):
    """A deliberation of annexe 7: the assembly of a signatory collectivité authorising the signature."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="deliberations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="deliberations",
        verbose_name="collectivité", help_text="La collectivité signataire qui a délibéré.",
    )
    body = models.CharField("instance", max_length=150, help_text="Conseil communautaire, conseil municipal…")
    number = models.CharField("numéro", max_length=60, blank=True)
    date = models.DateField("date")
    title = models.CharField("objet", max_length=300)
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "délibération"
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.body} n°{self.number} du {self.date:%d/%m/%Y}"

    @property
    def is_frozen(self):
        """Part of the signed annexe 7: dated by the signature (later ones, for avenants, stay open)."""
        convention = self.convention
        return convention.is_signed and (convention.signed_on is None or self.date <= convention.signed_on)


class StatusChange(models.Model):
    """One transition of a convention's lifecycle (`conventions.lifecycle`): who, when, why."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField("ancien statut", max_length=20, choices=ConventionStatus.choices)
    to_status = models.CharField("nouveau statut", max_length=20, choices=ConventionStatus.choices)
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="par",
    )
    note = models.TextField("note", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


from .originals import SignedOriginal  # noqa: E402,F401  (registered with the app's models)
