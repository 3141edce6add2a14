from django.db import models


class OrganisationKind(models.TextChoices):
    CAF = "caf", "Caf"
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"
    DEPARTEMENT = "departement", "Conseil départemental"
    MSA = "msa", "MSA"
    ARS = "ars", "ARS"
    ETAT = "etat", "État"
    EDUCATION_NATIONALE = "education_nationale", "Éducation nationale"
    ASSOCIATION = "association", "Association"
    AUTRE = "autre", "Autre"


class ConventionStatus(models.TextChoices):
    PREPARATION = "preparation", "En préparation"
    SIGNEE = "signee", "Signée"
    RENOUVELLEMENT = "renouvellement", "En renouvellement"
    ECHUE = "echue", "Échue"
    ABANDONNEE = "abandonnee", "Abandonnée"


# Statuses of a convention that has been signed: its text is contractual (`Convention.is_signed`).
SIGNED_STATUSES = (ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT, ConventionStatus.ECHUE)


class AvenantStatus(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    SIGNE = "signe", "Signé"


class OperationKind(models.TextChoices):
    ADD_FICHE = "add_fiche", "Ajouter une fiche action"
    REPLACE_FICHE = "replace_fiche", "Modifier une fiche action"
    ABROGATE_FICHE = "abrogate_fiche", "Abroger une fiche action"
    AMEND_ARTICLE = "amend_article", "Modifier un article"
    ADD_EQUIPMENT = "add_equipment", "Ajouter un équipement"
    ABROGATE_EQUIPMENT = "abrogate_equipment", "Abroger un équipement"
    AMEND_ANNEX = "amend_annex", "Modifier une annexe"


class AmendMode(models.TextChoices):
    REPLACE = "replace", "Remplacer"
    COMPLETE = "complete", "Compléter"


class TerritoryLevel(models.TextChoices):
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"
    DEPARTEMENT = "departement", "Département"


class EquipmentKind(models.TextChoices):
    EAJE_PSU = "eaje_psu", "EAJE PSU"
    EAJE_MICRO_CRECHE_PAJE = "eaje_micro_creche_paje", "Micro-crèche Paje"
    ASSISTANTS_MATERNELS_MAM = "assistants_maternels_mam", "Assistants maternels / MAM"
    RPE = "rpe", "Relais petite enfance (RPE)"
    MAISON_1000_JOURS = "maison_1000_jours", "Maison des 1000 premiers jours"
    DISPOSITIF_PASSERELLE = "dispositif_passerelle", "Dispositif passerelle"
    LAEP = "laep", "Lieu d'accueil enfants-parents (LAEP)"
    SOUTIEN_PARENTALITE = "soutien_parentalite", "Action de soutien à la parentalité"
    CLAS = "clas", "Clas"
    ALSH_PERISCOLAIRE = "alsh_periscolaire", "ALSH périscolaire"
    ALSH_EXTRASCOLAIRE = "alsh_extrascolaire", "ALSH extrascolaire"
    ACCUEIL_JEUNES = "accueil_jeunes", "Accueil de jeunes"
    CENTRE_SOCIAL_EVS = "centre_social_evs", "Centre social / EVS"
    AUTRE = "autre", "Autre"


class SppeKind(models.TextChoices):
    EAJE_PSU = "eaje_psu", "EAJE PSU"
    EAJE_MC_PAJE = "eaje_mc_paje", "EAJE micro-crèche Paje"
    MAM = "mam", "MAM"
    RPE = "rpe", "RPE"
    DISPOSITIF_PASSERELLE = "dispositif_passerelle", "Dispositif passerelle"


class Projection(models.TextChoices):
    MAINTIEN_SANS_DIFFICULTE = "maintien_sans_difficulte", "Maintien sans difficulté"
    MAINTIEN_AVEC_DIFFICULTE = "maintien_avec_difficulte", "Maintien avec difficulté"
    FERMETURE = "fermeture", "Fermeture de places"
    CREATION = "creation", "Création de places"
    DEVELOPPEMENT = "developpement", "Développement de places"


class InvestmentType(models.TextChoices):
    RENOVATION = "renovation", "Rénovation"
    CONSTRUCTION = "construction", "Construction"
    TRANSPLANTATION = "transplantation", "Transplantation"
    AMENAGEMENT = "amenagement", "Aménagement"
    EXTENSION = "extension", "Extension"


class Role(models.TextChoices):
    CAF = "caf", "Caf (chargé de coopération, conseiller)"
    COORDINATEUR = "coordinateur", "Coordinateur CTG de la collectivité"
    ELU = "elu", "Élu"


# Annexes of the convention document, in order (`003_…`).
ANNEX_TITLES = {
    1: "Évaluation de la précédente CTG",
    2: "Diagnostic partagé",
    3: "Équipements et services soutenus",
    4: "Plan d'actions et fiches actions",
    5: "Pilotage stratégique et opérationnel, suivi",
    6: "Modalités d'évaluation",
    7: "Délibérations",
}
