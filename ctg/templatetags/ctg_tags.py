from django import template
from django.utils.safestring import mark_safe

from ctg.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Markdown to sanitised HTML: the only filter that may mark user text as safe."""
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 has sanitised it
