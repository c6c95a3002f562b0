"""Team pages over HTTP: what each person sees, what bad input gets, what never changes."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from quizzes.models import LessonProgress
from tests.factories import (
    AssignmentFactory,
    AttemptFactory,
    LessonFactory,
    MembershipFactory,
    UserFactory,
    full_lesson,
)
from tests.helpers import page_text
from trainer.teams.models import Assignment, Membership, Team

from .conftest import complete, progress_for

pytestmark = pytest.mark.django_db


def url(name, team, *args):
    return reverse(f"teams:{name}", args=[team.slug, *args])


def read_csv(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def staff(*perms):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    return user


# The dashboard --------------------------------------------------------------------------


def test_dashboard_shows_the_grid_totals_chart_and_states(client, manager, member, assignment):
    late = MembershipFactory(team=assignment.team, user=UserFactory(username="bob")).user
    progress_for(late, assignment.lesson, percent=40, practice_score=1, practice_total=2)
    complete(member, assignment.lesson, practice_score=2, practice_total=2)
    client.force_login(manager)
    response = client.get(assignment.team.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert "Team totals per assignment, 2 members" in text
    assert "Members by assignment" in text
    assert 'aria-label="alice on Least privilege"' in html
    assert 'aria-label="bob on Least privilege"' in html
    assert re.search(r'<progress max="100" value="100" aria-label="alice on', html)
    assert "Practice: 2 / 2" in text
    assert "Practice: 1 / 2" in text
    assert '<svg viewBox="0 0 660 200"' in html
    assert 'class="chart-bar"' in html
    assert "style=" not in html
    assert "<script>" not in html


def test_dashboard_counts_each_state_per_assignment(client, manager, team, lesson):
    today = timezone.localdate()
    overdue = AssignmentFactory(team=team, lesson=lesson, due_date=today - timedelta(days=1))
    users = [MembershipFactory(team=team).user for _ in range(4)]
    complete(users[0], lesson)
    progress_for(users[1], lesson, percent=10)
    client.force_login(manager)
    response = client.get(team.get_absolute_url())
    [totals] = response.context["report"].totals
    assert totals.assignment == overdue
    assert (totals.complete, totals.in_progress, totals.not_started, totals.overdue) == (1, 0, 0, 3)


def test_dashboard_is_not_cached(client, manager, team):
    client.force_login(manager)
    response = client.get(team.get_absolute_url())
    assert "no-store" in response["Cache-Control"]


def test_dashboard_of_another_team_is_404_for_a_manager(client, manager, other_team):
    client.force_login(manager)
    assert client.get(other_team.get_absolute_url()).status_code == 404


def test_dashboard_of_an_unknown_team_is_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("teams:dashboard", args=["no-such-team"])).status_code == 404


def test_dashboard_is_404_for_a_learner_of_the_team(client, member, team):
    client.force_login(member)
    assert client.get(team.get_absolute_url()).status_code == 404


def test_dashboard_redirects_an_anonymous_visitor_to_log_in(client, team):
    response = client.get(team.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_dashboard_is_404_for_staff_without_the_teams_permission(client, team):
    client.force_login(staff("view_lesson"))
    assert client.get(team.get_absolute_url()).status_code == 404


def test_dashboard_is_open_to_staff_who_may_view_teams(client, team, other_team):
    client.force_login(staff("view_team"))
    assert client.get(team.get_absolute_url()).status_code == 200
    assert client.get(other_team.get_absolute_url()).status_code == 200


def test_dashboard_filter_by_another_teams_assignment_is_404(
    client, manager, assignment, other_team
):
    theirs = other_team.assignments.get()
    client.force_login(manager)
    response = client.get(assignment.team.get_absolute_url(), {"assignment": theirs.pk})
    assert response.status_code == 404
    assert theirs.lesson.title not in response.content.decode()


def test_dashboard_filter_by_own_assignment_shows_only_it(client, manager, team, assignment):
    second = AssignmentFactory(team=team, lesson=LessonFactory(title="Second lesson"))
    client.force_login(manager)
    response = client.get(team.get_absolute_url(), {"assignment": second.pk})
    assert response.status_code == 200
    assert response.context["report"].assignments == [second]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "password"},
        {"sort": "name; DROP TABLE"},
        {"page": "two"},
        {"page": "0"},
        {"page": "99"},
        {"assignment": "x"},
        {"assignment": "-1"},
        {"assignment": "99999999999999999999999"},
    ],
)
def test_dashboard_answers_bad_parameters_with_400(client, manager, assignment, member, params):
    client.force_login(manager)
    response = client.get(assignment.team.get_absolute_url(), params)
    assert response.status_code == 400


@pytest.mark.parametrize("sort", ["name", "-name", "progress", "-progress", "state", "-state"])
def test_dashboard_sorts_by_each_allowed_key(client, manager, team, assignment, sort):
    names = {"carol": 100, "alice": 0, "bob": 40}
    for username, percent in names.items():
        user = MembershipFactory(team=team, user=UserFactory(username=username)).user
        if percent == 100:
            complete(user, assignment.lesson)
        elif percent:
            progress_for(user, assignment.lesson, percent=percent)
    client.force_login(manager)
    response = client.get(team.get_absolute_url(), {"sort": sort})
    order = [row.user.username for row in response.context["page"].object_list]
    expected = {
        "name": ["alice", "bob", "carol"],
        "progress": ["alice", "bob", "carol"],
        "state": ["alice", "bob", "carol"],
    }[sort.lstrip("-")]
    assert order == (expected[::-1] if sort.startswith("-") else expected)


def test_dashboard_pages_large_teams_by_fifty(client, manager, team, assignment):
    users = UserFactory.create_batch(120)
    Membership.objects.bulk_create(Membership(team=team, user=u) for u in users)
    client.force_login(manager)
    first = client.get(team.get_absolute_url())
    last = client.get(team.get_absolute_url(), {"page": 3})
    assert len(first.context["page"].object_list) == 50
    assert len(last.context["page"].object_list) == 20
    assert "Page 1 of 3 (120 members)" in page_text(first)
    assert "page=2" in first.content.decode()


def test_dashboard_lists_the_teams_misconceptions_with_links(client, manager, member, team):
    from quizzes.services import attempt_open, commit_record

    lesson = full_lesson(steps=2, practice=2, title="Roles")
    AssignmentFactory(team=team, lesson=lesson)
    learner = progress_for(member, lesson).learner
    myth = lesson.myths.get(order=1)  # its true answer is "no"
    commit_record(learner=learner, kind="myth", item=myth, answer="yes")
    step = lesson.steps.get(order=1)
    wrong = step.options.get(is_expected=False)
    commit_record(learner=learner, kind="step", item=step, answer=str(wrong.pk))
    attempt = attempt_open(learner=learner, lesson=lesson, kind="practice")
    question = lesson.questions.get(kind="practice", order=2)
    bad = question.choices.get(is_correct=False, order=1)
    commit_record(
        learner=learner, kind="question", item=question, answer=str(bad.pk), attempt=attempt
    )
    # A wrong answer from someone outside the team does not count.
    outsider = progress_for(UserFactory(), lesson).learner
    commit_record(learner=outsider, kind="myth", item=lesson.myths.get(order=2), answer="no")

    client.force_login(manager)
    response = client.get(team.get_absolute_url())
    items = {m.kind: m for m in response.context["misconceptions"]}
    assert set(items) == {"myth", "step", "question"}
    base = lesson.get_absolute_url()
    assert items["myth"].url == f"{base}#myth-1"
    assert items["myth"].common_answer == "Yes"
    assert items["step"].url == f"{base}#step-1"
    assert items["question"].url == f"{base}?q=2#practice"
    assert (items["myth"].learners, items["myth"].wrong) == (1, 1)
    html = response.content.decode()
    assert f'href="{base}?q=2#practice"' in html.replace("&amp;", "&")


def test_dashboard_query_count_does_not_grow_with_the_team(client, manager, team):
    lessons = [full_lesson(steps=1, practice=1) for _ in range(3)]
    for lesson in lessons:
        AssignmentFactory(team=team, lesson=lesson, minimum_verdict="almost")

    def add_members(count):
        for _ in range(count):
            user = MembershipFactory(team=team).user
            for lesson in lessons:
                complete(user, lesson, test_best_verdict="strong")

    client.force_login(manager)
    add_members(5)
    client.get(team.get_absolute_url())  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(team.get_absolute_url()).status_code == 200
    add_members(45)
    with CaptureQueriesContext(connection) as large:
        assert client.get(team.get_absolute_url(), {"sort": "-state"}).status_code == 200
    assert len(large) == len(small)
    with CaptureQueriesContext(connection) as export:
        assert client.get(url("export", team)).status_code == 200
    assert len(export) <= len(small)


def test_dashboard_and_export_of_500_members_run_in_fixed_queries(
    client, manager, team, django_assert_max_num_queries
):
    lessons = LessonFactory.create_batch(10)
    assignments = Assignment.objects.bulk_create(
        Assignment(team=team, lesson=lesson, due_date=timezone.localdate()) for lesson in lessons
    )
    users = UserFactory._meta.model.objects.bulk_create(
        UserFactory._meta.model(username=f"member{i:03}") for i in range(500)
    )
    Membership.objects.bulk_create(Membership(team=team, user=u) for u in users)
    from quizzes.models import Learner

    learners = Learner.objects.bulk_create(Learner(user=u) for u in users)
    LessonProgress.objects.bulk_create(
        LessonProgress(
            learner=learner,
            lesson=lessons[i % 10],
            percent=100,
            started_at=datetime(2026, 11, 1, tzinfo=UTC),
            completed_at=datetime(2026, 11, 2, tzinfo=UTC),
        )
        for i, learner in enumerate(learners)
    )
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        response = client.get(team.get_absolute_url(), {"sort": "progress", "page": 10})
    assert response.status_code == 200
    assert len(response.context["report"].rows) == 500
    with django_assert_max_num_queries(10):
        response = client.get(url("export", team))
    rows = read_csv(response)
    assert len(rows) == 1 + 500 * len(assignments)


# The export ----------------------------------------------------------------------------


EXPORT_HEADER = [
    "Username",
    "Name",
    "E-mail",
    "Team",
    "Lesson",
    "Due date",
    "Required verdict",
    "State",
    "Progress %",
    "Completed at (UTC)",
    "Practice score",
    "Practice total",
    "Latest test score %",
    "Latest verdict",
    "Best test score %",
    "Best verdict",
]


def test_export_is_a_csv_attachment_with_one_row_per_member_and_assignment(
    client, manager, member, assignment
):
    """The header names one figure per column in words, and a row for each state reads as a
    person would say it: titles and labels, not slugs and codes; a figure not reached is
    empty, a figure reached at zero is 0."""
    team, lesson = assignment.team, assignment.lesson
    assignment.minimum_verdict = "almost"
    assignment.save()
    done = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    member.first_name, member.last_name = "Alice", "Liddell"
    member.save()
    complete(
        member,
        lesson,
        at=done,
        practice_score=2,
        practice_total=2,
        test_latest_score=7,
        test_latest_total=10,
        test_latest_verdict="almost",
        test_best_verdict="strong",
    )
    learner = member.learner
    for score in (9, 7):
        AttemptFactory(
            learner=learner,
            lesson=lesson,
            kind="test",
            score=score,
            total=10,
            verdict="strong" if score == 9 else "almost",
            finished_at=done,
        )
    # An unfinished test never counts, however high its running score.
    AttemptFactory(learner=learner, lesson=lesson, kind="test", score=10, total=10)
    started = MembershipFactory(team=team, user=UserFactory(username="bob")).user
    # Practice started but no round finished: the score is not reached, so neither is shown.
    progress_for(started, lesson, percent=20, practice_score=None, practice_total=5)
    zero = MembershipFactory(team=team, user=UserFactory(username="carol")).user
    progress_for(
        zero,
        lesson,
        percent=40,
        practice_score=0,
        practice_total=2,
        test_latest_score=0,
        test_latest_total=10,
        test_latest_verdict="needs-work",
        test_best_verdict="needs-work",
    )
    AttemptFactory(
        learner=zero.learner,
        lesson=lesson,
        kind="test",
        score=0,
        total=10,
        verdict="needs-work",
        finished_at=done,
    )
    MembershipFactory(team=team, user=UserFactory(username="dave"))
    late = AssignmentFactory(
        team=team,
        lesson=full_lesson(steps=1, practice=1, title="Root account"),
        due_date=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(manager)
    response = client.get(url("export", team), {"assignment": assignment.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="team-platform-')
    assert "no-store" in response["Cache-Control"]
    header, *rows = read_csv(response)
    assert header == EXPORT_HEADER
    records = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    common = {
        "Team": "Platform security",
        "Lesson": "Least privilege",
        "Due date": assignment.due_date.isoformat(),
        "Required verdict": "Almost there",
    }
    assert records["alice"] == {
        "Username": "alice",
        "Name": "Alice Liddell",
        "E-mail": "alice@example.com",
        **common,
        "State": "Complete",
        "Progress %": "100",
        "Completed at (UTC)": "2026-12-01T03:00:00Z",
        "Practice score": "2",
        "Practice total": "2",
        "Latest test score %": "70",
        "Latest verdict": "Almost there",
        "Best test score %": "90",
        "Best verdict": "Strong",
    }
    assert records["bob"] == {
        "Username": "bob",
        "Name": "",
        "E-mail": "bob@example.com",
        **common,
        "State": "In progress",
        "Progress %": "20",
        "Completed at (UTC)": "",
        "Practice score": "",
        "Practice total": "",
        "Latest test score %": "",
        "Latest verdict": "",
        "Best test score %": "",
        "Best verdict": "",
    }
    carol = records["carol"]
    assert [carol[k] for k in ("State", "Practice score", "Practice total")] == [
        "In progress",
        "0",
        "2",
    ]
    assert [carol[k] for k in ("Latest test score %", "Best test score %")] == ["0", "0"]
    assert carol["Best verdict"] == "Needs work"
    dave = records["dave"]
    assert dave["State"] == "Not started"
    assert dave["Progress %"] == "0"
    assert all(dave[k] == "" for k in header[9:]), dave

    [_, *overdue] = read_csv(client.get(url("export", team), {"assignment": late.pk}))
    overdue = {row[0]: dict(zip(header, row, strict=True)) for row in overdue}
    assert overdue["dave"]["State"] == "Overdue"
    assert overdue["dave"]["Lesson"] == "Root account"
    assert overdue["dave"]["Required verdict"] == ""


def test_export_neutralises_spreadsheet_formulas(client, manager, team, assignment):
    user = UserFactory(username="=cmd", first_name="-2+3", email="@evil.example")
    MembershipFactory(team=team, user=user)
    team.name = "+Team"
    team.save()
    assignment.lesson.title = "=HYPERLINK(1)"
    assignment.lesson.save()
    client.force_login(manager)
    [_, row] = read_csv(client.get(url("export", team)))
    assert row[:5] == ["'=cmd", "'-2+3", "'@evil.example", "'+Team", "'=HYPERLINK(1)"]


def test_export_of_another_team_is_404(client, manager, other_team):
    client.force_login(manager)
    response = client.get(url("export", other_team))
    assert response.status_code == 404
    assert b"mallory" not in response.content


def test_export_filtered_by_another_teams_assignment_is_404(
    client, manager, assignment, other_team
):
    client.force_login(manager)
    theirs = other_team.assignments.get()
    response = client.get(url("export", assignment.team), {"assignment": theirs.pk})
    assert response.status_code == 404


def test_export_is_404_for_a_learner(client, member, team):
    client.force_login(member)
    assert client.get(url("export", team)).status_code == 404


# Writing through team URLs -------------------------------------------------------------


@pytest.mark.parametrize("name", ["dashboard", "export"])
def test_post_to_read_only_pages_is_405(client, manager, team, name):
    client.force_login(manager)
    assert client.post(url(name, team), {"percent": 100}).status_code == 405


def test_no_team_url_lets_a_manager_write_progress(client, manager, member, assignment):
    row = progress_for(member, assignment.lesson, percent=10, practice_score=0)
    before = list(LessonProgress.objects.values())
    team = assignment.team
    forged = {
        "percent": 100,
        "completed_at": "2026-01-01T00:00:00Z",
        "practice_score": 5,
        "test_best_verdict": "strong",
        "learner": row.learner_id,
        "state": "complete",
    }
    client.force_login(manager)
    for target in [
        url("dashboard", team),
        url("export", team),
        url("members", team),
        url("assignment-create", team),
        url("assignment-edit", team, assignment.pk),
        reverse("teams:list"),
    ]:
        response = client.post(target, forged)
        assert response.status_code in {400, 405}, target
    assert list(LessonProgress.objects.values()) == before


# Members -------------------------------------------------------------------------------


def test_members_page_refuses_an_unknown_role_with_400(client, manager, team):
    UserFactory(username="newbie")
    client.force_login(manager)
    response = client.post(url("members", team), {"invitee": "newbie", "role": "owner"})
    assert response.status_code == 400
    assert not team.invitations.exists()
    assert not team.memberships.filter(user__username="newbie").exists()


def test_members_page_of_another_team_is_404_and_adds_no_one(client, manager, other_team):
    UserFactory(username="newbie")
    client.force_login(manager)
    assert client.get(url("members", other_team)).status_code == 404
    response = client.post(url("members", other_team), {"invitee": "newbie", "role": "manager"})
    assert response.status_code == 404
    assert not other_team.invitations.exists()
    assert not other_team.memberships.filter(user__username="newbie").exists()


def test_member_remove_takes_the_member_out(client, manager, member, team):
    membership = team.memberships.get(user=member)
    client.force_login(manager)
    response = client.post(url("member-remove", team, membership.pk))
    assert response.status_code == 302
    assert not team.memberships.filter(user=member).exists()


def test_member_remove_with_another_teams_membership_is_404(client, manager, team, other_team):
    theirs = other_team.memberships.get(user__username="mallory")
    client.force_login(manager)
    assert client.post(url("member-remove", team, theirs.pk)).status_code == 404
    assert client.post(url("member-remove", other_team, theirs.pk)).status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_member_remove_refuses_to_remove_the_last_manager(client, manager, team):
    client.force_login(manager)
    own = team.memberships.get(user=manager)
    response = client.post(url("member-remove", team, own.pk))
    assert response.status_code == 409
    assert "A team keeps at least one manager." in page_text(response)
    assert Membership.objects.filter(pk=own.pk).exists()


def test_member_remove_by_get_is_405(client, manager, member, team):
    client.force_login(manager)
    membership = team.memberships.get(user=member)
    assert client.get(url("member-remove", team, membership.pk)).status_code == 405


def test_members_page_is_404_for_a_learner(client, member, team):
    client.force_login(member)
    assert client.get(url("members", team)).status_code == 404


# Assignments ---------------------------------------------------------------------------


def test_assignment_create_assigns_a_published_lesson(client, manager, team, lesson):
    due = timezone.localdate() + timedelta(days=10)
    client.force_login(manager)
    response = client.post(
        url("assignment-create", team),
        {"lesson": lesson.pk, "due_date": due.isoformat(), "minimum_verdict": "almost"},
    )
    assert response.status_code == 302
    assert response["Location"] == team.get_absolute_url()
    assignment = team.assignments.get()
    assert (assignment.lesson, assignment.due_date, assignment.minimum_verdict) == (
        lesson,
        due,
        "almost",
    )
    assert assignment.created_by == manager


@pytest.mark.parametrize(
    "changes",
    [
        {"lesson": None},
        {"lesson": "x"},
        {"lesson": "99999999"},
        {"due_date": None},
        {"due_date": "tomorrow"},
        {"due_date": "2000-01-01"},
        {"minimum_verdict": "perfect"},
    ],
)
def test_assignment_create_refuses_bad_input_with_400(client, manager, team, lesson, changes):
    data = {"lesson": lesson.pk, "due_date": "2999-01-01", "minimum_verdict": "", **changes}
    client.force_login(manager)
    response = client.post(
        url("assignment-create", team), {k: v for k, v in data.items() if v is not None}
    )
    assert response.status_code == 400
    assert not Assignment.objects.exists()


def test_assignment_create_refuses_a_draft_lesson(client, manager, team):
    draft = LessonFactory(published=False)
    client.force_login(manager)
    response = client.post(
        url("assignment-create", team), {"lesson": draft.pk, "due_date": "2999-01-01"}
    )
    assert response.status_code == 400
    assert not Assignment.objects.exists()


def test_assignment_create_refuses_a_lesson_already_assigned(client, manager, assignment):
    client.force_login(manager)
    response = client.post(
        url("assignment-create", assignment.team),
        {"lesson": assignment.lesson.pk, "due_date": "2999-01-01"},
    )
    assert response.status_code == 400
    assert Assignment.objects.count() == 1


def test_assignment_create_for_another_team_is_404(client, manager, other_team, lesson):
    client.force_login(manager)
    response = client.post(
        url("assignment-create", other_team), {"lesson": lesson.pk, "due_date": "2999-01-01"}
    )
    assert response.status_code == 404
    assert not other_team.assignments.filter(lesson=lesson).exists()


def test_assignment_edit_changes_the_due_date(client, manager, assignment):
    client.force_login(manager)
    response = client.post(
        url("assignment-edit", assignment.team, assignment.pk),
        {"due_date": "2999-02-03", "minimum_verdict": ""},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.due_date.isoformat() == "2999-02-03"


def test_assignment_edit_of_another_teams_assignment_is_404(client, manager, team, other_team):
    theirs = other_team.assignments.get()
    client.force_login(manager)
    for target_team in (team, other_team):
        response = client.post(
            url("assignment-edit", target_team, theirs.pk), {"due_date": "2999-02-03"}
        )
        assert response.status_code == 404
        response = client.post(url("assignment-delete", target_team, theirs.pk))
        assert response.status_code == 404
    assert Assignment.objects.filter(pk=theirs.pk, due_date=theirs.due_date).exists()


def test_assignment_delete_withdraws_it_and_keeps_progress(client, manager, member, assignment):
    progress_for(member, assignment.lesson, percent=30)
    client.force_login(manager)
    response = client.post(url("assignment-delete", assignment.team, assignment.pk))
    assert response.status_code == 302
    assert not Assignment.objects.exists()
    assert LessonProgress.objects.get().percent == 30


# The team list and team creation --------------------------------------------------------


def test_team_list_shows_only_the_managers_teams(client, manager, team, other_team):
    client.force_login(manager)
    response = client.get(reverse("teams:list"))
    assert list(response.context["teams"]) == [team]
    assert "Payments" not in page_text(response)


def test_team_list_tells_a_learner_they_manage_no_team(client, member):
    client.force_login(member)
    response = client.get(reverse("teams:list"))
    assert response.status_code == 200
    assert list(response.context["teams"]) == []
    assert "You do not manage a team." in page_text(response)


def test_team_create_is_refused_to_a_manager(client, manager):
    client.force_login(manager)
    response = client.post(reverse("teams:create"), {"name": "Mine"})
    assert response.status_code == 403
    assert not Team.objects.filter(name="Mine").exists()


def test_team_create_by_staff_with_a_first_manager(client, member):
    client.force_login(staff("add_team", "view_team", "change_team"))
    response = client.post(reverse("teams:create"), {"name": "Data platform", "manager": "alice"})
    team = Team.objects.get(name="Data platform")
    assert response["Location"] == url("members", team)
    assert team.slug == "data-platform"
    assert team.memberships.get().user == member
    assert team.memberships.get().role == "manager"


def test_team_create_refuses_a_taken_slug_with_409(client, team):
    client.force_login(staff("add_team"))
    response = client.post(reverse("teams:create"), {"name": "X", "slug": team.slug})
    assert response.status_code == 409
    assert Team.objects.count() == 1


def test_team_create_refuses_an_unknown_first_manager_and_creates_nothing(client, db):
    client.force_login(staff("add_team"))
    response = client.post(reverse("teams:create"), {"name": "Ghosts", "manager": "nobody"})
    assert response.status_code == 400
    assert not Team.objects.exists()


# My learning and the navigation --------------------------------------------------------


def test_my_learning_lists_my_assignments_with_due_dates_and_state(
    client, member, assignment, other_team
):
    progress_for(member, assignment.lesson, percent=40)
    client.force_login(member)
    response = client.get(reverse("trainer:my-learning"))
    text = page_text(response)
    assert "Assigned to me" in text
    assert assignment.lesson.full_title in text
    assert "Platform security" in text
    assert f"{assignment.due_date:%-d %b %Y}" in text
    assert "In progress" in text
    assert "Other lesson" not in text
    # The table of started lessons is still there.
    assert "Lessons you have started" in text


def test_my_learning_without_assignments_has_no_assigned_section(client):
    client.force_login(UserFactory())
    response = client.get(reverse("trainer:my-learning"))
    assert "Assigned to me" not in page_text(response)


def test_my_learning_does_not_list_teams_a_manager_runs(client, manager, assignment):
    client.force_login(manager)
    assert "Assigned to me" not in page_text(client.get(reverse("trainer:my-learning")))


@pytest.fixture
def with_teams_context(settings):
    engine = settings.TEMPLATES[0]
    processors = [
        *engine["OPTIONS"]["context_processors"],
        "trainer.teams.context_processors.teams",
    ]
    settings.TEMPLATES = [
        {**engine, "OPTIONS": {**engine["OPTIONS"], "context_processors": processors}}
    ]


def test_nav_offers_my_teams_to_a_manager_only(client, with_teams_context, manager, member):
    client.force_login(manager)
    assert "My teams" in page_text(client.get(reverse("trainer:catalog")))
    client.force_login(member)
    assert "My teams" not in page_text(client.get(reverse("trainer:catalog")))
