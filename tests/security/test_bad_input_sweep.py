"""Every URL, every method, as anyone, with malformed input: never a 5xx, never a change.

The sweep walks the URL resolver, so a page added later is swept without editing this
file. Each path parameter is filled with malformed values (huge and negative numbers,
Unicode, other scripts' digits, NUL, traversal, very long strings); forms get odd
Unicode, NUL bytes and extra fields; POSTs go with a valid CSRF token, none, or someone
else's. A second pass fills real slugs, so the views read what follows: other scripts'
digits in every query and form value, every field repeated (always 400) and multipart
bodies with a small file part and one over MAX_REQUEST_BYTES (always 413).
"""

import re
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, encode_multipart
from django.urls import URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessons.cards import cards_for
from lessons.models import Lesson, QuestionKind
from quizzes.items import ITEM_TYPES
from quizzes.models import Attempt, Commit, HintRequest, Learner, LessonProgress
from tests.factories import (
    AssignmentFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
    full_lesson,
)
from trainer.audit.models import AuditEvent
from trainer.certificates.models import Certificate

from .conftest import log_in_verified

pytestmark = pytest.mark.django_db

MALFORMED = [
    "99999999999999999999",  # beyond any integer column
    "-1",
    "%00",  # NUL
    "..%2F..%2Fetc%2Fpasswd",
    "%C3%BC%C3%9F%E2%80%AE%F0%9F%92%A5",  # ü ß, right-to-left override, emoji
    "%FF%FE",  # not UTF-8 at all
    "x" * 2000,
    "%27%22%3E%3Cscript%3E",
    "%C2%B2",  # superscript two: isdigit() is true, int() fails
    "%D9%A3",  # Arabic-Indic three: int() reads 3
]
ADMIN_MALFORMED = ["99999999999999999999", "%00", "%FF%FE", "%C2%B2", "%EF%BC%93"]
GARBAGE_QUERY = "?q=%00&p=99999999999999999999&o=%FF&next=//evil.example/&page=-1&sort=%E2%80%AE"
GARBAGE_FORM = {
    "answer": "\x00",
    "code": "١٢٣٤٥٦",  # Arabic-Indic digits
    "username": "\u202eadmin\x00",
    "password": "\x00" * 3,
    "email": "a@\x00.example",
    "name": "n" * 5000,
    "next": "//evil.example/",
    "due_date": "2026-02-30",
    "role": "owner",
    "_save": "Save",
    "extra": "\ufffd\ud7ff\U0010ffff",
}
# Other scripts' digits in every value that could be read as a number, and no NUL byte,
# so the request gets past the NUL check to the views (lessons.numbers).
DIGITS = ["\u00b2", "\u2460", "\u0663", "\uff13"]  # ², ①, ٣, full-width 3
DIGIT_NAMES = [
    "answer", "rating", "card", "q", "n", "step", "page", "assignment", "lesson", "order",
    "estimated_minutes", "number", "pk", "id", "p", "o", "kind", "difficulty", "user",
    "team", "due_date", "code", "token", "index", "select_across", "action",
]  # fmt: skip
DIGIT_QUERY = "?" + urlencode({name: DIGITS[i % len(DIGITS)] for i, name in enumerate(DIGIT_NAMES)})
DIGIT_FORM = {
    **{k: v.replace("\x00", "") for k, v in GARBAGE_FORM.items()},
    **{name: DIGITS[i % len(DIGITS)] * 2 for i, name in enumerate(DIGIT_NAMES)},
}
REPEATED_QUERY = "?answer=1&answer=2&q=1&q=2"
REPEATED_FORM = {"answer": ["1", "2"], "rating": ["3", "3"], "next": ["/", "/me/"]}
# Logging out is the one action a body cannot make harmless; it is tested on its own.
SKIP_POST = {"accounts:logout", "admin:logout"}
# Actions that take no input: any well-formed POST to them acts, as it should.
NO_INPUT = {*SKIP_POST, "quizzes:practice-retry", "quizzes:test-start"}
WATCHED = [Commit, Attempt, LessonProgress, HintRequest, Learner, Certificate, get_user_model()]
PLACEHOLDER = "\x01"
FORM = {"content_type": "application/x-www-form-urlencoded"}
# Equal to the test client's MULTIPART_CONTENT but not it, so a body is sent as given.
MULTIPART_BODY = f"multipart/form-data; boundary={BOUNDARY}"


def patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            space = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from patterns(pattern, prefix + str(pattern.pattern), space)
        else:
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name or ''}"


def template(route):
    """The route with each parameter (converter or regex group) as a placeholder."""
    route = re.sub(r"<(?:\w+:)?\w+>", PLACEHOLDER, route)
    while re.search(r"\([^()]*\)", route):
        route = re.sub(r"\([^()]*\)", PLACEHOLDER, route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


def fill(route, values):
    values = iter(values)
    return re.sub(PLACEHOLDER, lambda _: next(values), route)


def changelist_queries(route):
    """For an admin changelist: a malformed filter on every field at once, then a bad
    regular expression on every field (the admin lets staff filter by URL)."""
    match = re.fullmatch(r"/admin/(\w+)/(\w+)/", route)
    if not match:
        return []
    try:
        model = apps.get_model(*match.groups())
    except LookupError:
        return []
    names = [f.name for f in model._meta.concrete_fields if f.name != "password"]
    return [
        "?" + urlencode({name: "not valid \u202e" for name in names}),
        "?" + urlencode({f"{name}__regex": "(((" for name in names}),
    ]


def paths(route, admin):
    """Every parameter malformed at once, then each one malformed with sane neighbours."""
    slots = route.count(PLACEHOLDER)
    if not slots:
        return [route + query for query in [GARBAGE_QUERY, *changelist_queries(route)]]
    values = ADMIN_MALFORMED if admin else MALFORMED
    found = [fill(route, [value] * slots) for value in values]
    if slots > 1:
        for position in range(slots):
            for value in values[:2]:
                found.append(
                    fill(route, ["1"] * position + [value] + ["1"] * (slots - position - 1))
                )
    return found


def snapshot():
    return {model.__name__: model.objects.count() for model in WATCHED}


def csrf_client(user=None, verified=False):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if user is not None:
        log_in_verified(client, user) if verified else client.force_login(user)
    client.get(reverse("trainer:catalog"))
    return client


def token(client):
    from django.conf import settings as django_settings

    return client.cookies[django_settings.CSRF_COOKIE_NAME].value


@pytest.fixture
def world():
    lesson = full_lesson(practice=2, test=1)
    learner_user = UserFactory(username="sweep-learner")
    staff_user = UserFactory(username="sweep-staff", is_staff=True, is_superuser=True)
    team = TeamFactory(slug="sweep-team")
    MembershipFactory(team=team, user=learner_user, role="manager")
    AssignmentFactory(team=team, lesson=lesson)
    return lesson, learner_user, staff_user


def sweep(client, routes, *, with_post=True):
    failures = []
    for route, name in routes:
        admin = route.startswith("/admin/")
        for i, path in enumerate(paths(route, admin)):
            headers = {"HX-Request": "true"} if i % 2 else {}
            responses = [("GET", path, client.get(path, headers=headers))]
            if with_post and name not in SKIP_POST:
                form = {**GARBAGE_FORM, "csrfmiddlewaretoken": token(client)}
                responses.append(("POST", path, client.post(path, form, headers=headers)))
                if i == 0:
                    responses.append(("POST no CSRF", path, client.post(path, GARBAGE_FORM)))
                    foreign = {**GARBAGE_FORM, "csrfmiddlewaretoken": "x" * 64}
                    responses.append(("POST foreign CSRF", path, client.post(path, foreign)))
            failures += [
                f"{method} {path[:120]} -> {response.status_code}"
                for method, path, response in responses
                if response.status_code >= 500
            ]
    return failures


@pytest.mark.django_db(transaction=True)
def test_every_url_answers_malformed_input_below_500_and_changes_nothing(world):
    """Each request commits or rolls back on its own, as in production: on PostgreSQL an
    error inside one test-wide transaction would spoil every request after it."""
    _, learner_user, staff_user = world
    routes = [(template(route), name) for route, name in patterns()]
    site = [r for r in routes if not r[0].startswith("/admin/")]
    admin = [r for r in routes if r[0].startswith("/admin/")]
    assert len(site) > 30
    assert len(admin) > 50
    before = snapshot()
    trail = AuditEvent.objects.exclude(object_type__startswith="otp_")
    events = trail.count()
    failures = []
    failures += sweep(csrf_client(), site)
    failures += sweep(csrf_client(), admin[:10], with_post=False)
    failures += sweep(csrf_client(learner_user), site)
    staff = csrf_client(staff_user, verified=True)
    failures += sweep(staff, site + admin)
    assert failures == [], "\n".join(failures)
    assert snapshot() == before
    # No account, group, permission, team or assignment changed either. (Second-factor
    # devices may: "make new recovery codes" is an action that takes no input.)
    assert trail.count() == events


def real_paths(route, lesson, team):
    """The route with real slugs (the world's lesson or team, a real mode), and each id
    written in another script's digits (never a real row: nothing can be acted on)."""
    slug = team.slug if route.startswith("teams/") else lesson.slug

    def value(match):
        text = match[0]
        if "slug" in text:
            return slug
        if "|" in text:  # a regex group listing its choices: the first one
            return re.search(r">([^|)]+)", text)[1]
        if "kind" in text:
            return "myth"
        return PLACEHOLDER

    route = re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^()]*\)", value, route)
    route = "/" + route.replace("^", "").replace("$", "").replace("\\", "")
    digits = DIGITS[:1] if route.startswith("/admin/") else DIGITS[:1] + DIGITS[2:3]
    if PLACEHOLDER not in route:
        return [route]
    return [route.replace(PLACEHOLDER, quote(digit)) for digit in digits]


def shape_sweep(client, routes, lesson, team, big_body, real):
    """Unicode digits in every query and form value and in ids, repeated fields, and
    multipart bodies with a small and an oversized file part, on every URL. ``real``
    are form values that must be right for a view to read the rest (a card's key)."""
    failures = []
    for route, name in routes:
        for i, path in enumerate(real_paths(route, lesson, team)):
            headers = {"HX-Request": "true"} if i % 2 else {}
            csrf = {"csrfmiddlewaretoken": token(client)}
            responses = [("GET digits", client.get(path + DIGIT_QUERY, headers=headers), None)]
            responses.append(("GET repeated", client.get(path + REPEATED_QUERY), 400))
            if name not in SKIP_POST:
                if name not in NO_INPUT:
                    form = {**DIGIT_FORM, **real, **csrf}
                    encoded = urlencode(form)
                    responses.append(("POST digits", client.post(path, encoded, **FORM), None))
                    with_file = {**form, "attachment": small_file()}
                    responses.append(("POST small file", client.post(path, with_file), None))
                repeated = urlencode({**REPEATED_FORM, **csrf}, doseq=True)
                responses.append(("POST repeated", client.post(path, repeated, **FORM), 400))
                big = client.post(path, big_body, content_type=MULTIPART_BODY)
                responses.append(("POST big file", big, 413))
            failures += [
                f"{label} {path[:120]} -> {response.status_code}"
                for label, response, expected in responses
                if response.status_code >= 500
                or (expected is not None and response.status_code != expected)
            ]
    return failures


def small_file():
    return SimpleUploadedFile("notes.txt", "\u00b2\u0663 notes".encode(), "text/plain")


@pytest.mark.django_db(transaction=True)
def test_every_url_answers_odd_digits_repeated_fields_and_file_parts_below_500(world, settings):
    """The class of each input bug, on every URL as anyone: other scripts' digits never
    answer 5xx, a repeated field is always 400, a body over MAX_REQUEST_BYTES (a file
    part) always 413, and none of it changes a record."""
    lesson, learner_user, staff_user = world
    team = TeamFactory(slug="shape-team")
    MembershipFactory(team=team, user=learner_user, role="manager")
    routes = list(patterns())
    site = [r for r in routes if not r[0].startswith("admin/")]
    big_body = encode_multipart(
        BOUNDARY,
        {"answer": "yes", "attachment": SimpleUploadedFile("big.bin", b"\0" * (3 << 20))},
    )
    assert len(big_body) > settings.MAX_REQUEST_BYTES
    before = snapshot()
    trail = AuditEvent.objects.exclude(object_type__startswith="otp_")
    events = trail.count()
    failures = []
    real = {"card": cards_for(Lesson.objects.with_content().get(pk=lesson.pk))[0].key}
    failures += shape_sweep(csrf_client(), site, lesson, team, big_body, real)
    failures += shape_sweep(csrf_client(learner_user), site, lesson, team, big_body, real)
    staff = csrf_client(staff_user, verified=True)
    failures += shape_sweep(staff, routes, lesson, team, big_body, real)
    assert failures == [], "\n".join(failures)
    assert snapshot() == before
    assert trail.count() == events


@pytest.mark.parametrize("name", ["accounts:login", "accounts:signup", "security:verify"])
def test_huge_bodies_are_refused_before_any_view(world, name):
    client = csrf_client()
    before = snapshot()
    body = {"csrfmiddlewaretoken": token(client), "username": "x" * 3_000_000}
    response = client.post(reverse(name), body)
    assert response.status_code == 413
    assert snapshot() == before


def test_huge_commit_body_is_refused_and_records_nothing(world):
    lesson, _, _ = world
    client = csrf_client()
    myth = lesson.myths.first()
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk])
    before = snapshot()
    response = client.post(url, {"csrfmiddlewaretoken": token(client), "answer": "y" * 3_000_000})
    assert response.status_code == 413
    assert snapshot() == before


def test_too_many_fields_are_refused(world):
    client = csrf_client()
    body = {"csrfmiddlewaretoken": token(client), **{f"f{i}": "1" for i in range(1200)}}
    assert client.post(reverse("accounts:login"), body).status_code == 400


def items(lesson):
    step = lesson.steps.exclude(prediction_prompt="").get()
    question = lesson.questions.filter(kind=QuestionKind.PRACTICE).first()
    return {
        "step": (step, [str(o.pk) for o in step.options.all()]),
        "myth": (lesson.myths.first(), ["yes", "no"]),
        "pitfall": (
            lesson.pitfalls.first(),
            [o.key for o in ITEM_TYPES["pitfall"].options(lesson.pitfalls.first())],
        ),
        "question": (question, [str(c.pk) for c in question.choices.all()]),
    }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_commit_accepts_exactly_the_items_options_whatever_else_is_posted(world, data):
    """Hypothesis: any form posted to the commit endpoint either records exactly one
    commit with one of the item's own options, or answers 4xx and records nothing."""
    lesson = world[0]
    kind = data.draw(st.sampled_from(["step", "myth", "pitfall", "question"]), label="kind")
    item, options = items(lesson)[kind]
    answer = data.draw(
        st.one_of(
            st.sampled_from(options),
            st.text(max_size=40),
            st.integers().map(str),
            st.sampled_from(
                ["", " yes", "YES", options[0] + "\x00", "-1", "1e9", "wrong", "correct"]
            ),
        ),
        label="answer",
    )
    extra = data.draw(
        st.dictionaries(
            # Printable names: a multipart header cannot carry control characters, so
            # two such names may reach the server as one repeated field (a 400).
            st.text(min_size=1, max_size=12).filter(
                lambda k: k.isprintable() and k not in {"answer", "csrfmiddlewaretoken"}
            ),
            st.text(max_size=30),
            max_size=4,
        ),
        label="extra",
    )
    htmx = data.draw(st.booleans(), label="htmx")
    client = csrf_client()
    before = Commit.objects.count()
    form = {**extra, "answer": answer, "csrfmiddlewaretoken": token(client)}
    response = client.post(
        reverse("quizzes:commit", args=[lesson.slug, kind, item.pk]),
        form,
        headers={"HX-Request": "true"} if htmx else {},
    )
    # A NUL byte anywhere in the form is refused outright (trainer.security.middleware).
    clean = not any("\x00" in text for pair in form.items() for text in pair)
    if answer in options and clean:
        assert response.status_code in (200, 302)
        commit = Commit.objects.latest("pk")
        assert Commit.objects.count() == before + 1
        assert commit.answer == answer
    else:
        assert 400 <= response.status_code < 500
        assert Commit.objects.count() == before
