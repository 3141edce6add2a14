"""Reading a CTG from its Word document (exchange.docx_reader): each element the seeds' layouts
show, merged cells, a fiche split over two tables, a document without fiche, and the files it
refuses (not a .docx, an old .doc, a password, too large, damaged) in French."""

import io
import zipfile
from datetime import date

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from ctg.zips import MIB
from exchange.docx_file import DocxRefused
from exchange.docx_reader import read_docx
from exchange.docx_reading import markdown_of
from tests.exchange.docx_helpers import (
    ARTICLES,
    PASSERELLES,
    REALISTIC_PATH,
    VISAS,
    B,
    H,
    L,
    PageBreak,
    T,
    build_docx,
    fiche_table,
)


@pytest.fixture(scope="module")
def realistic():
    return read_docx(REALISTIC_PATH.read_bytes())


def box(fiche, name):
    return markdown_of(fiche.boxes.get(name, []))


def refusal(data):
    with pytest.raises(DocxRefused) as refused:
        read_docx(data)
    return refused.value.message


# --- The body ------------------------------------------------------------------------------------


def test_the_title_and_the_period(realistic):
    assert realistic.title == "Convention territoriale globale de la Communauté de communes Lieuvin Pays d'Auge 2023-2027"
    # « prend effet à compter du 01/01/2023 et jusqu'au 31/12/2027 » (article 5).
    assert (realistic.start, realistic.end) == (date(2023, 1, 1), date(2027, 12, 31))


def test_the_period_from_the_title_years_when_no_article_gives_it():
    reading = read_docx(build_docx(H("Convention territoriale globale de Pornic Agglo 2025-2029", 0), "Entre :"))
    assert (reading.start, reading.end) == (date(2025, 1, 1), date(2029, 12, 31))


def test_the_parties_and_their_representatives(realistic):
    assert [(p.name, p.kind, p.representatives) for p in realistic.parties] == [
        ("Caisse d'allocations familiales de l'Eure", "caf",
         [("M. Philippe CHARPIN", "Président de son conseil d'administration"), ("Mme Aurore VERNIEUWE", "Directrice")]),
        ("Communauté de communes Lieuvin Pays d'Auge", "epci", [("Mme Hélène MARCHAND", "Présidente")]),
    ]


def test_a_party_named_on_one_line_and_represented_on_the_next():
    reading = read_docx(build_docx(
        "Entre :", B("La Commune d'Écouen"), "représentée par son Maire, M. Patrick LAMBERT, dûment autorisé ;",
        "Et :", "La Caf du Val-d'Oise, représentée par sa directrice, Mme Anne MARTIN ;",
    ))
    assert [(p.name, p.kind, p.representatives) for p in reading.parties] == [
        ("Commune d'Écouen", "commune", [("M. Patrick LAMBERT", "Maire")]),
        ("Caf du Val-d'Oise", "caf", [("Mme Anne MARTIN", "Directrice")]),
    ]


def test_the_visas_and_the_preamble_with_its_list(realistic):
    assert [v.text for v in realistic.visas] == VISAS
    preamble = markdown_of(realistic.preamble)
    assert preamble.startswith("Les Caf sont nées de la volonté")
    assert preamble.endswith(
        "fondatrices de son cœur de métier :\n\n- Développer des services attentionnés tout au long des parcours de vie "
        "de chacun ;\n- Garantir un accès efficace au juste droit en améliorant le modèle de délivrance des prestations ;"
    )


def test_the_articles_in_every_numbering_style(realistic):
    # « Article 1 : » and « Article 2 – » in bold, « ARTICLE 3 » styled with its title on the next
    # line, « Article 4 : » as a Titre 2.
    assert [(a.number, a.title) for a in realistic.articles] == [(n, t) for n, t, _ in ARTICLES]
    assert markdown_of(realistic.articles[0].blocks) == ARTICLES[0][2][0]
    assert markdown_of(realistic.articles[3].blocks).endswith(
        "dans le but de :\n\n- Actualiser régulièrement les informations (idéalement chaque trimestre).\n"
        "- Suivre l'état d'avancement des actions."
    )


def test_a_sentence_starting_with_article_is_text():
    reading = read_docx(build_docx(
        H("Article 2 – Engagements des partenaires", 2),
        "Article 2 de cet avenant modifie l'article 1.1 de l'avenant n°1",
    ))
    assert [(a.number, markdown_of(a.blocks)) for a in reading.articles] == [
        ("2", "Article 2 de cet avenant modifie l'article 1.1 de l'avenant n°1"),
    ]


def test_articles_numbered_by_word_itself():
    """Word's numbering may write « Article 1 : » before a heading's text: it is read too."""
    document = Document()
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="decimal"/><w:lvlText w:val="Article %1 :"/></w:lvl></w:abstractNum>'
    ))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for title, body in (("Objet", "La convention a pour objet…"), ("Durée", "Elle dure cinq ans.")):
        heading = document.add_heading(title, level=2)
        heading._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>'
        ))
        document.add_paragraph(body)
    out = io.BytesIO()
    document.save(out)
    reading = read_docx(out.getvalue())
    assert [(a.number, a.title, markdown_of(a.blocks)) for a in reading.articles] == [
        ("1", "Objet", "La convention a pour objet…"), ("2", "Durée", "Elle dure cinq ans."),
    ]


def test_the_place_and_date_of_signature_and_the_prefecture_stamp(realistic):
    assert (realistic.signed_at, realistic.signed_on) == ("Thiberville", date(2022, 12, 12))
    # Repeated on every page (and in a table's margin column): read once, placed nowhere.
    assert realistic.stamp == {"sent_on": date(2022, 12, 16), "received_on": date(2022, 12, 16),
                               "act_id": "027-200066389-20221212-DEL_2022_118-DE"}
    assert not any("préfecture" in block.text for block in realistic.unrecognised)


def test_the_annexes_and_their_texts(realistic):
    assert {n: a.title for n, a in realistic.annexes.items()} == {
        5: "Modalités de pilotage stratégique et opérationnel et suivi de la CTG",
        4: "Plan d'actions et fiches actions",
    }
    assert markdown_of(realistic.annexes[5].blocks).startswith("Un comité de pilotage, chargé de l'impulsion")


def test_an_annex_is_known_by_its_title_and_its_other_tables_are_noted():
    reading = read_docx(build_docx(
        B("ANNEXE 2 – Modalités de pilotage stratégique et opérationnel et suivi de la CTG"), "Le COPIL se réunit.",
        H("Annexe 3 | Liste des équipements et services soutenus", 1),
        T([["Type de structure", "Nom"], ["EAJE PSU", "Les Lutins"]]),
        H("Annexe 2 — Diagnostic partagé", 1), "Le territoire compte 40 000 habitants.",
        H("Enjeux retenus", 3), L("Accueillir les moins de 3 ans", numbered=True), L("Soutenir les parents", numbered=True),
    ))
    assert markdown_of(reading.annexes[5].blocks) == "Le COPIL se réunit."
    assert markdown_of(reading.annexes[2].blocks) == "Le territoire compte 40 000 habitants."
    assert reading.issues == ["Accueillir les moins de 3 ans", "Soutenir les parents"]
    assert reading.notes == ["Annexe 3 : un tableau de 2 lignes n'est pas repris (à saisir dans l'application)."]


# --- The plan d'actions ---------------------------------------------------------------------------


def test_the_axes(realistic):
    assert [(a.number, a.title) for a in realistic.axes] == [
        (1, "Faciliter la continuité des parcours de la petite enfance à l'âge adulte"),
        (2, "Veiller à l'équité dans l'accès aux droits"),
    ]
    assert [f.axis for f in realistic.fiches] == [1, 1, 2, 2]


def test_the_two_column_fiche_split_over_two_tables_by_a_page_break(realistic):
    fiche = realistic.fiches[0]
    assert (fiche.number, fiche.title, fiche.themes) == (1, "Développer les passerelles", ["enfance", "jeunesse"])
    assert box(fiche, "initial_diagnosis") == PASSERELLES["initial_diagnosis"][0]
    # The second table goes on with the first one's columns: objectives, then the schedule.
    assert box(fiche, "operational_objectives") == "\n\n".join(PASSERELLES["operational_objectives"])
    for name in ("target_public", "implementation", "schedule", "lead", "expected_results", "partners",
                 "evaluation_indicators"):
        assert box(fiche, name) == PASSERELLES[name], name
    # The « Financements mobilisables » row, merged across both columns, is read once.
    assert box(fiche, "funding") == "Prestation de service ALSH, bonus territoire CTG"


def test_the_layout_of_001_labels_beside_their_texts(realistic):
    fiche = realistic.fiches[1]
    assert (fiche.number, fiche.title, fiche.themes) == (
        2, "Maintenir l'information, l'orientation et faciliter les démarches des parents", ["parentalite"],
    )
    assert box(fiche, "target_public") == "Parents et futurs parents d'enfants de moins de 3 ans"
    assert box(fiche, "referents") == "Caf – Travailleur social"
    assert "funding" not in fiche.boxes


def test_the_five_column_fiche_of_003(realistic):
    fiche = realistic.fiches[2]
    assert (fiche.number, fiche.title, fiche.axis, fiche.themes) == (
        3, "Créer un point d'accès aux droits itinérant", 2, ["acces_aux_droits"],
    )
    assert {name: box(fiche, name) for name in fiche.boxes} == {
        "operational_objectives": "Rapprocher les services des habitants éloignés.",
        "implementation": "Un bus France services dans six communes.",
        "lead": "Service cohésion sociale",
        "partners": "Caf, MSA, CPAM",
        "target_public": "Habitants isolés",
        "schedule": "2024 : premières tournées",
        "expected_results": "Le bus est fréquenté par 300 personnes par an.",
    }


def test_a_fiche_table_without_heading_is_a_fiche_of_its_own(realistic):
    fiche = realistic.fiches[3]
    assert (fiche.number, fiche.title) == (None, "")
    assert box(fiche, "initial_diagnosis") == "Peu de lieux pour les jeunes de 15 à 25 ans."
    assert box(fiche, "schedule") == "2025"


def test_vertically_merged_cells_are_read_once():
    data = build_docx(
        H("Action 1 — Ouvrir un relais petite enfance", 3),
        T([[B("Diagnostic initial"), B("Public cible")],
           ["Aucun relais sur le territoire.", "Les assistantes maternelles"],
           ["", "et les parents"]], merges=[((1, 0), (2, 0))]),
    )
    fiche = read_docx(data).fiches[0]
    assert box(fiche, "initial_diagnosis") == "Aucun relais sur le territoire."
    assert box(fiche, "target_public") == "Les assistantes maternelles\n\net les parents"


def test_a_fiche_with_its_boxes_in_paragraphs_after_a_split_table():
    """`002_…`: past a page break, a fiche's last boxes may follow as a label paragraph and its text."""
    reading = read_docx(build_docx(
        B("Fiche Action – Réaliser un observatoire"),
        T([[B("Diagnostic initial"), B("Public cible")], ["Des pratiques variées.", "Les ALSH"]]),
        PageBreak(),
        B("Echéances de réalisation"), "2026",
        B("Partenaires sollicités"), "CEMEA, Francas",
    ))
    fiche = reading.fiches[0]
    assert (fiche.title, box(fiche, "schedule"), box(fiche, "partners")) == (
        "Réaliser un observatoire", "2026", "CEMEA, Francas",
    )


def test_bold_and_italic_become_markdown_and_export_placeholders_are_dropped():
    data = build_docx(
        H("Action 4 — Créer un LAEP", 3),
        fiche_table({"initial_diagnosis": "", "target_public": "Non précisés."}),
    )
    document = Document(io.BytesIO(data))
    cell = document.tables[0].cell(1, 0)
    paragraph = cell.paragraphs[0]
    paragraph.add_run("Un ")
    paragraph.add_run("lieu").bold = True
    paragraph.add_run(" pour ")
    paragraph.add_run("les parents").italic = True
    out = io.BytesIO()
    document.save(out)
    fiche = read_docx(out.getvalue()).fiches[0]
    assert box(fiche, "initial_diagnosis") == "Un **lieu** pour *les parents*"
    assert "target_public" not in fiche.boxes


def test_a_document_without_fiche():
    reading = read_docx(build_docx(
        H("Convention territoriale globale de Vue 2024-2028", 0),
        "Entre :", "La Commune de Vue, représentée par son Maire, M. Jean PETIT ;",
        "Vu le Code de l'action sociale et des familles ;",
        H("Article 1 – Objet", 2), "La convention définit le projet social du territoire.",
    ))
    assert reading.fiches == [] and reading.axes == []
    assert [(a.number, a.title) for a in reading.articles] == [("1", "Objet")]


# --- What is not recognised --------------------------------------------------------------------


def test_unrecognised_paragraphs_are_listed_with_where_they_sit(realistic):
    assert [(b.text, b.context) for b in realistic.unrecognised] == [
        ("12 décembre 2022", "page de garde"),
        ("Ce paragraphe isolé ne se rattache à rien.",
         "Fiche action 2 « Maintenir l'information, l'orientation et faciliter les démarches des parents »"),
    ]
    indexes = [b.index for b in realistic.unrecognised]
    assert indexes == sorted(set(indexes)) and all(0 < i <= realistic.paragraphs for i in indexes)


def test_a_table_outside_the_plan_is_listed_cell_by_cell():
    reading = read_docx(build_docx(
        H("Article 1 – Objet", 2), "Le texte.", T([["Commune", "Population"], ["Vue", "1 600"]]),
    ))
    assert [(b.text, b.where) for b in reading.unrecognised] == [
        ("Commune", "tableau 1, ligne 1, colonne 1"), ("Population", "tableau 1, ligne 1, colonne 2"),
        ("Vue", "tableau 1, ligne 2, colonne 1"), ("1 600", "tableau 1, ligne 2, colonne 2"),
    ]


# --- Refused files ----------------------------------------------------------------------------


def test_an_old_doc_is_refused_with_how_to_convert_it():
    message = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    assert message.startswith("Ce fichier est un document Word ancien (.doc)")
    assert "Enregistrez-le au format .docx dans Word ou LibreOffice" in message


def test_a_password_protected_document_is_refused():
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 500
    assert refusal(encrypted).startswith("Ce document est protégé par mot de passe")


@pytest.mark.parametrize(("data", "message"), [
    (b"Bonjour, ceci est du texte.", "Ce fichier n'est pas un document Word (.docx)."),
    (b"%PDF-1.7\n...", "Ce fichier est un PDF : déposez le document Word (.docx) de la convention."),
])
def test_a_file_that_is_no_docx_is_refused(data, message):
    assert refusal(data) == message


def test_a_zip_without_word_text_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert refusal(buffer.getvalue()) == (
        "Ce fichier n'est pas un document Word (.docx) : il ne contient pas de texte Word."
    )


def test_a_damaged_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("word/document.xml", "<w:document><w:body><w:p>")
    assert refusal(buffer.getvalue()).startswith("Ce document Word est abîmé")
    truncated = build_docx("Du texte.")[:-200]
    assert "abîmé" in refusal(truncated) or "n'est pas un document Word" in refusal(truncated)


def test_a_too_large_file_is_refused_before_it_is_read():
    assert refusal(b"PK\x03\x04" + b"\0" * (20 * MIB + 1)) == "Le fichier pèse plus de 20 Mo : 20 Mo au plus."
