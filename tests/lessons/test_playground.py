"""The policy playground: decide what was typed, explain it, store nothing, leak no answer."""

import re
import time
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from lessons.models import PolicyCase
from tests.factories import ALLOW_S3_READ, LessonFactory, PolicyCaseFactory

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
DENY_DELETE = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {
      "Sid": "NoDeletes",
      "Effect": "Deny",
      "Action": "s3:DeleteObject",
      "Resource": "*"
    }
  ]
}"""


def form(**changes):
    data = {
        "count": "1",
        "policy-1-type": "identity",
        "policy-1-name": "ReadBucket",
        "policy-1-level": "",
        "policy-1-document": ALLOW_S3_READ,
        "principal": "arn:aws:iam::111122223333:user/ana",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::amzn-s3-demo-bucket/report.csv",
        "resource_account": "",
        "context": "{}",
        "tags": "{}",
    }
    data.update(changes)
    return data


@pytest.fixture
def lesson(db):
    return LessonFactory(slug="lab-lesson", published=True)


def page(lesson):
    return reverse("policy-playground", kwargs={"slug": lesson.slug})


def fragment(lesson):
    return reverse("policy-playground-result", kwargs={"slug": lesson.slug})


def test_playground_page_without_js_decides_on_submit(client, lesson):
    """A plain POST renders the page with the decision, the walk and the numbered JSON."""
    response = client.post(page(lesson), form())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>Allowed</strong>" in html
    assert "Explicit deny check" in html
    assert "Identity-based policies" in html
    assert 'class="policy-line-deciding"' in html
    assert 'data-hx-trigger="input changed delay:300ms"' in html
    assert f'data-hx-post="{fragment(lesson)}"' in html


def test_playground_fragment_marks_the_deciding_deny_statement(client, lesson):
    """The fragment shows an explicit deny, names the statement and marks its lines only."""
    response = client.post(
        fragment(lesson),
        form(**{"policy-1-document": DENY_DELETE, "action": "s3:DeleteObject"}),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Denied (explicit deny)" in html
    assert "statement 2 (NoDeletes), Deny:" in html
    deciding = [
        unescape(line)
        for line in re.findall(r'<li class="policy-line-deciding"><code>(.*?)</code>', html)
    ]
    assert deciding[0].strip() == "{"
    assert '"Sid": "NoDeletes",' in deciding[1]
    assert not any('"s3:*"' in line for line in deciding)
    assert "<html" not in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"policy-1-document": '{"Version": "2012-10-17", '}, "policy-1-document", "JSON"),
        (
            {
                "policy-1-document": ALLOW_S3_READ.replace(
                    '"Action"', '"Condition": {"StringEqualz": {"a:b": "c"}}, "Action"'
                )
            },
            "policy-1-document",
            "unknown operator StringEqualz",
        ),
        ({"context": "{not json"}, "context", "This is not valid JSON"),
        ({"action": "GetObject"}, "action", "is not service:action"),
        ({"policy-1-type": "trust"}, "policy-1-type", "must be one of"),
    ],
)
def test_playground_fragment_bad_input_is_400_beside_its_field(
    client, lesson, changes, field, message
):
    """Bad input answers 400 with the message in the error slot of the field that caused it."""
    response = client.post(fragment(lesson), form(**changes), headers={"HX-Request": "true"})
    assert response.status_code == 400
    html = response.content.decode()
    slot = re.search(rf'<span id="{field}-error"[^>]*>(.*?)</span>', html, re.S)
    assert slot
    assert message in slot.group(1)
    assert "Decision:" not in html


def test_playground_refuses_a_1mb_policy_before_evaluating(client, lesson, monkeypatch):
    """A 1 MB policy is refused with a clear message, without the evaluator being called."""
    from lessons import cases

    def never(*args):
        raise AssertionError("evaluated")

    monkeypatch.setattr(cases, "evaluate", never)
    huge = '{"Version": "2012-10-17", "Statement": []' + " " * (1024 * 1024) + "}"
    response = client.post(fragment(lesson), form(**{"policy-1-document": huge}))
    assert response.status_code == 400
    message = f"This policy is {len(huge):,} characters long; the playground takes at most 65,536"
    assert message in response.content.decode()
    page_response = client.post(page(lesson), form(**{"policy-1-document": huge}))
    assert page_response.status_code == 400
    assert 'aria-invalid="true"' in page_response.content.decode()


def test_playground_add_and_remove_policies_without_js(client, lesson):
    """The add and remove buttons change the list of policies and decide nothing."""
    added = client.post(page(lesson), form(add="1")).content.decode()
    assert 'name="policy-2-document"' in added
    assert 'name="count" value="2"' in added
    assert "Decision:" not in added
    removed = client.post(
        page(lesson), form(count="2", remove="1", **{"policy-2-document": DENY_DELETE})
    ).content.decode()
    assert 'name="policy-2-document"' not in removed
    assert "NoDeletes" in removed


def test_playground_post_writes_nothing_and_sets_no_session(client, lesson):
    """Evaluating, as a page or a fragment, writes no row and creates no session."""
    seen = []

    def watch(execute, sql, params, many, context):
        if WRITE.match(sql):
            seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        for url in (page(lesson), fragment(lesson)):
            response = client.post(url, form())
            assert response.status_code == 200
            assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert seen == []


def test_playground_from_a_case_shows_policies_but_not_the_answer(client, lesson):
    """?case= fills the form with the case, and nothing of its decision or trace is there."""
    case = PolicyCaseFactory(
        lesson=lesson,
        policies=[{"type": "identity", "name": "NoDeletesPolicy", "document": DENY_DELETE}],
        request={
            "principal": "arn:aws:iam::111122223333:user/ana",
            "action": "s3:DeleteObject",
            "resource": "arn:aws:s3:::amzn-s3-demo-bucket/report.csv",
            "principal_tags": {"team": "blue"},
        },
    )
    assert case.decision == "ExplicitDeny"
    response = client.get(page(lesson), {"case": case.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "NoDeletesPolicy" in html
    assert "s3:DeleteObject" in html
    assert "&quot;team&quot;" in html
    for answer in (
        "Denied",
        "explicit deny)",
        "ExplicitDeny",
        "deciding",
        "Decision:",
        "step by step</h3>",
    ):
        assert answer not in html, answer
    assert case.explanation not in html


def test_playground_unknown_case_or_lesson_is_404(client, lesson):
    """A case of another lesson, a bad number, or an unpublished lesson is not found."""
    other = PolicyCaseFactory()
    assert client.get(page(lesson), {"case": other.pk}).status_code == 404
    assert client.get(page(lesson), {"case": "x"}).status_code == 404
    draft = LessonFactory(published=False)
    assert client.get(page(draft)).status_code == 404
    assert PolicyCase.objects.count() == 1


def test_playground_fragment_rejects_get(client, lesson):
    """The fragment endpoint only evaluates a POST."""
    assert client.get(fragment(lesson)).status_code == 405


def test_playground_typical_edit_is_fast(client, lesson):
    """A typical edit (three policies) is decided and rendered well within 50 ms here."""
    data = form(
        count="3",
        **{
            "policy-2-type": "permissions-boundary",
            "policy-2-document": DENY_DELETE,
            "policy-3-type": "scp",
            "policy-3-level": "root",
            "policy-3-document": DENY_DELETE,
        },
    )
    client.post(fragment(lesson), data)
    start = time.perf_counter()
    for _ in range(20):
        assert client.post(fragment(lesson), data).status_code == 200
    assert (time.perf_counter() - start) / 20 < 0.25
