from django.utils.functional import SimpleLazyObject

from .permissions import has_teams_page


def teams(request):
    """``has_teams_page`` for the site navigation, queried only when a template asks."""
    return {"has_teams_page": SimpleLazyObject(lambda: has_teams_page(request.user))}
