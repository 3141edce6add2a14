"""The portfolio as an Excel workbook: the rows the user sees, with the filters applied."""

from django.utils import timezone

from ctg.xlsx import XLSX, add_sheet, append_row, new_workbook, workbook_bytes

COLUMNS = [
    ("Convention", 40), ("Territoire et signataires", 40), ("Phase", 18), ("Début", 12), ("Fin (avenants compris)", 14),
    ("Mois restants", 10), ("Communes", 10), ("Population", 12), ("Actions en vigueur", 10),
    ("Taux de réalisation (%)", 12), ("Suivi du dernier trimestre (%)", 12), ("Jalons en retard", 10),
    ("Instances à réunir", 30), ("Prochain COPIL", 14), ("Dernière activité", 18), ("À surveiller", 50),
]


class PortfolioWorkbook:
    def generate(self, rows):
        workbook = new_workbook()
        sheet = add_sheet(workbook, "Portefeuille", COLUMNS)
        for row in rows:
            convention = row.convention
            append_row(sheet, [
                convention.title, ", ".join(s.name for s in row.signatories), row.phase.label, convention.start,
                row.end, row.months_left, len(row.communes), row.population, row.fiches, row.realisation,
                row.freshness, row.late_milestones, ", ".join(row.to_convene), row.next_copil,
                timezone.localtime(row.last_activity).replace(tzinfo=None) if row.last_activity else None,
                " ; ".join(row.watch_reasons),
            ])
        filename = f"portefeuille-ctg-{timezone.localdate():%Y-%m-%d}.xlsx"
        return filename, XLSX, workbook_bytes(workbook)
