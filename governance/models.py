import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from conventions.enums import ConventionStatus
from conventions.models import Convention, Organisation
from ctg.errors import check_same_convention

from .enums import BodyKind, OfficerScope, ReminderKind
from .frequency import expected_per_year


def year_before(day):
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


class BodyQuerySet(models.QuerySet):
    def with_rhythm(self, today):
        """Annotate the last meeting held, the next one planned and the meetings of the last 12 months."""
        since = year_before(today)
        return self.annotate(
            last_meeting=Max("meetings__date", filter=Q(meetings__date__lte=today)),
            next_meeting=Min("meetings__date", filter=Q(meetings__date__gt=today)),
            meetings_last_year=Count("meetings", filter=Q(meetings__date__gte=since, meetings__date__lte=today)),
        )

    def overdue(self, today):
        """Instances expected to meet at least once a year that met fewer times in the last 12
        months than they are expected to in a year (a commission expected three times that met once).

        Only for conventions in force that started at least a year ago: a younger convention has
        not yet had a full year to hold its first meeting."""
        return self.with_rhythm(today).filter(
            expected_per_year__gte=1,
            meetings_last_year__lt=F("expected_per_year"),
            convention__status__in=[ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT],
            convention__start__lte=year_before(today),
        )


class Body(models.Model):
    """A governance instance: COPIL, COTECH, commission, groupe de travail…"""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="bodies")
    key = models.SlugField("clé", max_length=100)
    kind = models.CharField("type", max_length=30, choices=BodyKind.choices)
    name = models.CharField("nom", max_length=200)
    composition = models.TextField("composition", blank=True)
    frequency = models.CharField("fréquence", max_length=150, blank=True, help_text="Une à deux fois par an…")
    animators = models.CharField("animation", max_length=300, blank=True)
    expected_per_year = models.PositiveSmallIntegerField(
        "séances attendues par an", null=True, blank=True,
        help_text="Le minimum que la convention prévoit. Laissé vide : déduit de la fréquence. 0 : pas de rythme régulier.",
    )
    position = models.PositiveIntegerField("ordre", default=0)

    objects = BodyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "instance"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["convention", "key"], name="body_unique_key")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.expected_per_year is None:
            self.expected_per_year = expected_per_year(self.frequency, self.kind)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("governance:index", args=[self.convention.slug]) + f"#instance-{self.key}"

    @property
    def expected_label(self):
        n = self.expected_per_year
        if n is None:
            return ""
        if n == 0:
            return "pas de rythme régulier"
        return f"{n} séance{'s' if n > 1 else ''} par an au moins"


class Member(models.Model):
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="members", verbose_name="instance")
    name = models.CharField("nom", max_length=150)
    organisation = models.CharField("organisation", max_length=200, blank=True)
    role = models.CharField("rôle", max_length=150, blank=True)
    email = models.EmailField("courriel", blank=True, help_text="Pour les rappels avant les séances.")
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "membre"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


DEFAULT_DURATION = datetime.timedelta(hours=2)


class Meeting(models.Model):
    """A séance of an instance: ordre du jour, participants, decisions, compte-rendu."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="meetings")
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="meetings", verbose_name="instance")
    date = models.DateField("date")
    time = models.TimeField("heure", null=True, blank=True, help_text="Vide : toute la journée.")
    end_time = models.TimeField("heure de fin", null=True, blank=True, help_text="Vide : deux heures après le début.")
    title = models.CharField("titre", max_length=300)
    place = models.CharField("lieu", max_length=300, blank=True)
    minutes = models.TextField("compte-rendu", blank=True)
    fiches = models.ManyToManyField(
        "actions.Fiche", blank=True, related_name="meetings", verbose_name="fiches actions concernées"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "séance"
        ordering = ["date", "time", "id"]

    def __str__(self):
        return f"{self.title} ({self.date:%d/%m/%Y})"

    def get_absolute_url(self):
        return reverse("governance:meeting", args=[self.convention.slug, self.pk])

    def clean(self):
        check_same_convention(self.convention_id, body=self.body if self.body_id else None)

    @property
    def starts_at(self):
        """Aware start in the server's time zone (Europe/Paris), or None for an all-day meeting."""
        if self.time is None:
            return None
        return datetime.datetime.combine(self.date, self.time, tzinfo=timezone.get_default_timezone())

    @property
    def ends_at(self):
        start = self.starts_at
        if start is None:
            return None
        if self.end_time and self.end_time > self.time:
            return start.replace(hour=self.end_time.hour, minute=self.end_time.minute)
        return start + DEFAULT_DURATION


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name="séance")
    text = models.CharField("point", max_length=500)
    fiches = models.ManyToManyField(
        "actions.Fiche", blank=True, related_name="agenda_items", verbose_name="fiches actions présentées"
    )
    milestones = models.ManyToManyField(
        "evaluation.Milestone", blank=True, related_name="agenda_items", verbose_name="jalons présentés"
    )
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "point de l'ordre du jour"
        verbose_name_plural = "ordre du jour"
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class Participant(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants", verbose_name="séance")
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="participations",
        verbose_name="membre de l'instance", help_text="Vide : personne invitée.",
    )
    name = models.CharField("nom", max_length=150)
    organisation = models.CharField("organisation", max_length=200, blank=True)
    email = models.EmailField("courriel", blank=True)
    present = models.BooleanField("présent", null=True, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "participant"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    @property
    def is_guest(self):
        return self.member_id is None

    @property
    def reminder_email(self):
        return self.email or (self.member.email if self.member else "")


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name="séance")
    text = models.TextField("décision")
    fiche = models.ForeignKey(
        "actions.Fiche", on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions",
        verbose_name="fiche action concernée",
    )
    requires_avenant = models.BooleanField("appelle un avenant", default=False)
    avenant = models.ForeignKey(
        "conventions.Avenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions",
        verbose_name="avenant qui la met en œuvre",
    )
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "décision"
        ordering = ["position", "id"]

    def __str__(self):
        return self.text[:80]

    def clean(self):
        if self.meeting_id:
            check_same_convention(self.meeting.convention_id, fiche=self.fiche, avenant=self.avenant)


class CooperationOfficer(models.Model):
    """A chargé de coopération carrying the CTG; the Caf may finance the post (ETP)."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="cooperation_officers")
    name = models.CharField("nom", max_length=150)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="cooperation_officers",
        verbose_name="employeur",
    )
    scope = models.CharField("périmètre", max_length=20, choices=OfficerScope.choices)
    themes = models.JSONField("thématiques", default=list, blank=True)
    fte = models.DecimalField("ETP", max_digits=4, decimal_places=2, default=1, validators=[MinValueValidator(0), MaxValueValidator(10)])
    caf_funded = models.BooleanField("poste financé par la Caf", default=False)
    missions = models.TextField("missions", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "chargé de coopération"
        verbose_name_plural = "chargés de coopération"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


def new_token():
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret of a user's calendar subscription URL; resetting it revokes the old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token", verbose_name="utilisateur"
    )
    token = models.CharField("jeton", max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField("créé le", auto_now=True)

    class Meta:
        verbose_name = "abonnement agenda"
        verbose_name_plural = "abonnements agenda"

    def __str__(self):
        return f"Agenda de {self.user}"

    def reset(self):
        self.token = new_token()
        self.save(update_fields=["token", "created_at"])


class Reminder(models.Model):
    """A reminder e-mail already sent; `key` says what it was about, so it is never sent twice."""

    key = models.CharField("clé", max_length=200, unique=True)
    kind = models.CharField("type", max_length=20, choices=ReminderKind.choices)
    recipient = models.EmailField("destinataire")
    subject = models.CharField("objet", max_length=300)
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "rappel envoyé"
        verbose_name_plural = "rappels envoyés"
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.subject} → {self.recipient}"
