"""The words of a CTG document, as the Word reader (`docx_reader`) recognises them: the boxes of a
fiche and their labels, thématiques, dates, numbered headings (« Article 1 : », « Axe 2 – »,
« Fiche action n°3 »), the préfecture stamp, the parties and their representatives. Text is
compared once `plain` (lowercase, without accents)."""

import re
from datetime import date

from ctg.text import fold

# The boxes of a fiche action, in the order of the canonical table (`templates/actions/_fiche_boxes.html`).
FICHE_BOXES = {
    "initial_diagnosis": "Diagnostic initial",
    "target_public": "Public cible",
    "operational_objectives": "Objectifs opérationnels",
    "implementation": "Modalités de mise en œuvre",
    "schedule": "Échéances de réalisation",
    "lead": "Services mobilisés et responsable de l'action",
    "expected_results": "Résultats attendus",
    "partners": "Partenaires sollicités",
    "evaluation_indicators": "Indicateurs d'évaluation",
    "funding": "Financements mobilisables",
    "referents": "Référents",
}
# The annexes whose text the convention keeps (the others are tables the application builds).
ANNEX_TEXTS = {1: "previous_evaluation", 2: "diagnosis_summary", 5: "governance_text", 6: "evaluation_text"}

# --- What a label looks like, once `plain` (lowercase, no accent) --------------------------------

# (words of a label as the seeds and the export write it, the box); the longest that matches wins.
LABELS = [
    ("diagnostic initial", "initial_diagnosis"),
    ("diagnostic", "initial_diagnosis"),
    ("public cible", "target_public"),
    ("publics cibles", "target_public"),
    ("public s cible s", "target_public"),
    ("le s public s cible s", "target_public"),
    ("le s public s cible", "target_public"),
    ("public vise", "target_public"),
    ("objectifs operationnels", "operational_objectives"),
    ("objectifs vises", "operational_objectives"),
    ("objectifs", "operational_objectives"),
    ("modalites de mise en oeuvre", "implementation"),
    ("descriptif de l action", "implementation"),
    ("descriptif", "implementation"),
    ("echeances de realisation", "schedule"),
    ("echeances", "schedule"),
    ("echeancier", "schedule"),
    ("calendrier potentiel principales etapes", "schedule"),
    ("calendrier", "schedule"),
    ("services mobilises et responsables de l action", "lead"),
    ("services mobilises et responsable de l action", "lead"),
    ("services mobilises et responsable", "lead"),
    ("services mobilises", "lead"),
    ("le pilote les partenaires le s public s cible", "lead"),
    ("pilote", "lead"),
    ("le pilote", "lead"),
    ("services mobilises partenaires sollicites", "partners"),
    ("partenaires sollicites", "partners"),
    ("partenaires", "partners"),
    ("les partenaires", "partners"),
    ("resultats attendus", "expected_results"),
    ("nous aurons reussi si resultats attendus et indicateurs d evaluation", "expected_results"),
    ("nous aurons reussi si", "expected_results"),
    ("indicateurs d evaluation", "evaluation_indicators"),
    ("indicateurs", "evaluation_indicators"),
    ("financements mobilisables", "funding"),
    ("financements", "funding"),
    ("financement", "funding"),
    ("referents de l action", "referents"),
    ("referents", "referents"),
    ("referent", "referents"),
]
LABEL_PATTERNS = sorted(
    ((re.compile(r"\s*" + r"\W+".join(words.split()) + r"(?![a-z0-9])"), box, len(words)) for words, box in LABELS),
    key=lambda item: -item[2],
)
# Labels that may also open a box inside a cell's text (« Pilote : … Partenaires : … »).
INLINE_LABELS = re.compile(
    r"(?:^|(?<=\s))(pilote|partenaires|public\W+cible|le\W*s\W*public\W*s\W*cible|echeances de realisation)\s*:",
)
INLINE_BOXES = {"pilote": "lead", "partenaires": "partners", "echeances de realisation": "schedule"}

THEMES = {
    "petite enfance": "petite_enfance", "enfance": "enfance", "jeunesse": "jeunesse", "parentalite": "parentalite",
    "acces aux droits": "acces_aux_droits", "animation de la vie sociale": "animation_vie_sociale",
    "animation vie sociale": "animation_vie_sociale", "avs": "animation_vie_sociale", "logement": "logement",
    "handicap": "handicap", "insertion": "insertion", "mobilite": "mobilite", "habitat": "habitat",
    "numerique": "numerique", "cohesion sociale": "cohesion_sociale", "sante": "sante", "autre": "autre",
}
NATURES = {
    "projet phare": "phare", "experimentale": "experimentale", "experimental": "experimentale",
    "nouvelle action": "nouvelle", "action nouvelle": "nouvelle", "action existante": "existante",
}
# Lines the export writes where a text is empty: nothing to import.
PLACEHOLDERS = {
    "non renseignee.", "non precises.", "non precisees", "non precisees.", "aucun enjeu enregistre.",
    "aucune deliberation enregistree.", "—",
}

MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
DATE = r"(\d{1,2}/\d{1,2}/\d{4}|\d{1,2}(?:er)?\s+(?:" + "|".join(MONTHS) + r")\s+\d{4})"
PERIOD = re.compile(r"\bdu\s+" + DATE + r"\s+(?:au|jusqu'au)\s+" + DATE)
EFFECT = re.compile(r"a compter du\s+" + DATE + r".{0,80}?jusqu'au\s+" + DATE)
YEARS = re.compile(r"\b(20\d\d)\s*(?:-|–|—|/|a)\s*(20\d\d)\b")

NUMBER = r"\s*(?:n°|no|#)?\s*(\d+(?:\.\d+)*(?:er)?|premier)?\s*([:.|\-–—]+)?\s*(.*)$"
ARTICLE_LINE = re.compile(r"^\s*art(?:icle|\.)" + NUMBER)
ANNEX_LINE = re.compile(r"^\s*annexe\b\s*(?:n°\s*)?(\d+|[ivx]+)?\s*([:.|\-–—]+)?\s*(.*)$")
AXIS_LINE = re.compile(r"^\s*axe(?:\s+strategique)?" + NUMBER)
OBJECTIVE_LINE = re.compile(r"^\s*objectif\s+(?:n°\s*)?(\d+)\.(\d+)\s*[:.|\-–—]+\s*(.+)$")
FICHE_LINE = re.compile(r"^\s*fiches?[\s-]+actions?" + NUMBER)
ACTION_LINE = re.compile(r"^\s*action" + NUMBER)
THEME_LINE = re.compile(r"^\s*th(?:ematiques?|emes?)\s*:\s*(.*)$")
FACT = re.compile(r"^\s*(nature|plan communal|coordination|origine)\s*:\s*(.*)$")
SIGNED = re.compile(r"^\s*fait\s+(?:en\s+\S+\s+exemplaires?,?\s+)?a\s+([^,]+?),?\s+le\b\s*" + DATE + "?")
ACT_ID = r"(\d{2,3}[a-z]?-[0-9a-z]+-\d{8}-[0-9a-z_-]+)"
STAMP = [
    ("sent_on", re.compile(r"envoye en prefecture le\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})?")),
    ("received_on", re.compile(r"recu en prefecture le\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})?")),
    ("published_on", re.compile(r"publie le\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})?")),
    ("act_id", re.compile(r"\bid\s*:\s*(?::\s*)?" + ACT_ID)),
]
CHECKED = "☒☑✓✔■✗✘"
BOXES_MARKS = CHECKED + "☐□"

PARTY_KINDS = [
    (re.compile(r"caisse d'allocations familiales|^caf\b"), "caf"),
    (re.compile(r"communaute (?:de communes|d'agglomeration|urbaine)|metropole|\bagglo\b|\bepci\b|syndicat"), "epci"),
    (re.compile(r"departement|conseil departemental"), "departement"),
    (re.compile(r"mutualite sociale agricole|^msa\b"), "msa"),
    (re.compile(r"^(?:commune|ville|mairie)\b"), "commune"),
]
CIVILITY = re.compile(r"^(?:m\.|mme|mlle|monsieur|madame|mr)\s", re.IGNORECASE)
ARTICLE_WORDS = re.compile(r"^(?:le|la|les|l'|son|sa|ses|leur|notre)\s*", re.IGNORECASE)

IGNORED_HEADINGS = ("sommaire", "table des matieres", "portrait de territoire", "synoptique",
                    "charges de cooperation", "schema de maintien et de developpement")
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7}
# An annex is known by its title first (an avenant's « Annexe 2 » may be the convention's 5th).
ANNEX_TOPICS = (("precedente", 1), ("ancienne ctg", 1), ("diagnostic", 2), ("equipements", 3), ("plan d'action", 4),
                ("fiches actions", 4), ("pilotage", 5), ("evaluation", 6), ("deliberation", 7))


def parse_date(text):
    """A date written « 15/12/2025 », « 15 décembre 2025 » or « 1er janvier 2026 », or None."""
    text = fold(text).strip()
    if match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        day, month, year = (int(g) for g in match.groups())
    elif match := re.fullmatch(r"(\d{1,2})(?:er)?\s+([a-z]+)\s+(\d{4})", text):
        day, month, year = int(match.group(1)), MONTHS.get(match.group(2)), int(match.group(3))
    else:
        return None
    try:
        return date(year, month, day)
    except (TypeError, ValueError):
        return None


def cut(text, plain_end):
    """The index in `text` where its `plain` form reaches `plain_end` characters."""
    count = 0
    for index, char in enumerate(text):
        if count >= plain_end:
            return index
        count += len(fold(char))
    return len(text)


def numbered(pattern, folded):
    """A match of a numbered heading pattern (`NUMBER`): a number, or a separator before any words."""
    match = pattern.match(folded)
    if match is None:
        return None
    number, separator, rest = match.group(1), match.group(2), match.group(3)
    if rest and not (number or separator):
        return None
    return match


def rest_after(text, match, group=3):
    return text[cut(text, match.start(group)):].strip() if match.group(group) else ""


def match_label(para):
    """(box, text after the label) when the paragraph opens with a fiche label, else None. What
    follows the label counts when a colon parts them (« Échéances de réalisation : 2026 »); a
    parenthesis that only explains the label (« Diagnostic initial (extrait…) ») does not."""
    text = para.text
    if len(text) > 150:
        return None
    folded = fold(text)
    for pattern, box, _ in LABEL_PATTERNS:
        if match := pattern.match(folded):
            rest = text[cut(text, match.end()):].strip()
            if re.fullmatch(r"\(.*\)", rest) or not re.search(r"\w", rest):
                return box, ""
            if rest.startswith(":") or para.bold:
                return box, re.sub(r"^[:\-–—…./]+\s*", "", rest)
            return None
    return None


def strip_stamp(text, stamp):
    """`text` without the préfecture stamp lines it holds (`002_…` repeats them on every page),
    recording their values in `stamp` (the first of each kind)."""
    folded = fold(text)
    stamped = "prefecture" in folded or re.search(ACT_ID, folded)
    if not stamped and not re.fullmatch(r"publie le\s*:?\s*(\d{1,2}/\d{1,2}/\d{4})?", folded.strip()):
        return text
    spans = []
    for key, pattern in STAMP:
        for match in pattern.finditer(folded):
            value = match.group(1)
            if key == "act_id":
                value = text[cut(text, match.start(1)):cut(text, match.end(1))]
            elif value:
                value = parse_date(value)
            if value and key not in stamp:
                stamp[key] = value
            spans.append((match.start(), match.end()))
    if not spans:
        return text
    kept, last = [], 0
    for start, end in sorted(spans):
        if start >= last:
            kept.append(text[cut(text, last):cut(text, start)])
            last = end
    kept.append(text[cut(text, last):])
    return re.sub(r"\s+", " ", " ".join(kept)).strip(" ;,")


def party_kind(name):
    folded = fold(name)
    for pattern, kind in PARTY_KINDS:
        if pattern.search(folded):
            return kind
    return "autre"


def clean_name(name):
    """« La Communauté de communes Roumois Seine » → « Communauté de communes Roumois Seine »."""
    name = re.sub(r"\*+", "", name).strip(" ,;:")
    return re.sub(r"^(?:[Ll]a|[Ll]es?)\s+(?=[A-ZÉÈÀ])|^[Ll]['’](?=[A-ZÉÈÀ])", "", name).strip()


def _capacity(text):
    text = ARTICLE_WORDS.sub("", text.strip(" ,;")).strip()
    return text[:1].upper() + text[1:]


def parse_representatives(text):
    """[(name, capacity)] of « représentée par le Président …, M. Philippe CHARPIN et par Mme Aurore
    VERNIEUWE, sa directrice, dûment autorisés … », or of our export's « Philippe Charpin,
    président, par … et par … » (the name first)."""
    folded = fold(text)
    start = re.search(r"represente(?:e|s|es)?\s+par\s+", folded)
    if not start:
        return []
    end = re.search(r",?\s*(?:dument|agissant|autorise|habilite)", folded[start.end():])
    part = text[cut(text, start.end()): cut(text, start.end() + end.start()) if end else len(text)]
    segments = re.split(r"\s+et\s+par\s+|,\s*par\s+|\s+et\s+(?=(?:M\.|Mme|Monsieur|Madame)\s)", part)
    representatives = []
    for segment in segments:
        pieces = [piece.strip(" ;.") for piece in segment.split(",") if piece.strip(" ;.")]
        if not pieces:
            continue
        named = [i for i, piece in enumerate(pieces)
                 if CIVILITY.match(piece) or (re.search(r"\b[A-ZÉÈ]{2,}\b", piece) and not ARTICLE_WORDS.match(piece))]
        if not named and len(pieces) == 1:
            representatives.append(("", _capacity(pieces[0])))  # « le Maire »: a capacity, no name
            continue
        at = named[0] if named else 0
        capacity = ", ".join(piece for i, piece in enumerate(pieces) if i != at)
        representatives.append((pieces[at], _capacity(capacity)))
    return representatives
