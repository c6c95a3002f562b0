from django import template

from lessons.models import Myth, Pitfall, Step

from ..items import ITEM_TYPES
from ..models import ItemKind

register = template.Library()

KINDS = {Step: ItemKind.STEP, Myth: ItemKind.MYTH, Pitfall: ItemKind.PITFALL}


@register.filter
def commit_for(state, item):
    """The learner's commit to a step, myth or pitfall on this page, if any."""
    return state.commit_for(KINDS[type(item)], item.pk)


@register.filter
def approaches(pitfall, seed):
    """A pitfall's two approaches, as (key, text), in an order fixed per learner."""
    return [(o.key, o.label) for o in ITEM_TYPES[ItemKind.PITFALL].shown(pitfall, seed)]
