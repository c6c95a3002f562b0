"""Markdown to safe HTML.

Authored text is rendered by markdown-it (raw HTML in the source is escaped, not passed
through) and the result is cleaned again by an allow-list sanitizer, so neither a
markdown trick nor a parser bug can put a script, an event handler, an iframe, an
``hx-*`` attribute or a ``javascript:``/``data:`` link in front of a learner.
"""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@lru_cache(maxsize=4096)
def render(text: str) -> str:
    """Return sanitized HTML for a Markdown source string."""
    html = _parser.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # A code block may scroll sideways on a phone: keyboard users must be able to reach it.
    return clean.replace("<pre>", '<pre tabindex="0">')


def render_inline(text: str) -> str:
    """Render a one-paragraph source without the wrapping <p>, for headings and labels."""
    html = render(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html
