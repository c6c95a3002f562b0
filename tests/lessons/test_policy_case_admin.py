"""Authoring policy cases in the admin: add, change, preview, validation, history."""

import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from lessons.models import PolicyCase
from tests.factories import ALLOW_S3_READ, LessonFactory, PolicyCaseFactory, UserFactory
from tests.helpers import log_in_verified
from tests.lessons.test_admin import admin_form, errors_of

REQUEST = {
    "principal": "arn:aws:iam::111122223333:user/ana",
    "action": "s3:GetObject",
    "resource": "arn:aws:s3:::amzn-s3-demo-bucket/report.csv",
}
POLICIES = [{"type": "identity", "name": "ReadBucket", "document": ALLOW_S3_READ}]


@pytest.fixture
def author(client, db):
    """A staff user of the Instructor group, logged in with the second factor done."""
    user = UserFactory(username="instructor", is_staff=True)
    user.groups.add(Group.objects.get(name="Instructor"))
    return log_in_verified(client, user)


def add_data(lesson, **changes):
    data = {
        "lesson": str(lesson.pk),
        "order": "1",
        "title": "Read a report",
        "difficulty": "easy",
        "scenario": "Ana reads a report.",
        "policies": json.dumps(POLICIES),
        "request": json.dumps(REQUEST),
        "explanation": "The identity policy allows it.",
        "misconception": "",
    }
    data.update(changes)
    return data


def test_policy_case_admin_add_computes_the_answer(author, db):
    """An instructor adds a case; the evaluator's decision and deciding policy are stored."""
    lesson = LessonFactory()
    response = author.post(reverse("admin:lessons_policycase_add"), add_data(lesson))
    assert response.status_code == 302, errors_of(response)
    case = PolicyCase.objects.get()
    assert (case.decision, case.deciding_policy) == ("Allow", "ReadBucket")
    assert case.history.count() == 1


def test_policy_case_admin_change_form_shows_the_preview_and_keeps_history(author):
    """The change form shows the decision and trace server-side; a change adds a version."""
    case = PolicyCaseFactory(order=1)
    url = reverse("admin:lessons_policycase_change", args=[case.pk])
    response = author.get(url)
    html = response.content.decode()
    assert 'id="policy-case-preview"' in html
    assert "<strong>Allowed</strong>" in html
    assert 'class="policy-line-deciding"' in html
    assert "lessons/admin-policy-preview.js" in html
    assert "<script>" not in html
    data = admin_form(author, url, "policycase_form")
    data["request"] = json.dumps({**REQUEST, "action": "s3:PutObject"})
    assert author.post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.decision == "ImplicitDeny"
    assert case.history.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("policies", "[{]", "Enter a valid JSON."),
        (
            "policies",
            json.dumps([{**POLICIES[0], "document": '{"Version": "2012-10-17"'}]),
            "policies[1]",
        ),
        ("request", json.dumps({**REQUEST, "action": "GetObject"}), "request.action"),
        ("policies", json.dumps([{**POLICIES[0], "type": "trust"}]), "policies[1].type"),
    ],
)
def test_policy_case_admin_refuses_what_the_evaluator_cannot_decide(author, field, value, message):
    """Bad JSON, bad policies and bad requests are shown on the form; nothing is saved."""
    lesson = LessonFactory()
    response = author.post(
        reverse("admin:lessons_policycase_add"), add_data(lesson, **{field: value})
    )
    assert response.status_code == 200
    assert any(message in error for error in errors_of(response)), errors_of(response)
    assert not PolicyCase.objects.exists()


def test_policy_case_admin_live_preview_endpoint(author):
    """The preview endpoint renders the trace for what is typed, and a 400 for bad JSON."""
    url = reverse("admin:lessons_policycase_preview")
    ok = author.post(url, {"policies": json.dumps(POLICIES), "request": json.dumps(REQUEST)})
    assert ok.status_code == 200
    assert "Identity-based policies" in ok.content.decode()
    bad = author.post(url, {"policies": "[", "request": "{}"})
    assert bad.status_code == 400
    assert "valid JSON" in bad.content.decode()
    wrong = author.post(url, {"policies": json.dumps(POLICIES), "request": "{}"})
    assert wrong.status_code == 200
    assert "request.principal" in wrong.content.decode()
    assert author.get(url).status_code == 405


def test_policy_case_admin_preview_refuses_staff_without_permission(client, db):
    """Staff without content permissions cannot use the preview."""
    log_in_verified(client, UserFactory(is_staff=True))
    url = reverse("admin:lessons_policycase_preview")
    response = client.post(url, {"policies": "[]", "request": "{}"})
    assert response.status_code == 403
