"""Policy cases as lesson content: evaluated on load, cross-checked, exported, cached, kept."""

import copy
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import Group

from lessons import cache, format_export, format_load, formats
from lessons.cases import policy_lines
from lessons.models import Lesson
from lessons.validation import policy_case_problems
from tests.factories import ALLOW_S3_READ, PolicyCaseFactory

SHIPPED = Path(__file__).resolve().parents[2] / "lessons" / "data" / "iam-best-practices.yaml"
PRINCIPAL = "arn:aws:iam::111122223333:user/ana"

CASE = {
    "title": "Read a report",
    "difficulty": "easy",
    "scenario": "Ana reads a report.",
    "policies": [{"type": "identity", "name": "ReadBucket", "document": ALLOW_S3_READ}],
    "request": {
        "principal": PRINCIPAL,
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::amzn-s3-demo-bucket/report.csv",
    },
    "explanation": "The identity policy allows it.",
}
LESSON = {
    "slug": "tiny-lab",
    "title": "Tiny lab",
    "category": "Testing",
    "steps": [{"level": "foundation", "title": "One", "concept": "C", "body": "B"}],
    "policy_cases": [CASE],
}


def write(tmp_path, data):
    path = tmp_path / "lesson.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_shipped_lesson_cases_agree_with_the_evaluator():
    """Every shipped case states its answer, and loading (which evaluates each) agrees."""
    source = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))["policy_cases"]
    [lesson] = format_load.load_files([SHIPPED])
    cases = list(lesson.policy_cases.order_by("order"))
    assert len(cases) >= 15
    assert {c.difficulty for c in cases} == {"easy", "medium", "hard"}
    assert {c.decision for c in cases} == {"Allow", "ExplicitDeny", "ImplicitDeny"}
    for case, stated in zip(cases, source, strict=True):
        assert case.decision == stated["decision"], case.title
        assert case.deciding_policy == stated.get("deciding_policy", ""), case.title


@pytest.mark.django_db
def test_load_refuses_a_case_whose_stated_decision_disagrees(tmp_path):
    """A stated answer the evaluator contradicts is refused, naming the case; nothing loads."""
    data = copy.deepcopy(LESSON)
    data["policy_cases"][0]["decision"] = "ExplicitDeny"
    with pytest.raises(formats.LessonFormatError) as exc:
        format_load.load_files([write(tmp_path, data)])
    message = str(exc.value)
    assert "policy_cases[1] “Read a report”" in message
    assert "the stated decision is ExplicitDeny, but the evaluator decides Allow" in message
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_load_refuses_a_wrong_deciding_policy_and_bad_json(tmp_path):
    """A wrong deciding policy and a policy that is not JSON are each named with their case."""
    data = copy.deepcopy(LESSON)
    data["policy_cases"][0]["deciding_policy"] = "SomethingElse"
    second = copy.deepcopy(CASE)
    second["title"] = "Broken"
    second["policies"][0]["document"] = '{"Version": "2012-10-17", "Statement": ['
    data["policy_cases"].append(second)
    with pytest.raises(formats.LessonFormatError) as exc:
        format_load.load_files([write(tmp_path, data)])
    message = str(exc.value)
    assert "“Read a report”: the stated deciding policy is 'SomethingElse'" in message
    assert "policy_cases[2] “Broken”: policies[1]" in message


@pytest.mark.django_db
def test_policy_case_round_trip_is_byte_identical(tmp_path):
    """Export, load, export the shipped lesson: the same text, cases and their JSON included."""
    [lesson] = format_load.load_files([SHIPPED])
    first = format_export.export(lesson)
    Lesson.objects.all().delete()
    path = tmp_path / "exported.yaml"
    path.write_text(first, encoding="utf-8")
    [reloaded] = format_load.load_files([path])
    assert format_export.export(reloaded) == first
    exported = yaml.safe_load(first)["policy_cases"]
    source = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))["policy_cases"]
    assert [p["document"] for p in exported[0]["policies"]] == [
        p["document"] for p in source[0]["policies"]
    ]


@pytest.mark.django_db
def test_policy_case_save_computes_the_answer_and_history_skips_no_ops():
    """Saving evaluates the case; saving it unchanged records no new version."""
    case = PolicyCaseFactory()
    assert (case.decision, case.deciding_policy) == ("Allow", "ReadBucket")
    case.request = {**case.request, "action": "s3:PutObject"}
    case.save()
    assert (case.decision, case.deciding_policy) == ("ImplicitDeny", "")
    versions = case.history.count()
    case.save()
    assert case.history.count() == versions == 2


@pytest.mark.django_db
def test_policy_cases_are_in_the_cached_content_as_plain_data():
    """A case is found by pk in the lesson's cached content, rebuilt from plain JSON data."""
    case = PolicyCaseFactory()
    encoded = cache.content_encode(Lesson.objects.with_content().get(pk=case.lesson_id))
    assert "policy_cases" in encoded["many"]
    cache.clear_local()
    found = cache.lesson_part(Lesson.objects.get(pk=case.lesson_id), "policy_cases", case.pk)
    assert found.policies == case.policies
    assert found.decision == "Allow"


def test_policy_case_problems_name_the_place():
    """Unknown operators, unknown types and duplicate names are named with their place."""
    bad = ALLOW_S3_READ.replace(
        '"Resource"', '"Condition": {"StringEqualz": {"a:b": "c"}}, "Resource"'
    )
    [problem] = policy_case_problems(
        [{"type": "identity", "name": "P", "document": bad}], CASE["request"]
    )
    assert problem.startswith("policies[1].Statement[1].Condition")
    assert "StringEqualz" in problem
    [problem] = policy_case_problems(
        [{"type": "trust", "name": "P", "document": ALLOW_S3_READ}], CASE["request"]
    )
    assert problem.startswith("policies[1].type: must be one of")
    policy = {"type": "identity", "name": "P", "document": ALLOW_S3_READ}
    [problem] = policy_case_problems([policy, policy], CASE["request"])
    assert problem == "policies[2].name: another policy is named 'P'"


def test_policy_lines_mark_the_deciding_statement():
    """The lines of the deciding statement, and only those, are marked."""
    document = (
        '{\n  "Statement": [\n    {"Effect": "Deny", "Action": "a:b", "Resource": "*"},\n'
        '    {\n      "Effect": "Allow",\n      "Action": "s3:*",\n      "Resource": "*"\n'
        "    }\n  ]\n}"
    )
    lines = policy_lines(document, {1})
    assert [line["number"] for line in lines if line["deciding"]] == [4, 5, 6, 7, 8]
    assert lines[0] == {"number": 1, "text": "{", "deciding": False}


@pytest.mark.django_db
def test_instructor_group_may_edit_policy_cases():
    """The Instructor group holds every permission on policy cases."""
    codenames = set(
        Group.objects.get(name="Instructor").permissions.values_list("codename", flat=True)
    )
    assert {
        "add_policycase",
        "change_policycase",
        "delete_policycase",
        "view_policycase",
    } <= codenames
