from django import template
from django.utils.html import format_html

from ..items import ITEM_TYPES, kind_of
from ..models import ItemKind

register = template.Library()


@register.filter
def commit_for(state, item):
    """The learner's commit to a step, myth or pitfall on this page, if any."""
    return state.commit_for(kind_of(type(item)).column, item.pk)


@register.filter
def approaches(pitfall, seed):
    """A pitfall's two approaches, as (key, text), in an order fixed per learner."""
    return [(o.key, o.label) for o in ITEM_TYPES[ItemKind.PITFALL].shown(pitfall, seed)]


@register.simple_tag
def swap_link(url, target, label, css_class="button"):
    """A link that works without JavaScript and, with htmx, swaps ``target`` in place.

    Its ``href`` and ``data-hx-get`` are the one URL given, so the two cannot drift apart.
    """
    return format_html(
        '<a class="{}" href="{}" data-hx-get="{}" data-hx-target="{}" data-hx-swap="outerHTML">'
        "{}</a>",
        css_class,
        url,
        url,
        target,
        label,
    )
