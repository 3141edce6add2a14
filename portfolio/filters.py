"""What the portfolio's filter form asks: read from the query string, each bad value ignored with
a French message rather than an error page."""

from dataclasses import dataclass, field

from conventions.enums import ConventionStatus
from ctg.text import fold

SORTS = {
    "fin": ("Fin", lambda r: r.end),
    "titre": ("Convention", lambda r: fold(r.territory)),
    "realisation": ("Taux de réalisation", lambda r: (r.realisation is None, r.realisation or 0)),
    "suivi": ("Suivi du trimestre", lambda r: (r.freshness is None, r.freshness or 0)),
    "jalons": ("Jalons en retard", lambda r: r.late_milestones),
    "activite": ("Dernière activité", lambda r: r.last_activity.timestamp() if r.last_activity else 0),
}
PHASES = [ConventionStatus.PREPARATION, ConventionStatus.SIGNEE, ConventionStatus.RENOUVELLEMENT,
          ConventionStatus.ECHUE, ConventionStatus.ABANDONNEE]


@dataclass
class PortfolioFilters:
    q: str = ""
    phase: str = ""
    end_year: int | None = None
    territory: str = ""
    watch: bool = False
    sort: str = "fin"
    descending: bool = False
    errors: list = field(default_factory=list)

    @classmethod
    def from_query(cls, query):
        filters = cls(q=query.get("q", "").strip()[:200], territory=query.get("territoire", "").strip(),
                      watch=query.get("surveiller") == "1")
        if (phase := query.get("phase", "")) and phase in ConventionStatus.values:
            filters.phase = phase
        if raw := query.get("fin", "").strip():
            if raw.isdigit() and 1900 <= int(raw) <= 2200:
                filters.end_year = int(raw)
            else:
                filters.errors.append(f"Année de fin « {raw} » invalide : filtre ignoré.")
        sort = query.get("tri", "fin")
        filters.sort = sort if sort in SORTS else "fin"
        filters.descending = query.get("ordre") == "desc"
        return filters

    def apply(self, rows):
        words = fold(self.q).split()
        kept = [
            row for row in rows
            if (not words or row.matches(words))
            and (not self.phase or row.phase == self.phase)
            and (self.end_year is None or row.end.year == self.end_year)
            and (not self.territory or any(str(s.pk) == self.territory for s in row.signatories))
            and (not self.watch or row.watch_reasons)
        ]
        return sorted(kept, key=SORTS[self.sort][1], reverse=self.descending)

    def sort_links(self, query):
        """For each sortable column: its query string and its aria-sort state."""
        links = {}
        for key in SORTS:
            params = query.copy()
            params["tri"] = key
            current = key == self.sort
            params["ordre"] = "asc" if current and self.descending else ("desc" if current else "asc")
            state = ("descending" if self.descending else "ascending") if current else "none"
            links[key] = {"query": params.urlencode(), "state": state}
        return links
