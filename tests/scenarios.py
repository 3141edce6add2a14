"""Scenarios the tests of several apps build on; conftest.py offers each as a fixture."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from actions.models import IndicatorValue, Objective
from conventions.enums import AvenantStatus, OperationKind
from conventions.models import (
    Article,
    Commune,
    Deliberation,
    DiagnosisIndicator,
    DiagnosisIssue,
    Equipment,
    Operation,
    Signatory,
    SppeRow,
    Visa,
)
from conventions.originals import original_attach
from evaluation.models import Bilan
from governance.models import AgendaItem, CooperationOfficer, Decision, Member, Participant
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    MeetingFactory,
    MilestoneFactory,
    UpdateFactory,
    collectivite_of,
    users_for,
)
from tests.helpers import blank_pdf

# --- The Roumois Seine avenant n°2, in print: tests/conventions|actions|documents/test_*.py -----

def plan_002_amends():
    """The plan `002_…` amends: a passerelles fiche to replace, an aller-vers fiche to abrogate."""
    convention = ConventionFactory(title="Convention territoriale globale de la Communauté de communes Roumois Seine")
    caf = convention.caf
    Signatory.objects.filter(convention=convention, organisation=caf).update(
        representative="Philippe CHARPIN", capacity="Président du conseil d'administration"
    )
    Signatory.objects.create(convention=convention, organisation=caf, representative="Aurore VERNIEUWE",
                             capacity="Directrice", position=0)
    Signatory.objects.exclude(organisation=caf).filter(convention=convention).update(
        representative="Sylvain BONENFANT", capacity="Président"
    )
    old = FicheFactory(axis__convention=convention, number=3, key="passerelles-structures",
                       title="Développer les passerelles entre les structures")
    abrogated = FicheFactory(axis=old.axis, number=5, key="aller-vers",
                             title="Aller vers les familles éloignées des services")
    return convention, old, abrogated


def sign_avenant_2_with_its_text(convention, old, abrogated, status=AvenantStatus.SIGNE):
    """As tests/conventions/test_in_force.py: abrogate one fiche, replace one, add one; with its own
    text (visas, preamble, articles, place of signature, préfecture stamp)."""
    avenant = AvenantFactory(
        convention=convention, number=2, status=status, effective_from=datetime.date(2025, 12, 15),
        effective_until=datetime.date(2026, 12, 31), signed_at="Bourg-Achard",
        signed_on=datetime.date(2025, 12, 15) if status == AvenantStatus.SIGNE else None,
        preamble="Afin de tenir compte du nouveau cadre réglementaire, la convention est modifiée.",
        prefecture_sent_on=datetime.date(2025, 12, 19), prefecture_act_id="027-200066405-20251215-CC_201_2025-DE",
    )
    new = FicheFactory(axis=old.axis, number=3, key="passerelles-2026", avenant=avenant, previous_version=old,
                       title="Développer les passerelles",
                       initial_diagnosis="Les temps scolaires et périscolaires restent cloisonnés.",
                       implementation="Expérimentation sur une structure unique d'accueil de loisirs.")
    added = FicheFactory(axis=old.axis, number=7, key="observatoire-alsh", avenant=avenant,
                         title="Réaliser un observatoire de la qualité d'accueil des centres de loisirs",
                         target_public="Les ALSH et périscolaires de la communauté de communes",
                         partners="CEMEA, Francas")
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.ABROGATE_FICHE, target_fiche=abrogated)
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.REPLACE_FICHE, target_fiche=old, fiche=new)
    Operation.objects.create(avenant=avenant, position=2, op=OperationKind.ADD_FICHE, fiche=added)
    Visa.objects.create(convention=convention, avenant=avenant, position=0,
                        text="Vu la loi du 18 décembre 2023 pour le plein emploi ;")
    Article.objects.create(convention=convention, avenant=avenant, number="4", position=0,
                           title="Suivi, bilan et évaluation",
                           body="Un tableau de suivi partagé est mis en place dès le démarrage de la CTG.")
    Article.objects.create(convention=convention, avenant=avenant, number="5", position=1,
                           title="Incidences de l'avenant sur la convention",
                           body="Toutes les clauses de la convention initiale restent applicables.")
    return avenant


def tracked_fiche():
    """A fiche with two indicators and three quarters of tracking, the last one an unconfirmed copy."""
    fiche = FicheFactory(title="Développer les passerelles", operational_objectives="- Tester une organisation.")
    indicator = IndicatorFactory(fiche=fiche, name="Nombre de formations organisées", unit="nombre", baseline=0, target=4)
    IndicatorFactory(fiche=fiche, name="Nombre de structures ayant adapté leurs pratiques", target=3)
    UpdateFactory(fiche=fiche, period="2025-T4", status="non_demarree", progress=0)
    update = UpdateFactory(fiche=fiche, period="2026-T1", status="en_cours", progress=20,
                           comment="Structure pilote retenue.", updated_on=datetime.date(2026, 4, 2))
    IndicatorValue.objects.create(update=update, indicator=indicator, value=1)
    # Copied into the next quarter and not confirmed yet: not the latest news.
    copied = UpdateFactory(fiche=fiche, period="2026-T2", status="en_cours", progress=20, copied_from="2026-T1",
                           comment="Recopié du trimestre précédent.", updated_on=datetime.date(2026, 7, 1))
    IndicatorValue.objects.create(update=copied, indicator=indicator, value=1)
    return fiche


def bilan_of_four_actions():
    """Two axes, four actions: A réalisée, B en cours 50 %, C reportée 20 %, D without tracking."""
    convention = ConventionFactory()
    axis1 = AxisFactory(convention=convention, number=1, title="Petite enfance")
    axis2 = AxisFactory(convention=convention, number=2, title="Jeunesse")
    a = FicheFactory(axis=axis1, number=1, key="a")
    b = FicheFactory(axis=axis1, number=2, key="b")
    c = FicheFactory(axis=axis2, number=3, key="c", themes=["jeunesse"])
    FicheFactory(axis=axis2, number=4, key="d", themes=["jeunesse"])
    UpdateFactory(fiche=a, period="2025-T4", status="realisee", progress=100)
    UpdateFactory(fiche=b, period="2026-T1", status="en_cours", progress=50)
    UpdateFactory(fiche=c, period="2026-T1", status="reportee", progress=20)
    return Bilan.objects.create(
        convention=convention, kind="intermediaire", start=datetime.date(2024, 7, 1), end=datetime.date(2026, 3, 31),
        realisations="Le relais petite enfance a ouvert une **permanence** à Bourgtheroulde.",
        territorial_changes="Les familles trouvent une place d'accueil plus près de chez elles.",
        approach="Le COPIL s'est réuni deux fois par an.",
        early_childhood="Le taux de couverture progresse.",
    )


# --- Every model: the admin tests --------------------------------------------------------------

def full_convention():
    """A convention holding a row of every model of the four apps."""
    convention = ConventionFactory()
    local = collectivite_of(convention)
    caf_user = users_for(convention)["caf"]
    Commune.objects.create(convention=convention, name="Bourg-Achard", insee="27089", population=2900)
    Visa.objects.create(convention=convention, text="Vu les articles L. 263-1 et suivants du code de la sécurité sociale")
    ArticleFactory(convention=convention, number="1", title="Objet de la convention")

    axis = AxisFactory(convention=convention)
    objective = Objective.objects.create(axis=axis, number=1, title="Mieux informer les familles")
    fiche = FicheFactory(axis=axis, objective=objective, title="Créer un guichet unique des familles",
                         themes=["enfance", "parentalite"])
    fiche.lead_organisations.add(local)
    indicator = IndicatorFactory(fiche=fiche, name="Familles accompagnées")
    update = UpdateFactory(fiche=fiche, period="2026-T1")
    IndicatorValue.objects.create(update=update, indicator=indicator, value=12)

    avenant = AvenantFactory(convention=convention, number=1)
    Visa.objects.create(convention=convention, avenant=avenant, text="Vu la convention signée le 1er janvier 2022")
    Article.objects.create(convention=convention, avenant=avenant, number="1", title="Modifications apportées")
    new = FicheFactory(axis=axis, avenant=avenant, previous_version=fiche, title="Créer un guichet unique élargi")
    equipment = Equipment.objects.create(convention=convention, key="rpe", kind="rpe", name="RPE du Roumois",
                                         funded_by=local, caf_funding=12000)
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.REPLACE_FICHE, target_fiche=fiche, fiche=new)
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.ABROGATE_EQUIPMENT,
                             target_equipment=equipment)

    DiagnosisIndicator.objects.create(convention=convention, territory="27089", level="commune",
                                      indicator="Naissances", year=2024, value=31)
    DiagnosisIssue.objects.create(convention=convention, text="Renforcer l'offre d'accueil du jeune enfant")
    SppeRow.objects.create(convention=convention, kind="eaje_psu", name="Crèche Les Lutins", current_places=24)
    Deliberation.objects.create(convention=convention, body="Conseil communautaire", number="CC_201_2025",
                                date=datetime.date(2025, 12, 15), title="Avenant n°1 à la CTG")
    for act, pages in ((convention, 2), (avenant, 1)):
        original_attach(act, SimpleUploadedFile("original-signe.pdf", blank_pdf(pages)), by=caf_user)

    meeting = MeetingFactory(body__convention=convention)
    meeting.fiches.add(fiche)
    Member.objects.create(body=meeting.body, name="Mme Martin", organisation="Caf de l'Eure")
    AgendaItem.objects.create(meeting=meeting, text="Point d'étape annuel")
    Participant.objects.create(meeting=meeting, name="M. Durand", present=True)
    Decision.objects.create(meeting=meeting, text="Le plan d'actions est validé.")
    CooperationOfficer.objects.create(convention=convention, name="Claire Petit", organisation=local,
                                      scope="territorial", themes=["enfance"], caf_funded=True)
    MilestoneFactory(convention=convention, body=meeting.body)
    Bilan.objects.create(convention=convention, kind="final", start=convention.start, end=convention.end,
                         realisations="Ouverture d'une micro-crèche.")
    return convention


# --- Sizes: the query count tests ---------------------------------------------------------------

def grow_plan(convention, count):
    """`count` fiches, each with an update, an indicator, a meeting of its own instance (every
    other one still to come) and a milestone (every other one late): every panel is filled."""
    today = timezone.localdate()
    axes = [AxisFactory(convention=convention) for _ in range(3)]
    for i in range(count):
        fiche = FicheFactory(axis=axes[i % 3], themes=["enfance", "jeunesse"])
        UpdateFactory(fiche=fiche)
        IndicatorFactory(fiche=fiche)
        when = today + datetime.timedelta(days=i + 1) if i % 2 else datetime.date(2024, 3, 12)
        MeetingFactory(body__convention=convention, date=when).fiches.add(fiche)
        end = today + datetime.timedelta(days=10 + i) if i % 2 else today - datetime.timedelta(days=10 + i)
        MilestoneFactory(convention=convention, title=f"Point d'étape {i}", start=end - datetime.timedelta(days=30),
                         end=end)



# --- Search: tests/search/ ---------------------------------------------------------------------

def word_everywhere(convention, word):
    """`word` in every text a search reads of `convention`: its title, preamble, an article and a
    visa; a fiche in force and the version a draft avenant proposes; that avenant's title and an
    operation; a séance's title, ordre du jour, décision and compte-rendu. Returns the fiche."""
    convention.title = f"{convention.title} {word}"
    convention.preamble = f"Préambule : {word}."
    convention.save()
    ArticleFactory(convention=convention, number="3", title="Suivi", body=f"Le comité suit {word}.")
    Visa.objects.create(convention=convention, text=f"Vu la délibération {word}")
    fiche = FicheFactory(axis__convention=convention, implementation=f"Réunions {word}.")
    avenant = AvenantFactory(convention=convention, status=AvenantStatus.BROUILLON, title=f"Avenant {word}")
    proposed = FicheFactory(axis=fiche.axis, avenant=avenant, previous_version=fiche, number=fiche.number,
                            title=f"Version proposée {word}")
    Operation.objects.create(avenant=avenant, position=0, op=OperationKind.REPLACE_FICHE, target_fiche=fiche,
                             fiche=proposed)
    Operation.objects.create(avenant=avenant, position=1, op=OperationKind.AMEND_ARTICLE, article_number="3",
                             mode="complete", body=f"Le comité se réunit pour {word}.")
    meeting = MeetingFactory(body__convention=convention, title=f"COPIL {word}", minutes=f"Compte-rendu : {word}.")
    AgendaItem.objects.create(meeting=meeting, text=f"Point sur {word}")
    Decision.objects.create(meeting=meeting, text=f"Le COPIL valide {word}.")
    return fiche
