"""Lesson pages for visitors who have nothing of their own on them, rendered once.

Most requests for a lesson page come from visitors who have not committed to anything
yet: for them the page is the lesson's content, their CSRF token and, in its script tag,
the response's CSP nonce. ``visitor_page_cache`` keeps such a page rendered, with the
token and the nonce taken out, and serves it again with the current request's own.
That makes the page about as cheap as the trivial-view floor in docs/benchmarks.md.

A page is served from here only when all of these hold:

- a GET without a query string or HX-Request, from a visitor who is not signed in, has
  no learner in their session and no pending message;
- the lesson is published; the key holds its version (``updated_at``, moved forward by
  every edit, see lessons.cache), the visitor's colour theme (trainer.theme) and a digest
  of the visitor's session, so a page is only ever reused for a session exactly like the
  one it was rendered for;
- the render it came from was a 200 that changed nothing in the session. Decorated views
  must not write to the database for a visitor without a learner (they have no records).

Entries live in each process's memory: a deploy starts empty, so new templates are used
at once, and the version read from the database keeps every server current after an edit.
What a reveal hides never gets here: a visitor with a learner always gets a fresh render.
"""

import hashlib
import json
import re
import threading
from collections import OrderedDict
from functools import cache, wraps

from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token

from lessons.models import Lesson
from quizzes.learners import SESSION_KEY as LEARNER_KEY
from trainer.theme import theme_of

SIZE = 128  # pages per process, about 35 KB each
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]{32,64}(?=")')
NONCE = re.compile(rb'( nonce=")[^"]*(?=")')
TOKEN_SLOT = b"\x00csrf-token\x00"
NONCE_SLOT = b"\x00csp-nonce\x00"

_pages: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()
_lock = threading.Lock()


def visitor_page_cache(view):
    """Decorate a lesson view taking ``slug``: see the module's docstring for when."""

    @wraps(view)
    def cached_view(request, *args, slug, **kwargs):
        key = _key(request, slug)
        if key is None:
            return view(request, *args, slug=slug, **kwargs)
        with _lock:
            page = _pages.get(key)
            if page is not None:
                _pages.move_to_end(key)
        if page is not None:
            return _serve(request, *page)
        response = view(request, *args, slug=slug, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not request.session.modified
            and not response.cookies
        ):
            _store(key, response)
        return response

    return cached_view


def clear() -> None:
    with _lock:
        _pages.clear()


def _key(request, slug):
    if request.method not in {"GET", "HEAD"} or request.GET or request.htmx:
        return None
    if request.user.is_authenticated or request.COOKIES.get(CookieStorage.cookie_name):
        return None
    session = dict(request.session.items())
    if session.get(LEARNER_KEY) or SessionStorage.session_key in session:
        return None
    row = _version(slug)
    if row is None:
        return None
    digest = hashlib.blake2b(
        json.dumps(session, sort_keys=True, default=str).encode(), digest_size=16
    ).hexdigest()
    return (request.path, theme_of(request), *row, digest)


def _version(slug):
    """``(pk, updated_at)`` of the published lesson with this slug, or None.

    The one query a cached page costs, so it skips the ORM, whose compiling took as long
    as serving the rest of the page. The value is only compared, never read: whatever
    the database driver returns for ``updated_at`` does.
    """
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), [slug, True])
        return cursor.fetchone()


@cache
def _version_sql() -> str:
    meta, quote = Lesson._meta, connection.ops.quote_name
    column = {f.name: quote(f.column) for f in meta.concrete_fields}
    # Names come from the model's meta; the values are passed as parameters.
    template = "SELECT {id}, {updated_at} FROM {table} WHERE {slug} = %s AND {published} = %s"
    return template.format(table=quote(meta.db_table), **column)


def _store(key, response) -> None:
    body = CSRF.sub(lambda m: m[1] + TOKEN_SLOT, response.content)
    body = NONCE.sub(lambda m: m[1] + NONCE_SLOT, body)
    with _lock:
        _pages[key] = (body, response["Content-Type"])
        while len(_pages) > SIZE:
            _pages.popitem(last=False)


def _serve(request, body: bytes, content_type: str):
    # get_token() also marks the CSRF cookie as used, so the middleware sets it as a
    # render would have.
    body = body.replace(TOKEN_SLOT, get_token(request).encode())
    nonce = getattr(request, "_csp_nonce", None)
    body = body.replace(NONCE_SLOT, str(nonce).encode() if nonce is not None else b"")
    return HttpResponse(body, content_type=content_type)
