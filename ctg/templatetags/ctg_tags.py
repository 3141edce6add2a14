from django import template
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

from ctg.markdown import render_markdown
from ctg.numbers import format_number

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Markdown to sanitised HTML: the only filter that may mark user text as safe."""
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 has sanitised it


@register.filter
def long_date(value):
    """A date as a French act writes it: « 1er janvier 2026 », « 15 décembre 2025 »."""
    if not value:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {date_format(value, 'F Y')}"


@register.filter
def number(value):
    """A number the French way, without trailing zeros: an ETP of 0.50 reads « 0,5 »."""
    return format_number(value)
