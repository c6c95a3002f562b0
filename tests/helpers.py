"""Small helpers the tests share: what a reader sees of a page, and parallel callers."""

import threading
from html import unescape

from django.db import connection
from django.utils.html import strip_tags

from lessons.markdown import render


def text(markdown_source):
    """What a reader sees of a Markdown source: its text, without markup."""
    return " ".join(unescape(strip_tags(render(markdown_source))).split())


def page_text(response):
    """What a reader sees of a response: its text, whitespace folded."""
    return " ".join(unescape(strip_tags(response.content.decode())).split())


def run_in_parallel(action, threads):
    """Call ``action`` from ``threads`` threads at once, each on its own connection."""
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(action())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert not errors, errors
    return results
