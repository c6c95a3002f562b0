"""Error answers built from templates alone: no database, no session, no user.

They are rendered without the request, so no context processor runs and nothing can
reach the database that may be the reason for the error.
"""

import logging

from django.db import DataError, InterfaceError, NotSupportedError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# What a query built from a visitor's input can provoke (an admin changelist filter such
# as ?ip=not-an-address or ?name__regex=((( ): their mistake, not our outage.
DATABASE_REFUSED_INPUT = (DataError, NotSupportedError)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def error_response(status: int, *, fragment: bool = False) -> HttpResponse:
    template = f"{status}.html#message" if fragment else f"{status}.html"
    response = HttpResponse(loader.render_to_string(template), status=status)
    add_never_cache_headers(response)
    return response


# PostgreSQL gave up waiting: lock_timeout (55P03) or statement_timeout (57014) expired.
DATABASE_BUSY_SQLSTATES = {"55P03", "57014"}


def unavailable_response(request, *, retry_after: int = 30) -> HttpResponse:
    """503: the database is down or busy. htmx gets the message alone, to show in place."""
    response = error_response(503, fragment=is_htmx(request))
    response["Retry-After"] = str(retry_after)
    return response


def database_busy(exception) -> bool:
    """Whether the database is up but gave up on this request: a lock held too long
    (SQLite's "database is locked", PostgreSQL's lock timeout) or a statement too slow."""
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    return getattr(cause, "sqlstate", None) in DATABASE_BUSY_SQLSTATES or (
        "database is locked" in str(exception)
    )


def database_error_response(request, exception) -> HttpResponse | None:
    """400 when the database refused the input, 503 when it is down or busy, else None."""
    refused = isinstance(exception, DATABASE_REFUSED_INPUT) or (
        # SQLite reports a bad regular expression in a lookup this way.
        isinstance(exception, OperationalError)
        and "user-defined function raised exception" in str(exception)
    )
    if refused:
        logger.warning(
            "The database refused input: %s %s", request.method, request.path, exc_info=exception
        )
        return error_response(400, fragment=is_htmx(request))
    if database_busy(exception):
        logger.warning(
            "Database busy, gave up: %s %s", request.method, request.path, exc_info=exception
        )
        return unavailable_response(request, retry_after=5)
    if isinstance(exception, DATABASE_UNAVAILABLE):
        logger.error(
            "Database unavailable: %s %s", request.method, request.path, exc_info=exception
        )
        return unavailable_response(request)
    return None
