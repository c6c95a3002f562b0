"""Benchmark floors: the cheapest Django can answer with the bytes of a lesson page.

Mounted only when BENCH_FLOORS is set (scripts/bench.py sets it on its own server); never
in production. ``BENCH_FLOOR_FILE`` names the saved copy of the lesson page to return.
"""

import os
from functools import cache

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe


@cache
def _page() -> bytes:
    with open(os.environ["BENCH_FLOOR_FILE"], "rb") as saved:
        return saved.read()


@require_safe
def trivial(request):
    """The same bytes as the lesson page, through the same middleware, with no work."""
    return HttpResponse(_page(), content_type="text/html; charset=utf-8")


urlpatterns = []
if os.environ.get("BENCH_FLOORS"):
    urlpatterns.append(path("trivial/", trivial, name="bench-trivial"))
