"""Unsafe markup typed into the admin never reaches a learner's page.

Each payload is saved through the admin's own forms into fields shown before and after a
reveal, then the learner's page and the reveal fragment are parsed: no script of ours
but the static ones, no event handler, no javascript: or data: link, no frame, and no
hx-* attribute that an author wrote.
"""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import UserFactory, full_lesson
from tests.helpers import log_in_verified
from tests.lessons.test_admin import admin_form, change_url

PAYLOADS = {
    "script tag": "<script>alert('evil')</script>",
    "script in markdown html block": "<div>\n<script src=https://evil.example/x.js></script>\n</div>",
    "event handler": "<img src=x onerror=\"alert('evil')\"> <b onmouseover=alert(1)>hover</b>",
    "javascript link": "[click](javascript:alert('evil')) <a href=\"javascript:alert(1)\">a</a>",
    "javascript link, odd case and entities": "[c](JaVaScRiPt:x) [d](&#106;avascript:x)",
    "javascript autolink": "<javascript:alert('evil')>",
    "data link": "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data image": "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "hx attributes": '<div hx-get="/evil" hx-trigger="load">x</div> <a hx-post="/evil">y</a>',
    "data-hx attributes": '<div data-hx-get="/evil" data-hx-trigger="load">x</div>',
    "style and object": '<style>body{display:none}</style><object data="evil.swf"></object>',
}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def unsafe_markup(html):
    """Everything in the page that authored Markdown must never produce."""
    parser = _Tags()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag in {"iframe", "frame", "object", "embed", "style", "base"}:
            found.append(tag)
        if tag in {"script", "img"} and not (attrs.get("src") or "").startswith("/static/"):
            found.append(f"{tag} {attrs}")
        for name, value in attrs.items():
            value = (value or "").strip().lower()
            if name.startswith("on"):
                found.append(f"{tag} {name}")
            if name in {"href", "src", "action", "formaction", "data"} and value.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                found.append(f"{tag} {name}={value}")
            if name.startswith(("hx-", "data-hx-")) and "evil" in value:
                found.append(f"{tag} {name}")
    return found


def save_everywhere(client, lesson, payload):
    """Type the payload into the lesson's Markdown fields, its rows and a question's choice."""
    data = admin_form(client, change_url(lesson))
    for name in ("what_is_it", "core_idea", "analogy", "when_not_to_use"):
        data[name] = payload
    for name in ("concept", "body", "insight", "prediction_prompt"):
        data[f"steps-0-{name}"] = f"Text before. {payload}"
    for name in ("belief", "reality"):
        data[f"myths-0-{name}"] = payload
    data["nuances-0-text"] = payload
    data["takeaways-0-text"] = payload
    data["connections-0-relation"] = payload
    data["pitfalls-0-wrong"] = payload
    data["questions-0-stem"] = payload
    response = client.post(change_url(lesson), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    question = lesson.questions.get(order=1)
    data = admin_form(client, change_url(question), "question_form")
    data["choices-0-text"] = payload
    data["hint"] = payload
    assert client.post(change_url(question), data).status_code == 302


@pytest.fixture
def author(client, db):
    user = UserFactory(username="author", is_staff=True)
    user.groups.add(Group.objects.get(name="Instructor"))
    return log_in_verified(client, user)


def commit(client, lesson, kind, item, answer):
    url = reverse("quizzes:commit", kwargs={"slug": lesson.slug, "kind": kind, "pk": item.pk})
    response = client.post(url, {"answer": answer}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_authored_markdown_never_carries_unsafe_markup(author, client, payload):
    lesson = full_lesson(practice=1)
    save_everywhere(author, lesson, payload)

    admin_page = author.get(change_url(lesson)).content.decode()
    previews = "".join(
        part.split("</div>", 1)[0]
        for part in admin_page.split('class="markdown-preview-body">')[1:]
    )
    assert "Text before." in previews
    assert unsafe_markup(previews) == []
    preview = author.post(reverse("admin:lessons_lesson_markdown_preview"), {"text": payload})
    assert unsafe_markup(preview.content.decode()) == []

    client.logout()
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Text before." in page
    assert unsafe_markup(page) == []

    step = lesson.steps.get(order=1)
    reveal = commit(client, lesson, "step", step, str(step.options.first().pk))
    assert "Key insight" in reveal
    assert unsafe_markup(reveal) == []
    reveal = commit(client, lesson, "myth", lesson.myths.get(order=1), "yes")
    assert "Reality:" in reveal
    assert unsafe_markup(reveal) == []
    question = lesson.questions.get(order=1)
    reveal = commit(client, lesson, "question", question, str(question.choices.get(order=1).pk))
    assert "Correct answer:" in reveal
    assert unsafe_markup(reveal) == []


def test_unsafe_markup_finds_what_it_looks_for():
    """The checker itself catches each kind of unsafe markup, so a pass means something."""
    html = (
        "<script>x</script><a href='javascript:x'>a</a><a href=' DATA:text/html,x'>b</a>"
        "<iframe></iframe><p onclick='x'></p><div hx-get='/evil'></div>"
    )
    assert len(unsafe_markup(html)) == 6
    assert unsafe_markup('<script src="/static/js/site.js"></script><a href="/x">ok</a>') == []
