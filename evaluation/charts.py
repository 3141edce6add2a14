"""Server-rendered SVG bar charts: geometry here, markup in templates/evaluation/_bar_chart.svg.html.

Each bar carries its label and value as text, so a chart reads without colour (and prints in
black and white); the template adds a <title>/<desc> and a data table as text equivalent."""

from dataclasses import dataclass

# Each row: the label on its own line, then the bar and its value; long labels keep their room.
BAR_WIDTH = 470
VALUE_WIDTH = 120
ROW_HEIGHT = 46
LABEL_HEIGHT = 18
BAR_HEIGHT = 16


@dataclass
class Bar:
    label: str
    value: float | None
    text: str
    y: int
    width: float
    css: str = ""

    @property
    def label_y(self):
        return self.y + LABEL_HEIGHT - 5

    @property
    def bar_y(self):
        return self.y + LABEL_HEIGHT

    @property
    def value_y(self):
        return self.bar_y + BAR_HEIGHT - 3


@dataclass
class BarChart:
    title: str
    description: str
    bars: list
    headers: tuple  # column titles of the data table

    bar_width = BAR_WIDTH
    value_x = BAR_WIDTH + 8
    width = BAR_WIDTH + 8 + VALUE_WIDTH
    bar_height = BAR_HEIGHT

    @property
    def height(self):
        return max(len(self.bars), 1) * ROW_HEIGHT


def bar_chart(title, description, rows, *, maximum=None, unit="", headers=("Libellé", "Valeur")):
    """`rows`: (label, value or None, css class). Bars scale to `maximum` (the largest value by default)."""
    top = maximum or max((value or 0 for _, value, _ in rows), default=0) or 1
    bars = []
    for index, (label, value, css) in enumerate(rows):
        text = "non renseigné" if value is None else f"{value:g}{unit}"
        width = 0 if value is None else max(BAR_WIDTH * min(value, top) / top, 1.5 if value else 0)
        bars.append(Bar(_shorten(label), value, text, index * ROW_HEIGHT, round(width, 1), css))
    return BarChart(title, description, bars, headers)


def _shorten(label, size=80):
    return label if len(label) <= size else label[: size - 1] + "…"


def progress_by_axis(figures):
    return bar_chart(
        "Avancement moyen par axe",
        "Avancement moyen déclaré des actions de chaque axe, en pourcentage ; le taux de réalisation suit dans le tableau.",
        [(share.label, share.mean_progress, "bar--progress") for share in figures.by_axis],
        maximum=100, unit=" %", headers=("Axe", "Avancement moyen"),
    )


def status_distribution(figures):
    return bar_chart(
        "Répartition des actions par statut",
        "Nombre d'actions en vigueur par dernier statut de suivi.",
        [(label, count, f"bar--{status}") for status, label, count in figures.by_status],
        headers=("Statut", "Nombre d'actions"),
    )
