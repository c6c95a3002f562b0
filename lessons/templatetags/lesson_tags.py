from django import template
from django.utils.safestring import mark_safe

from lessons import markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render authored Markdown as sanitized HTML."""
    return mark_safe(markdown.render(text))  # noqa: S308 - sanitized by nh3 in render()


@register.filter
def markdown_inline(text):
    """Render a short authored Markdown string without its paragraph wrapper."""
    return mark_safe(markdown.render_inline(text))  # noqa: S308 - sanitized by nh3
