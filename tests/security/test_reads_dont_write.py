"""Reading writes nothing for a visitor: every GET, as someone who has not acted yet.

Crawlers and first-time visitors only read. If a read made a session, each cookieless
request would add a row to the session store (and a key to Redis); if it wrote any
other row, reading would change records. The sweep walks the URL resolver, so a page
added later is covered without editing this file, and fills each parameter with a real
id from the shipped lesson and a team, so the views run their real code, not a 404.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lessons.models import Lesson, QuestionKind
from quizzes.models import Verdict
from tests.factories import AssignmentFactory, MembershipFactory, TeamFactory, UserFactory
from trainer import pagecache
from trainer.certificates.models import Certificate
from trainer.views import MODE_PAGES

pytestmark = pytest.mark.django_db
WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
# Each lesson page's own position parameter, so the sweep reads a later item too.
QUERIES = {"lesson": ["?q=2"], "quizzes:practice": ["?q=2"]}
MODE_QUERIES = {"step-by-step": ["?step=2"], "myths": ["?n=2"]}


def routes(resolver=None, namespace="", params=()):
    """``(name, parameter names)`` of every named URL, includes followed; an unnamed
    (positional) group is named by its position, ``"0"``, ``"1"``..."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        regex = pattern.pattern.regex
        names = (*params, *regex.groupindex) or tuple(str(i) for i in range(regex.groups))
        if isinstance(pattern, URLResolver):
            space = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern, space, names)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", names


@pytest.fixture
def world(iam):
    user = UserFactory(username="reader")
    team = TeamFactory(slug="readers")
    membership = MembershipFactory(team=team, user=user, role="manager")
    assignment = AssignmentFactory(team=team, lesson=iam)
    step = iam.steps.filter(prediction_prompt="").first()
    certificate = Certificate.objects.create(
        user=user,
        lesson=iam,
        recipient_name="Reader",
        lesson_title=iam.title,
        verdict=Verdict.STRONG,
        earned_at=timezone.now(),
    )
    return {
        "certificate": certificate,
        "lesson": iam,
        "team": team,
        "membership": membership,
        "assignment": assignment,
        "step": step,
        "user": user,
    }


def urls(world):
    """Every GET URL with real values in its parameters (and a few real queries)."""
    lesson, team = world["lesson"], world["team"]
    practice = lesson.questions.filter(kind=QuestionKind.PRACTICE).first()
    test = lesson.questions.filter(kind=QuestionKind.TEST).first()
    user = world["user"]
    by_route = {
        "quizzes:commit": {"kind": "myth", "pk": lesson.myths.first().pk},
        "quizzes:hint": {"pk": practice.pk},
        "quizzes:test-answer": {"number": 1, "pk": test.pk},
        "trainer:step-read": {"pk": world["step"].pk},
        "teams:member-remove": {"pk": world["membership"].pk},
        "teams:assignment-edit": {"pk": world["assignment"].pk},
        "teams:assignment-delete": {"pk": world["assignment"].pk},
    }
    public_id = {"public_id": world["certificate"].public_id}
    by_route.update({f"certificates:{name}": public_id for name in ("detail", "pdf", "credential")})
    generic = {
        "number": 1,
        "pk": lesson.pk,
        "public_id": "00000000-0000-4000-8000-000000000001",
        "object_id": lesson.pk,
        "app_label": "lessons",
        "content_type_id": ContentType.objects.get_for_model(Lesson).pk,
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        # A valid reset link is the one read that acts: Django's view moves its token
        # into a session at once, so that it leaves the address bar (and Referer).
        "token": "not-" + default_token_generator.make_token(user),
        "url": "lessons/lesson/",
        "path": "lessons/lesson/",
    }
    found = []
    for name, params in routes():
        if name == "trainer:lesson-mode":
            for mode in MODE_PAGES:
                url = reverse(name, kwargs={"slug": lesson.slug, "mode": mode})
                found += [url, *(url + query for query in MODE_QUERIES.get(mode, []))]
            continue
        slug = team.slug if name.startswith("teams:") else lesson.slug
        kwargs = {p: by_route.get(name, {}).get(p, generic.get(p, slug)) for p in params}
        if name.startswith("admin:") and "model_name" in params:
            kwargs["model_name"] = "lesson"
        if params and all(p.isdigit() for p in params):
            url = reverse(name, args=[lesson.pk] * len(params))
        else:
            url = reverse(name, kwargs=kwargs)
        found += [url, *(url + query for query in QUERIES.get(name, []))]
    return found


@pytest.fixture
def writes():
    """The SQL statements that write, run while the fixture is active."""
    seen = []

    def watch(execute, sql, params, many, context):
        if WRITE.match(sql):
            seen.append(sql.split(" WHERE ")[0][:160])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield seen


def test_reads_by_a_visitor_create_no_session_and_write_no_row(world, writes):
    """Every GET URL, cookieless and then with the cookies its first answer set, as
    plain and as htmx requests: no session row, no session cookie, no row written."""
    pagecache.clear()
    found = urls(world)
    assert len(found) > 60
    sessions = Session.objects.count()
    problems = []
    for url in found:
        for headers in ({}, {"HX-Request": "true"}):
            client = Client()
            for visit in ("first", "again"):
                writes.clear()
                response = client.get(url, headers=headers)
                assert response.status_code < 500, url
                cookie = response.cookies.get(settings.SESSION_COOKIE_NAME)
                if cookie is not None and cookie.value:
                    problems.append(f"{visit} GET {url} {headers} sets a session cookie")
                problems += [f"{visit} GET {url} {headers} writes: {sql}" for sql in writes]
    assert problems == [], "\n".join(problems)
    assert Session.objects.count() == sessions


def test_a_visitor_browsing_modes_gets_no_session_and_the_catalog_offers_no_resume(iam):
    """Moving between modes of a lesson leaves no trace for a visitor with no records."""
    client = Client()
    for mode in ("myths", "pitfalls", "overview"):
        client.get(reverse("trainer:lesson-mode", kwargs={"slug": iam.slug, "mode": mode}))
    catalog = client.get(reverse("trainer:catalog"))
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    assert Session.objects.count() == 0
    assert "Continue" not in catalog.content.decode()
