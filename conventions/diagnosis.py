"""Annexe 2: the portrait de territoire as the seeds lay it out."""

LEVEL_ORDER = {"commune": 0, "epci": 1, "departement": 2}


def diagnosis_table(convention, indicators):
    """Pivot the portrait de territoire: one row per indicator and year, one column per territory
    (communes, then the EPCI, then the département), as the seeds compare them."""
    names = {c.insee: c.name for c in convention.communes.all()}
    names.update(
        (s.organisation.code, s.organisation.name)
        for s in convention.signatories.select_related("organisation")
        if s.organisation.code
    )
    columns = sorted({(i.level, i.territory) for i in indicators}, key=lambda c: (LEVEL_ORDER.get(c[0], 9), c[1]))
    rows = {}
    for item in indicators:
        row = rows.setdefault((item.indicator, item.year, item.unit), {})
        row[(item.level, item.territory)] = item.value
    return {
        "columns": [{"level": level, "code": code, "name": names.get(code, code)} for level, code in columns],
        "rows": [
            {"indicator": indicator, "year": year, "unit": unit, "values": [values.get(c) for c in columns]}
            for (indicator, year, unit), values in rows.items()
        ],
    }
