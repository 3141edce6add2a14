"""A bilan as a PDF: its computed figures and SVG charts, then its written parts."""

import functools
import re

import tinycss2

from ctg.pdf import STYLESHEET, PdfDocument

from .charts import progress_by_axis, status_distribution
from .figures import LATE_RULE, bilan_figures

SVG_OPEN_TAG = re.compile(r"<svg\b[^>]*>")


@functools.cache  # the stylesheet ships with the code: read it once per process
def svg_chart_rules():
    """The rules of print.css's `@media svg-charts` block, as CSS text."""
    for rule in tinycss2.parse_stylesheet(STYLESHEET.read_text(), skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "media" and tinycss2.serialize(rule.prelude).strip() == "svg-charts":
            return " ".join(tinycss2.serialize(rule.content).split())
    return ""


def with_chart_styles(html):
    """Give each inline SVG chart the print rules of its bars and texts: WeasyPrint applies only an
    SVG's own <style> to inline SVG. User text never reaches here as markup (it is escaped), so
    every <svg> tag is one of our charts."""
    style = f"<style>{svg_chart_rules()}</style>"
    return SVG_OPEN_TAG.sub(lambda match: match.group(0) + style, html)


class BilanPdf(PdfDocument):
    """The bilan intermédiaire or final: its computed figures and charts, then its written parts."""

    template_name = "pdf/bilan.html"

    def __init__(self, today=None):
        self.today = today

    def context(self, bilan):
        figures = bilan_figures(bilan, self.today)
        return {
            "convention": bilan.convention,
            "bilan": bilan,
            "figures": figures,
            "axis_chart": progress_by_axis(figures),
            "status_chart": status_distribution(figures),
            "late_rule": LATE_RULE,
        }

    def html(self, bilan):
        return with_chart_styles(super().html(bilan))

    def title(self, bilan):
        return bilan.get_kind_display()

    def filename(self, bilan):
        return f"{bilan.convention.slug}-{bilan.kind}.pdf"
