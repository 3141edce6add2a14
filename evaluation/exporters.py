"""The Excel workbook of a bilan's tables, `generate(bilan) -> (filename, mimetype, bytes)` (its PDF
is `evaluation.pdf.BilanPdf`)."""

from ctg.xlsx import XLSX, add_sheet, append_row, new_workbook, workbook_bytes

from .figures import LATE_RULE, bilan_figures

SHARE_COLUMNS = [("Actions en vigueur", 12), ("Réalisées", 12), ("Taux de réalisation (%)", 14),
                 ("Avancement moyen (%)", 14), ("Actions renseignées", 14)]


def share_row(share):
    return [share.label, share.total, share.done, share.rate, share.mean_progress, share.progress_count]


class BilanWorkbook:
    def generate(self, bilan):
        figures = bilan_figures(bilan)
        workbook = new_workbook()
        synthese = add_sheet(workbook, "Synthèse", [("", 36), *SHARE_COLUMNS])
        append_row(synthese, share_row(figures.overall))
        append_row(synthese, [])
        append_row(synthese, [f"{bilan.get_kind_display()} du {bilan.start:%d/%m/%Y} au {bilan.end:%d/%m/%Y}"])
        append_row(synthese, [f"Chiffres du tableau de suivi jusqu'au {figures.period} ({figures.period.label})."])
        for _, label, count in figures.by_status:
            append_row(synthese, [label, count])

        for title, shares, first in (("Par axe", figures.by_axis, "Axe"), ("Par thématique", figures.by_theme, "Thématique")):
            sheet = add_sheet(workbook, title, [(first, 40), *SHARE_COLUMNS])
            for share in shares:
                append_row(sheet, share_row(share))

        indicators = add_sheet(workbook, "Indicateurs", [
            ("Action", 40), ("Indicateur", 40), ("Unité", 12), ("Valeur de départ", 12), ("Cible", 10),
            ("Dernière valeur", 12), ("Période", 10), ("Atteinte : chemin parcouru du départ à la cible (%)", 18),
        ])
        for indicator in figures.indicators:
            latest = indicator.latest
            append_row(indicators, [
                f"Action {indicator.fiche_ref.number} — {indicator.fiche_ref.title}", indicator.name, indicator.unit,
                indicator.baseline, indicator.target, latest.value if latest else None,
                latest.update.period if latest else None, indicator.target_share,
            ])

        late = add_sheet(workbook, "Retards et abandons", [("Action", 50), ("Axe", 30), ("Statut", 14),
                                                            ("Année de fin", 10), ("Commentaire", 50)])
        for fiche in figures.late + figures.abandoned:
            append_row(late, [
                f"Action {fiche.number} — {fiche.title}", f"Axe {fiche.axis.number}", fiche.status_label, fiche.end_year,
                fiche.latest_update.comment if fiche.latest_update else None,
            ])
        for op in figures.abrogated:
            append_row(late, [
                f"Action {op.target_fiche.number} — {op.target_fiche.title}", f"Axe {op.target_fiche.axis.number}",
                "Abrogée", None, f"Abrogée par l'avenant n°{op.avenant.number} à compter du {op.avenant.effective_from:%d/%m/%Y}",
            ])
        append_row(late, [])
        append_row(late, [LATE_RULE])
        return f"{bilan.kind}-{bilan.convention.slug}.xlsx", XLSX, workbook_bytes(workbook)
