"""The colour theme: chosen with a form, remembered in a cookie, rendered on <html>."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from trainer import pagecache

pytestmark = pytest.mark.django_db


def test_set_theme_remembers_dark_in_a_cookie_and_goes_back(client):
    """Choosing dark sets a long-lived cookie and returns to the page the visitor was on."""
    response = client.post(reverse("theme"), {"theme": "dark", "next": "/review/"})
    assert response.status_code == 302
    assert response["Location"] == "/review/"
    cookie = response.cookies["theme"]
    assert cookie.value == "dark"
    assert int(cookie["max-age"]) >= 30 * 24 * 3600
    assert cookie["samesite"] == "Lax"


def test_set_theme_writes_no_session(client):
    """A visitor's choice needs no session: none is created, no row is written."""
    client.post(reverse("theme"), {"theme": "light", "next": "/"})
    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies


def test_set_theme_with_htmx_answers_204(client):
    """With htmx the page has switched already: the answer is empty and swaps nothing."""
    response = client.post(reverse("theme"), {"theme": "dark"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response.cookies["theme"].value == "dark"


def test_set_theme_system_forgets_the_choice(client):
    """Going back to the system's theme deletes the cookie."""
    client.cookies["theme"] = "dark"
    response = client.post(reverse("theme"), {"theme": "system", "next": "/"})
    assert response.cookies["theme"].value == ""
    assert response.cookies["theme"]["max-age"] == 0


@pytest.mark.parametrize("value", ["", "purple", "dark<script>"])
def test_set_theme_refuses_an_unknown_theme(client, value):
    """An unknown theme is a 400 that sets no cookie."""
    response = client.post(reverse("theme"), {"theme": value})
    assert response.status_code == 400
    assert "theme" not in response.cookies


def test_set_theme_never_redirects_off_site(client):
    """``next`` pointing elsewhere is ignored: the visitor lands on the catalog."""
    response = client.post(reverse("theme"), {"theme": "dark", "next": "https://evil.example/"})
    assert response["Location"] == reverse("trainer:catalog")


def test_set_theme_refuses_get(client):
    """Reading never changes the theme: only a POST does."""
    response = client.get(reverse("theme"), {"theme": "dark"})
    assert response.status_code == 405
    assert "theme" not in response.cookies


@pytest.mark.parametrize(
    ("cookie", "attribute"), [("dark", b'data-theme="dark"'), ("light", b'data-theme="light"')]
)
def test_page_renders_the_chosen_theme_on_html(client, iam, cookie, attribute):
    """The page arrives in the chosen theme, so there is no flash of the other one."""
    client.cookies["theme"] = cookie
    response = client.get(iam.get_absolute_url())
    assert b'<html lang="en" ' + attribute in response.content
    assert b'value="' + cookie.encode() + b'" aria-pressed="true"' in response.content


@pytest.mark.parametrize("cookie", [None, "system", "bogus"])
def test_page_without_a_choice_follows_the_system(client, iam, cookie):
    """No choice (or a bad cookie) leaves out data-theme: the media query decides."""
    if cookie:
        client.cookies["theme"] = cookie
    response = client.get(iam.get_absolute_url())
    assert b"data-theme" not in response.content
    assert b'value="system" aria-pressed="true"' in response.content


def test_cached_visitor_page_keeps_each_visitors_theme(client, iam):
    """The visitor page cache keeps one page per theme: a dark visitor never gets a page
    rendered for a light one."""
    pagecache.clear()
    client.cookies["theme"] = "light"
    client.get(iam.get_absolute_url())
    client.cookies["theme"] = "dark"
    response = client.get(iam.get_absolute_url())
    assert b'data-theme="dark"' in response.content
