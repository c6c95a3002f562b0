"""What a learner downloads: the lesson page with its CSS, JS and font, and reveal fragments."""

import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

from tests.helpers import HTMX
from tests.perf.conftest import MANIFEST_STORAGE, commit_url, expected_option

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 150 * 1024
FRAGMENT_BUDGET = 8 * 1024


class Assets(HTMLParser):
    """The stylesheets, scripts and preloaded fonts a page makes the browser fetch."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = (attrs.get("rel") or "").split()
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and {"stylesheet", "preload"} & set(rel) and attrs.get("href"):
            self.urls.append(attrs["href"])


CSS_URL = re.compile(r"url\([\"']?([^)\"']+)[\"']?\)")


def stylesheet_urls(url, static_url):
    """The files a stylesheet loads with url() (its fonts), as static URLs."""
    path = finders.find(url.removeprefix(static_url).split("?")[0])
    with open(path, encoding="utf-8") as sheet:
        found = CSS_URL.findall(sheet.read())
    base = url.rsplit("/", 1)[0] + "/"
    return [urljoin(base, u) for u in found if not u.startswith("data:")]


def page_assets(html, static_url):
    """Every static URL the page loads: its own tags, and what its stylesheets load."""
    parser = Assets()
    parser.feed(html)
    urls = set(parser.urls)
    for url in list(urls):
        if url.split("?")[0].endswith(".css"):
            urls.update(stylesheet_urls(url, static_url))
    return urls


def compressed(data: bytes) -> int:
    """Bytes on the wire: gzip as WhiteNoise serves it; woff2 is compressed already."""
    return len(gzip.compress(data, 9))


def asset_size(url, static_url):
    """The asset's size as sent: gzipped, except fonts (woff2 is brotli inside)."""
    assert url.startswith(static_url), f"{url} is not one of our static files"
    path = finders.find(url.removeprefix(static_url).split("?")[0])
    assert path, f"{url} is referenced but not found in the static files"
    with open(path, "rb") as asset:
        data = asset.read()
    return len(data) if path.endswith(".woff2") else compressed(data)


def test_lesson_page_weighs_under_150_kb_with_its_css_js_and_font(client, iam, settings):
    """HTML, CSS, JS and the web font together, as sent: gzipped (the font as it is)."""
    response = client.get(iam.get_absolute_url())
    assert response.status_code == 200
    urls = page_assets(response.content.decode(), settings.STATIC_URL)
    assert any(u.endswith(".css") for u in urls)
    assert any(u.endswith(".js") for u in urls)
    assert any(u.endswith(".woff2") for u in urls), "the page's web font is not counted"
    assets = sum(asset_size(url, settings.STATIC_URL) for url in urls)
    page = compressed(response.content)
    assert page + assets < PAGE_BUDGET, f"{page} B page + {assets} B of CSS, JS and font"


def test_every_font_the_stylesheet_names_is_preloaded_by_the_page(client, iam, settings):
    """The font is preloaded, so text does not wait for the stylesheet to be parsed,
    and only the fonts the stylesheet uses: a stray preload would be wasted bytes."""
    response = client.get(iam.get_absolute_url())
    parser = Assets()
    parser.feed(response.content.decode())
    preloaded = {u for u in parser.urls if u.endswith(".woff2")}
    css = [u for u in parser.urls if u.endswith(".css")]
    used = {u for sheet in css for u in stylesheet_urls(sheet, settings.STATIC_URL)}
    assert preloaded == {u for u in used if u.endswith(".woff2")}


def test_lesson_page_weight_stays_under_budget_for_a_learner_who_committed(client, iam):
    for step in iam.steps.exclude(prediction_prompt=""):
        client.post(commit_url(iam, "step", step.pk), {"answer": expected_option(step)})
    for myth in iam.myths.all():
        client.post(commit_url(iam, "myth", myth.pk), {"answer": "yes"})
    response = client.get(iam.get_absolute_url())
    assert len(response.content) < PAGE_BUDGET - 70 * 1024  # leaves room for CSS and JS


def test_step_reveal_fragment_is_a_few_kilobytes(client, iam):
    for step in iam.steps.exclude(prediction_prompt=""):
        response = client.post(
            commit_url(iam, "step", step.pk), {"answer": expected_option(step)}, **HTMX
        )
        assert response.status_code == 200
        assert "<html" not in response.content.decode()
        assert len(response.content) < FRAGMENT_BUDGET, (step.order, len(response.content))


def test_myth_reveal_fragment_is_a_few_kilobytes(client, iam):
    for myth in iam.myths.all():
        response = client.post(commit_url(iam, "myth", myth.pk), {"answer": "no"}, **HTMX)
        assert response.status_code == 200
        assert len(response.content) < FRAGMENT_BUDGET, (myth.order, len(response.content))


def test_practice_reveal_fragment_stays_small(client, iam):
    """It carries the worked solution, so it may be larger than a step's, but not a page."""
    for question in iam.questions.filter(kind="practice"):
        choice = question.choices.get(is_correct=True)
        response = client.post(
            commit_url(iam, "question", question.pk), {"answer": str(choice.pk)}, **HTMX
        )
        assert response.status_code == 200
        assert len(response.content) < 2 * FRAGMENT_BUDGET, (question.order, len(response.content))


def test_static_files_with_hashed_names_are_cached_as_immutable(collected_static):
    """In production the manifest storage writes hashed names and WhiteNoise serves them
    with a ten-year max-age: a deploy changes the names, never a cached file's bytes."""
    with override_settings(STATIC_ROOT=collected_static, STORAGES=MANIFEST_STORAGE):
        url = static("css/site.css")
        whitenoise = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    assert re.search(r"/site\.[0-9a-f]{12}\.css$", url), url
    response = whitenoise(RequestFactory().get(url))
    assert response.status_code == 200
    cache_control = response.headers["Cache-Control"]
    assert "immutable" in cache_control
    assert int(re.search(r"max-age=(\d+)", cache_control)[1]) >= 365 * 24 * 3600
    compressed = whitenoise(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip"))
    assert compressed.headers.get("Content-Encoding") in {"gzip", "br"}
