"""Read an instance's expected frequency ("Une à deux fois par an", "Trimestrielle"…) as a number of
meetings per year, the minimum the convention commits to.

None means the text says nothing usable ("Selon le calendrier des séances"); 0 means no regular
rhythm ("Ponctuelle", "à la demande") or less than once a year: such instances are never flagged.
"""

import re

from ctg.text import fold

from .enums import BodyKind

NUMBERS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
}
PER_YEAR = {"an": 1, "annee": 1, "semestre": 2, "trimestre": 4, "mois": 12, "semaine": 52}
ADJECTIVES = [
    (r"\b(bi|pluri)annuel", None),  # "biannuel" is ambiguous (twice a year / every two years)
    (r"\bbisannuel|\bbiennal|tous les deux ans|tous les 2 ans", 0),
    (r"\bannuel|\bchaque annee|\bune fois l'an\b", 1),
    (r"\bsemestriel|\bchaque semestre|tous les six mois|tous les 6 mois", 2),
    (r"\btrimestriel|\bchaque trimestre|tous les trois mois|tous les 3 mois", 4),
    (r"\bbimestriel|tous les deux mois|tous les 2 mois", 6),
    (r"\bmensuel|\bchaque mois|tous les mois", 12),
    (r"\bhebdomadaire|chaque semaine|toutes les semaines", 52),
    (r"\bponctuel|a la demande|au besoin|si besoin|selon les besoins|en tant que de besoin", 0),
]
NUMBER = r"\b(\d+|" + "|".join(NUMBERS) + r")\b"
# "une à deux fois par an", "2 à 3 réunions par an", "trois fois par an", "1 session annuelle"
COUNT_PER = re.compile(
    NUMBER + r"(?:\s*(?:a|ou|-)\s*" + NUMBER + r")?\s*(?:fois|reunions?|seances?|sessions?|rencontres?)?\s*"
    r"(?:par|/|l')\s*(an|annee|semestre|trimestre|mois|semaine)\b"
)
COUNT_ADJECTIVE = re.compile(NUMBER + r"\s*(?:fois|reunions?|seances?|sessions?|rencontres?)\s+(annuel|semestriel|trimestriel|mensuel)")
ADJECTIVE_PERIOD = {"annuel": 1, "semestriel": 2, "trimestriel": 4, "mensuel": 12}

# When the convention gives no frequency, what the seeds say of the instance (`002_…` Article 4:
# points d'étape annuels en comité de pilotage; `004_…`: one séminaire partenarial a year).
KIND_DEFAULTS = {BodyKind.COPIL: 1, BodyKind.SEMINAIRE_PARTENARIAL: 1}


def _number(word):
    return int(word) if word.isdigit() else NUMBERS[word]


def expected_per_year(frequency, kind=""):
    """The minimum number of meetings a year the frequency text commits to, or None."""
    text = fold(frequency or "").strip()
    if not text:
        return KIND_DEFAULTS.get(kind)
    if match := COUNT_PER.search(text):
        low = _number(match.group(1))
        return low * PER_YEAR[match.group(3)]
    if match := COUNT_ADJECTIVE.search(text):
        return _number(match.group(1)) * ADJECTIVE_PERIOD[match.group(2)]
    for pattern, value in ADJECTIVES:
        if re.search(pattern, text):
            return value
    return None
