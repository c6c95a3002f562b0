from django import template

from lessons.models import Myth, Pitfall, Step

from ..models import ItemKind

register = template.Library()

KINDS = {Step: ItemKind.STEP, Myth: ItemKind.MYTH, Pitfall: ItemKind.PITFALL}


@register.filter
def commit_for(state, item):
    """The learner's commit to a step, myth or pitfall on this page, if any."""
    return state.commit_for(KINDS[type(item)], item.pk)


@register.filter
def approaches(pitfall, seed):
    """A pitfall's two approaches in an order fixed per learner but not by the content."""
    pair = [("wrong", pitfall.wrong), ("correct", pitfall.correct)]
    return pair if (pitfall.pk + int(seed or 0)) % 2 else pair[::-1]
