"""The one place a refused write becomes an HTTP response."""

from functools import wraps

from django.http import HttpResponse

from .errors import CommitRefused, NotAnOption, NotFound, NotInAttempt, NotOpen

STATUS = {NotFound: 404, NotOpen: 409, NotAnOption: 400, NotInAttempt: 400}


def status_of(refused: CommitRefused) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(refused, cls)), 400)


def refusals_as_responses(view):
    """Answer a refused write with its status and the rule's message, as plain text."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except CommitRefused as refused:
            return HttpResponse(str(refused), status=status_of(refused), content_type="text/plain")

    return wrapped
