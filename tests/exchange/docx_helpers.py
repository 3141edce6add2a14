"""Word documents for the import tests, written with python-docx as Word would: styled or bold
headings, paragraphs, lists, tables with merged cells, page breaks.

`build_docx(*items)` takes strings (plain paragraphs) and the items below; `realistic_docx()` is a
convention written from the seeds' text (`002_…`'s body, fiches in the layouts of `001_…`,
`002_…` and `003_…`), the one kept under tests/data/."""

import io
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.enum.text import WD_BREAK

from tests.helpers import DATA_DIR

REALISTIC_PATH = DATA_DIR / "ctg-lieuvin-pays-d-auge.docx"


@dataclass
class H:
    """A styled heading (Titre 1, 2…)."""

    text: str
    level: int = 1


@dataclass
class B:
    """A paragraph in bold (a heading written by hand)."""

    text: str


@dataclass
class L:
    """A bulleted (or numbered) list item."""

    text: str
    numbered: bool = False


@dataclass
class T:
    """A table: rows of cells, a cell being a string or a list of paragraphs (strings; `B`).
    `merges`: ((row, col), (row, col)) corners of merged cells; `bold_labels`: write the
    cells given in `labels` in bold, as a header."""

    rows: list
    merges: list = field(default_factory=list)


class PageBreak:
    pass


def _write(paragraph, item):
    if isinstance(item, B):
        paragraph.add_run(item.text).bold = True
    else:
        paragraph.add_run(item)


def build_docx(*items):
    document = Document()
    for item in items:
        if isinstance(item, H):
            document.add_heading(item.text, level=item.level)
        elif isinstance(item, L):
            document.add_paragraph(item.text, style="List Number" if item.numbered else "List Bullet")
        elif isinstance(item, T):
            width = max(len(row) for row in item.rows)
            table = document.add_table(rows=len(item.rows), cols=width)
            table.style = "Table Grid"
            for r, row in enumerate(item.rows):
                for c, content in enumerate(row):
                    cell = table.cell(r, c)
                    parts = content if isinstance(content, list) else [content]
                    for position, part in enumerate(parts):
                        if part in ("", None):
                            continue
                        paragraph = cell.paragraphs[0] if position == 0 and not cell.paragraphs[0].text else cell.add_paragraph()
                        _write(paragraph, part)
            for (r1, c1), (r2, c2) in item.merges:
                table.cell(r1, c1).merge(table.cell(r2, c2))
        elif isinstance(item, PageBreak):
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        else:
            _write(document.add_paragraph(), item)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fiche_table(boxes, *, bold=True):
    """The canonical two-column fiche table (`002_…`): label rows in bold, then content rows."""
    label = B if bold else str
    get = boxes.get
    return T([
        [label("Diagnostic initial (extrait ou résumé du diagnostic global)"), label("Public cible")],
        [get("initial_diagnosis", ""), get("target_public", "")],
        [label("Objectifs opérationnels"), label("Modalités de mise en œuvre")],
        [get("operational_objectives", ""), get("implementation", "")],
        ["", label("Échéances de réalisation")],
        ["", get("schedule", "")],
        [label("Services mobilisés et responsables de l'action"), label("Résultats attendus")],
        [get("lead", ""), get("expected_results", "")],
        [label("Partenaires sollicités"), label("Indicateurs d'évaluation")],
        [get("partners", ""), get("evaluation_indicators", "")],
    ])


STAMP = [
    "Envoyé en préfecture le 16/12/2022",
    "Reçu en préfecture le 16/12/2022",
    "Publié le",
    "ID : 027-200066389-20221212-DEL_2022_118-DE",
]

CAF_PARTY = (
    "La Caisse d'allocations familiales de l'Eure, représentée par le Président de son conseil d'administration, "
    "M. Philippe CHARPIN et par Mme Aurore VERNIEUWE, sa directrice, dûment autorisés à signer ;"
)
EPCI_PARTY = (
    "La Communauté de communes Lieuvin Pays d'Auge, représentée par sa Présidente, Mme Hélène MARCHAND, dûment "
    "autorisée à signer la présente convention par délibération de son conseil communautaire ;"
)
VISAS = [
    "Vu les articles L. 263-1, L. 223-1 et L. 227-1 à 3 du Code de la sécurité sociale ;",
    "Vu le Code de l'action sociale et des familles ;",
    "Vu le Code général des collectivités territoriales ;",
    "Vu l'arrêté du 3 octobre 2001 relatif à l'Action sociale des Caisses d'allocations familiales (Caf) ;",
    "Vu la délibération du Conseil communautaire de la Communauté de communes Lieuvin Pays d'Auge du 28 novembre "
    "2022 portant sur la signature de la Convention territoriale globale.",
]
PREAMBLE = [
    "Les Caf sont nées de la volonté d'apporter une aide à toutes les familles, dans leur diversité. Qu'il prenne "
    "la forme de prestations monétaires ou d'aides permettant de développer des services, l'investissement des Caf "
    "témoigne d'un engagement de la collectivité.",
    "Les missions emblématiques de la branche Famille sont fondatrices de son cœur de métier :",
]
PREAMBLE_LIST = [
    "Développer des services attentionnés tout au long des parcours de vie de chacun ;",
    "Garantir un accès efficace au juste droit en améliorant le modèle de délivrance des prestations ;",
]
ARTICLES = [
    ("1", "Objet de la convention", [
        "La présente convention territoriale globale (Ctg) vise à définir le projet stratégique global du "
        "territoire ainsi que ses modalités de mise en œuvre.",
    ]),
    ("2", "Engagements des partenaires", [
        "La Caf de l'Eure et la Communauté de communes Lieuvin Pays d'Auge s'engagent à mettre en œuvre les moyens "
        "nécessaires pour atteindre les objectifs qu'ils se sont assignés dans le plan d'actions.",
    ]),
    ("3", "Echanges de données", [
        "Les parties s'engagent réciproquement à se communiquer toutes les informations utiles dans le cadre de "
        "l'exécution de la convention territoriale globale.",
    ]),
    ("4", "Suivi, bilan et évaluation", [
        "Un tableau de suivi partagé est mis en place dès le démarrage de la CTG dans le but de :",
    ]),
    ("5", "Effet et durée de la convention", [
        "La présente convention prend effet à compter du 01/01/2023 et jusqu'au 31/12/2027.",
    ]),
]
PASSERELLES = {
    "initial_diagnosis": [
        "Malgré la signature d'une charte éducative commune dans la majorité des structures, les temps scolaires et "
        "périscolaires restent cloisonnés.",
        "Par ailleurs, toutes les équipes d'animation ne disposent pas des compétences nécessaires pour formaliser "
        "des projets éducatifs structurés.",
    ],
    "target_public": "Les enfants fréquentant l'accueil périscolaire 3-11 ans",
    "operational_objectives": [
        "Tester une organisation éducative innovante sur une structure unique.",
        "Formaliser et renforcer les liens entre les temps scolaires et périscolaires.",
    ],
    "implementation": "Expérimenter une nouvelle approche éducative en concentrant la mise en œuvre du PEDT sur une "
                      "structure unique d'accueil de loisirs.",
    "schedule": "2023",
    "lead": "Service enfance/jeunesse",
    "expected_results": "Meilleure articulation entre les temps scolaire et périscolaire.",
    "partners": "CAF, DRAJES, Education nationale",
    "evaluation_indicators": "Retours qualitatifs des équipes éducatives sur la pertinence de l'expérimentation.",
}


def realistic_docx():
    """The convention of the Communauté de communes Lieuvin Pays d'Auge, from the seeds' text: a
    cover, the parties, visas, préambule, articles (« Article 1 : », « Article 2 – », « ARTICLE 3 »),
    place and date, the préfecture stamp on every page, an annex, two axes, and four fiches: the
    two-column table of `002_…` (one split over two tables by a page break, with a stamp column
    and merged cells), the layout of `001_…` (« Thématique : » and « Action : » lines) and the
    five-column one of `003_…`; and paragraphs nothing recognises."""
    body = [
        H("Convention territoriale globale de la Communauté de communes Lieuvin Pays d'Auge 2023-2027", 0),
        "12 décembre 2022",
        *STAMP,
        "Entre :",
        CAF_PARTY,
        "Ci-après dénommée « la Caf » ;",
        "Et :",
        EPCI_PARTY,
        "Ci-après dénommée « la Communauté de communes Lieuvin Pays d'Auge » ;",
        "Il est convenu et arrêté ce qui suit :",
        *VISAS,
        B("Préambule"),
        *PREAMBLE,
        *(L(item) for item in PREAMBLE_LIST),
        B("Article 1 : Objet de la convention"), *ARTICLES[0][2],
        B("Article 2 – Engagements des partenaires"), *ARTICLES[1][2],
        PageBreak(), *STAMP,
        H("ARTICLE 3", 2), B("Echanges de données"), *ARTICLES[2][2],
        H("Article 4 : Suivi, bilan et évaluation", 2), *ARTICLES[3][2],
        L("Actualiser régulièrement les informations (idéalement chaque trimestre)."),
        L("Suivre l'état d'avancement des actions."),
        B("Article 5 : Effet et durée de la convention"), *ARTICLES[4][2],
        "Fait à Thiberville, le 12 décembre 2022, en deux exemplaires.",
        T([["La Caf", "", "La Communauté de communes Lieuvin Pays d'Auge"],
           ["La Directrice,", "Le Président,", "La Présidente,"],
           ["Aurore VERNIEUWE", "Philippe CHARPIN", "Hélène MARCHAND"]], merges=[((0, 0), (0, 1))]),
        PageBreak(),
        H("Annexe 5 – Modalités de pilotage stratégique et opérationnel et suivi de la CTG", 1),
        "Un comité de pilotage, chargé de l'impulsion et de la prise de décision, se réunit une à deux fois par an.",
        PageBreak(),
        H("Annexe 4 – Plan d'actions et fiches actions", 1),
        H("Axe 1 : Faciliter la continuité des parcours de la petite enfance à l'âge adulte", 2),
        B("Fiche Action n°1 – Développer les passerelles"),
        "Thématiques : Enfance, Jeunesse",
        # The table split by a page break (`002_…`): a stamp in a third column, then the rest.
        T([
            [B("Diagnostic initial (extrait ou résumé du diagnostic global)"), B("Public cible"), ""],
            [PASSERELLES["initial_diagnosis"][0], PASSERELLES["target_public"], "\n".join(STAMP)],
            [B("Objectifs opérationnels"), B("Modalités de mise en œuvre"), ""],
            [PASSERELLES["operational_objectives"][0], PASSERELLES["implementation"], ""],
        ]),
        PageBreak(),
        T([
            [PASSERELLES["operational_objectives"][1], [B("Échéances de réalisation"), PASSERELLES["schedule"]]],
            [B("Services mobilisés et responsables de l'action"), B("Résultats attendus")],
            [PASSERELLES["lead"], PASSERELLES["expected_results"]],
            [B("Partenaires sollicités"), B("Indicateurs d'évaluation")],
            [PASSERELLES["partners"], PASSERELLES["evaluation_indicators"]],
            [B("Financements mobilisables"), ""],
            ["Prestation de service ALSH, bonus territoire CTG", ""],
        ], merges=[((5, 0), (5, 1)), ((6, 0), (6, 1))]),
        # `001_…`: « Fiche Action n° », « Thématique : », « Action : » then the table, its labels side
        # by side with their texts on one row each.
        B("Fiche Action n°2"),
        "Thématique : PARENTALITÉ",
        "Action : Maintenir l'information, l'orientation et faciliter les démarches des parents",
        T([
            ["Diagnostic initial", "128 naissances en 2019 sur la commune ; sollicitation des parents pour la "
                                   "recherche d'un mode d'accueil."],
            ["Public cible", "Parents et futurs parents d'enfants de moins de 3 ans"],
            ["Objectifs opérationnels", "Informer le public concerné sur les différents modes de garde."],
            ["Référents de l'action", "Caf – Travailleur social"],
            ["Financements mobilisables", ""],
        ]),
        "Ce paragraphe isolé ne se rattache à rien.",
        H("Axe 2 : Veiller à l'équité dans l'accès aux droits", 2),
        # `003_…`: the five-column table, its axis ticked.
        B("Action : Créer un point d'accès aux droits itinérant"),
        "Thématique : Accès aux droits",
        T([
            ["Action #3", "AXE STRATEGIQUE ☐ Faciliter la continuité des parcours de la petite enfance à l'âge "
                          "adulte ☒ Veiller à l'équité dans l'accès aux droits", "", "", ""],
            [B("Objectifs visés"), B("Descriptif de l'action"), B("Le pilote Les partenaires Le(s) public(s) cible"),
             B("Calendrier potentiel, principales étapes"),
             B("Nous aurons réussi si... (résultats attendus et indicateurs d'évaluation)")],
            ["Rapprocher les services des habitants éloignés.", "Un bus France services dans six communes.",
             ["Pilote : Service cohésion sociale", "Partenaires : Caf, MSA, CPAM", "Public cible : Habitants isolés"],
             "2024 : premières tournées", "Le bus est fréquenté par 300 personnes par an."],
        ], merges=[((0, 1), (0, 4))]),
        # A fiche without its heading: the table alone.
        fiche_table({"initial_diagnosis": "Peu de lieux pour les jeunes de 15 à 25 ans.",
                     "target_public": "Les jeunes de 15 à 25 ans", "schedule": "2025"}),
    ]
    return build_docx(*body)


def write_realistic_docx(path: Path = REALISTIC_PATH):
    """Write `realistic_docx()` where the tests (and the demo) read it."""
    path.write_bytes(realistic_docx())
