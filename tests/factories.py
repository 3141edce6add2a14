"""Factories for tests: a convention with its parties, a plan, and users holding each role."""

import datetime

import factory
from django.contrib.auth import get_user_model

from actions.enums import Theme, UpdateStatus
from actions.models import Axis, Fiche, FicheTheme, Indicator, Update
from conventions.enums import AvenantStatus, ConventionStatus, OrganisationKind, Role
from conventions.models import Article, Avenant, Convention, Membership, Organisation, Signatory
from evaluation.enums import MilestoneKind
from evaluation.models import Milestone
from governance.enums import BodyKind
from governance.models import Body, Meeting


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Communauté de communes n°{n}")
    kind = OrganisationKind.EPCI
    code = factory.Sequence(lambda n: f"2000{n:05d}")


class CafFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Caf n°{n}")
    kind = OrganisationKind.CAF
    # Not a real département's number: a Caf imported from a test document (the Eure's « 27 »)
    # never collides with one made here.
    code = factory.Sequence(lambda n: f"T{n:04d}")


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"ctg-{n}")
    title = factory.Sequence(lambda n: f"Convention territoriale globale n°{n}")
    caf = factory.SubFactory(CafFactory)
    start = datetime.date(2022, 1, 1)
    end = datetime.date(2026, 12, 31)
    status = ConventionStatus.SIGNEE
    signed_on = datetime.date(2022, 1, 1)
    preamble = "Les Caf sont nées de la volonté d'apporter une aide à toutes les familles."

    @factory.post_generation
    def collectivite(obj, create, extracted, **kwargs):
        """Every convention is signed by the Caf and one collectivité (pass one to reuse it)."""
        if not create:
            return
        Signatory.objects.create(convention=obj, organisation=obj.caf, representative="La directrice", capacity="Directrice", position=0)
        Signatory.objects.create(
            convention=obj, organisation=extracted or OrganisationFactory(), representative="Le président",
            capacity="Président", position=1,
        )


def collectivite_of(convention):
    return convention.signatories.exclude(organisation=convention.caf).first().organisation


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    convention = factory.SubFactory(ConventionFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    title = "Objet de la convention"
    body = "La présente convention a pour objet…"


class AxisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axis

    convention = factory.SubFactory(ConventionFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Axe stratégique {n + 1}")


class FicheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fiche
        skip_postgeneration_save = True

    axis = factory.SubFactory(AxisFactory)
    convention = factory.SelfAttribute("axis.convention")
    key = factory.Sequence(lambda n: f"fiche-{n}")
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Développer l'action {n}")
    avenant = None
    is_current = factory.LazyAttribute(lambda o: o.avenant is None)
    nature = ["nouvelle"]
    initial_diagnosis = "Constat partagé par les partenaires."
    target_public = "Familles du territoire"
    operational_objectives = "- Informer les familles.\n- Coordonner les acteurs."
    implementation = "Réunions trimestrielles."
    schedule = "2025-2026"
    start_year = 2025
    end_year = 2026
    lead = "Service enfance/jeunesse"
    partners = "Caf, Éducation nationale"
    expected_results = "Meilleure information."
    evaluation_indicators = "Nombre de familles accueillies."

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        if create:
            for position, theme in enumerate(extracted or [Theme.ENFANCE]):
                FicheTheme.objects.create(fiche=obj, theme=theme, position=position)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    fiche = factory.SubFactory(FicheFactory)
    key = factory.Sequence(lambda n: f"indicateur-{n}")
    name = "Nombre de familles accueillies"
    unit = "nombre"
    baseline = 0
    target = 100


class UpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Update

    fiche = factory.SubFactory(FicheFactory)
    period = "2026-T1"
    status = UpdateStatus.EN_COURS
    progress = 40
    comment = "Avancement conforme."
    author = "Coordinatrice CTG"
    updated_on = datetime.date(2026, 4, 2)


class AvenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Avenant

    convention = factory.SubFactory(ConventionFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"Avenant numéro {o.number} à la Convention territoriale globale")
    status = AvenantStatus.SIGNE
    effective_from = datetime.date(2025, 12, 15)
    signed_on = datetime.date(2025, 12, 15)


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    convention = factory.SubFactory(ConventionFactory)
    key = factory.Sequence(lambda n: f"instance-{n}")
    kind = BodyKind.COPIL
    name = "Comité de pilotage CTG"
    frequency = "Une à deux fois par an"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    body = factory.SubFactory(BodyFactory)
    convention = factory.SelfAttribute("body.convention")
    date = datetime.date(2026, 3, 12)
    title = "COPIL annuel"
    place = "Siège de la communauté de communes"


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    convention = factory.SubFactory(ConventionFactory)
    kind = MilestoneKind.BILAN_FINAL
    title = "Bilan final"
    start = datetime.date(2026, 9, 1)
    end = datetime.date(2026, 12, 31)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "demo")


def user_with_role(role, organisation, referent=False, **kwargs):
    user = UserFactory(**kwargs)
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=role, referent=referent)
    return user


def users_for(convention):
    """One user per role on `convention`, plus an outsider (Caf staff of another Caf)."""
    local = collectivite_of(convention)
    return {
        "caf": user_with_role(Role.CAF, convention.caf),
        "coordinateur": user_with_role(Role.COORDINATEUR, local),
        "elu": user_with_role(Role.ELU, local),
        "outsider": user_with_role(Role.CAF, CafFactory()),
    }
