from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse

from conventions.models import Convention, Organisation

from .enums import BodyKind, OfficerScope


class BodyQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(convention__in=Convention.objects.for_user(user))


class Body(models.Model):
    """A governance instance: COPIL, COTECH, commission, groupe de travail…"""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="bodies")
    key = models.SlugField("clé", max_length=100)
    kind = models.CharField("type", max_length=30, choices=BodyKind.choices)
    name = models.CharField("nom", max_length=200)
    composition = models.TextField("composition", blank=True)
    frequency = models.CharField("fréquence", max_length=150, blank=True, help_text="Une à deux fois par an…")
    animators = models.CharField("animation", max_length=300, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    objects = BodyQuerySet.as_manager()

    class Meta:
        verbose_name = "instance"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["convention", "key"], name="body_unique_key")]

    def __str__(self):
        return self.name


class Member(models.Model):
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="members", verbose_name="instance")
    name = models.CharField("nom", max_length=150)
    organisation = models.CharField("organisation", max_length=200, blank=True)
    role = models.CharField("rôle", max_length=150, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "membre"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class MeetingQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(convention__in=Convention.objects.for_user(user))


class Meeting(models.Model):
    """A séance of an instance: ordre du jour, participants, decisions, compte-rendu."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="meetings")
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="meetings", verbose_name="instance")
    date = models.DateField("date")
    time = models.TimeField("heure", null=True, blank=True, help_text="Vide : toute la journée.")
    title = models.CharField("titre", max_length=300)
    place = models.CharField("lieu", max_length=300, blank=True)
    minutes = models.TextField("compte-rendu", blank=True)
    fiches = models.ManyToManyField(
        "actions.Fiche", blank=True, related_name="meetings", verbose_name="fiches actions concernées"
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "séance"
        ordering = ["date", "time", "id"]

    def __str__(self):
        return f"{self.title} ({self.date:%d/%m/%Y})"

    def get_absolute_url(self):
        return reverse("conventions:detail", args=[self.convention.slug]) + f"#seance-{self.pk}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name="séance")
    text = models.CharField("point", max_length=500)
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "point de l'ordre du jour"
        verbose_name_plural = "ordre du jour"
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class Participant(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants", verbose_name="séance")
    name = models.CharField("nom", max_length=150)
    organisation = models.CharField("organisation", max_length=200, blank=True)
    present = models.BooleanField("présent", null=True, blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "participant"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name="séance")
    text = models.TextField("décision")
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "décision"
        ordering = ["position", "id"]

    def __str__(self):
        return self.text[:80]


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
    fte = models.DecimalField("ETP", max_digits=4, decimal_places=2, default=1, validators=[MaxValueValidator(10)])
    caf_funded = models.BooleanField("poste financé par la Caf", default=False)
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "chargé de coopération"
        verbose_name_plural = "chargés de coopération"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name
