from django.db import models


class Theme(models.TextChoices):
    PETITE_ENFANCE = "petite_enfance", "Petite enfance"
    ENFANCE = "enfance", "Enfance"
    JEUNESSE = "jeunesse", "Jeunesse"
    PARENTALITE = "parentalite", "Parentalité"
    ACCES_AUX_DROITS = "acces_aux_droits", "Accès aux droits"
    ANIMATION_VIE_SOCIALE = "animation_vie_sociale", "Animation de la vie sociale"
    LOGEMENT = "logement", "Logement"
    HANDICAP = "handicap", "Handicap"
    INSERTION = "insertion", "Insertion"
    MOBILITE = "mobilite", "Mobilité"
    HABITAT = "habitat", "Habitat"
    NUMERIQUE = "numerique", "Numérique"
    COHESION_SOCIALE = "cohesion_sociale", "Cohésion sociale"
    SANTE = "sante", "Santé"
    AUTRE = "autre", "Autre"


# The four themes every CTG covers, and the complementary ones of which it needs at least one.
MANDATORY_THEMES = (Theme.PETITE_ENFANCE, Theme.ENFANCE, Theme.JEUNESSE, Theme.PARENTALITE)
COMPLEMENTARY_THEMES = (Theme.ACCES_AUX_DROITS, Theme.ANIMATION_VIE_SOCIALE)


class Nature(models.TextChoices):
    PHARE = "phare", "Projet phare"
    EXPERIMENTALE = "experimentale", "Expérimentale"
    NOUVELLE = "nouvelle", "Nouvelle action"
    EXISTANTE = "existante", "Action existante"


class UpdateStatus(models.TextChoices):
    NON_DEMARREE = "non_demarree", "Non démarrée"
    EN_COURS = "en_cours", "En cours"
    REALISEE = "realisee", "Réalisée"
    REPORTEE = "reportee", "Reportée"
    ABANDONNEE = "abandonnee", "Abandonnée"
