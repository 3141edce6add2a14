"""Numbers as a French reader writes them, wherever the application shows one it does not round
on purpose (indicator values, ETP)."""


def format_number(value):
    """1234567, 6,5, 0,5 for an ETP stored 0.50 (up to 15 significant digits, so that no typed
    value is rounded away); « — » for None."""
    if value is None:
        return "—"
    return f"{float(value):.15g}".replace(".", ",")
