"""HTML written as a Word document with Word's own styles (`ctg.docx`)."""

import io

import docx
from docx.oxml.ns import qn

from ctg.docx import html_to_docx


def read(html):
    return docx.Document(io.BytesIO(html_to_docx(f"<html><head><title>Essai</title></head><body>{html}</body></html>")))


def styled(document):
    return [(p.style.name, p.text) for p in document.paragraphs if p.text]


def test_headings_paragraphs_and_emphasis_take_word_styles():
    document = read("<h1>Convention</h1><h2>Article 1</h2><p>Un <strong>texte</strong> <em>signé</em>.</p><h3>Sous-titre</h3>")
    assert styled(document) == [("Heading 1", "Convention"), ("Heading 2", "Article 1"),
                                ("Normal", "Un texte signé."), ("Heading 3", "Sous-titre")]
    runs = {run.text: (run.bold, run.italic) for run in document.paragraphs[2].runs}
    assert runs["texte"] == (True, None) and runs["signé"] == (None, True)
    assert document.core_properties.title == "Essai"


def test_lists_are_word_lists_and_each_numbered_list_starts_again():
    document = read("<ul><li>petite enfance</li><li>jeunesse<ul><li>ados</li></ul></li></ul>"
                    "<ol><li>un</li><li>deux</li></ol><p>entre</p><ol><li>premier</li></ol>")
    assert styled(document) == [("List Bullet", "petite enfance"), ("List Bullet", "jeunesse"),
                                ("List Bullet 2", "ados"), ("List Number", "un"), ("List Number", "deux"),
                                ("Normal", "entre"), ("List Number", "premier")]
    numbering = [p._p.pPr.numPr.numId.val for p in document.paragraphs if p.style.name == "List Number"]
    assert numbering[0] == numbering[1] != numbering[2]


def test_tables_repeat_their_header_rows_and_merge_spanned_cells():
    document = read(
        "<table><thead><tr><th>Axe</th><th>N°</th><th>Action</th></tr></thead>"
        "<tbody><tr><td rowspan='2'>Axe 1</td><td>1</td><td>Accueillir</td></tr>"
        "<tr><td>2</td><td>Informer</td></tr><tr><td colspan='3'>Financements</td></tr></tbody></table>"
    )
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Axe", "N°", "Action"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[1]._tr.trPr is None or table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
    assert table.cell(1, 0)._tc is table.cell(2, 0)._tc  # rowspan
    assert table.cell(3, 0)._tc is table.cell(3, 2)._tc and table.cell(3, 0).text == "Financements"
    assert table.cell(2, 2).text == "Informer"
    assert all(run.bold for run in table.cell(0, 0).paragraphs[0].runs)


def test_pages_break_where_the_pdf_breaks_and_the_watermark_and_hidden_text_stay_out():
    document = read(
        "<p class='doc-title'>Projet — Avenant n°2</p><div class='watermark' aria-hidden='true'>PROJET</div>"
        "<section class='cover'><h1>Titre</h1></section><section class='new-page'><h2>Annexe 1</h2></section>"
        "<p>Voir <span class='visually-hidden'>caché</span>ici</p>"
    )
    body = document.element.body.xml
    assert body.count('w:type="page"') == 2  # after the cover, before the annex
    assert "PROJET" not in body and "caché" not in body
    assert document.sections[0].header.paragraphs[0].text == "Projet — Avenant n°2"


def test_a_table_of_contents_becomes_a_word_field():
    document = read("<nav class='toc'><h2>Sommaire</h2><ol><li><a href='#a'>Article 1</a></li></ol></nav><h2 id='a'>Article 1</h2>")
    body = document.element.body.xml
    assert 'TOC \\o "1-3"' in body and "Article 1" in styled(document)[-1][1]
    assert [name for name, _ in styled(document)].count("List Number") == 0


def test_definitions_become_term_and_definition_lines():
    document = read("<dl><dt>Axe 1</dt><dd>Petite enfance</dd><dt>Thématiques</dt><dd>Jeunesse</dd></dl>")
    assert [p.text for p in document.paragraphs if p.text] == ["Axe 1 : Petite enfance", "Thématiques : Jeunesse"]


def test_the_text_is_french():
    document = read("<p>Bonjour</p>")
    assert 'w:val="fr-FR"' in document.styles.element.xml
