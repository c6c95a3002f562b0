"""Reading a team: the grid, the export rows and "assigned to me", from real rows."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.services import attempt_finish, commit_record
from tests.factories import (
    AssignmentFactory,
    AttemptFactory,
    MembershipFactory,
    UserFactory,
    full_lesson,
)
from trainer.teams import csv_export, misconceptions, my_learning, reports
from trainer.teams.rules import State

from .conftest import complete, progress_for

TODAY = date(2026, 12, 1)


@pytest.mark.django_db
def test_team_report_derives_state_from_real_commits(team, member, lesson):
    assignment = AssignmentFactory(team=team, lesson=lesson, due_date=TODAY)
    learner = progress_for(member, lesson).learner
    myth = lesson.myths.get(order=1)
    commit_record(learner=learner, kind="myth", item=myth, answer="no")
    [row] = reports.team_report(team, today=TODAY).rows
    [cell] = row.cells
    assert cell.assignment == assignment
    assert cell.state == State.IN_PROGRESS
    assert 0 < cell.percent < 100


@pytest.mark.django_db
def test_team_report_leaves_managers_out_of_the_grid(team, manager, member, assignment):
    assert [row.user for row in reports.team_report(team, today=TODAY).rows] == [member]


@pytest.mark.django_db
def test_team_report_completed_at_waits_for_the_first_good_enough_test(team, member, lesson):
    AssignmentFactory(team=team, lesson=lesson, due_date=TODAY, minimum_verdict="almost")
    done = datetime(2026, 11, 20, tzinfo=UTC)
    row = complete(member, lesson, at=done, test_best_verdict="strong")
    for day, verdict in ((18, "needs-work"), (25, "almost"), (28, "strong")):
        AttemptFactory(
            learner=row.learner,
            lesson=lesson,
            kind="test",
            finished_at=datetime(2026, 11, day, tzinfo=UTC),
            verdict=verdict,
        )
    [cell] = reports.team_report(team, today=TODAY).rows[0].cells
    assert cell.state == State.COMPLETE
    assert cell.completed_at == datetime(2026, 11, 25, tzinfo=UTC)


@pytest.mark.django_db
def test_team_report_other_learners_attempts_do_not_count(team, member, lesson):
    AssignmentFactory(team=team, lesson=lesson, due_date=TODAY, minimum_verdict="strong")
    complete(member, lesson, test_best_verdict="almost")
    outsider = complete(UserFactory(), lesson, test_best_verdict="strong")
    AttemptFactory(
        learner=outsider.learner,
        lesson=lesson,
        kind="test",
        finished_at=datetime(2026, 11, 2, tzinfo=UTC),
        verdict="strong",
    )
    [cell] = reports.team_report(team, today=TODAY).rows[0].cells
    assert cell.state == State.IN_PROGRESS
    assert cell.completed_at is None


@pytest.mark.django_db
def test_team_report_timeline_counts_completions_by_day(team, lesson):
    assignment = AssignmentFactory(team=team, lesson=lesson, due_date=TODAY)
    type(assignment).objects.filter(pk=assignment.pk).update(
        created_at=datetime(2026, 11, 20, tzinfo=UTC)
    )
    users = [MembershipFactory(team=team).user for _ in range(4)]
    complete(users[0], lesson, at=datetime(2026, 11, 22, 10, tzinfo=UTC))
    complete(users[1], lesson, at=datetime(2026, 11, 30, 23, tzinfo=UTC))
    timeline = reports.team_report(team, today=TODAY).timeline
    assert timeline[0].day == date(2026, 11, 20)
    assert timeline[-1].day == TODAY
    by_day = {p.day: p.percent for p in timeline}
    assert by_day[date(2026, 11, 21)] == 0
    assert by_day[date(2026, 11, 22)] == 25
    assert by_day[TODAY] == 50


@pytest.mark.django_db
def test_team_report_of_a_team_without_assignments(team, member):
    report = reports.team_report(team, today=TODAY)
    assert report.totals == []
    assert [row.cells for row in report.rows] == [[]]


@pytest.mark.django_db
def test_sort_rows_by_state_puts_overdue_first(team, lesson):
    AssignmentFactory(team=team, lesson=lesson, due_date=TODAY - timedelta(days=1))
    done, late = (MembershipFactory(team=team, user=UserFactory(username=n)).user for n in "ab")
    complete(done, lesson)
    rows = reports.sort_rows(reports.team_report(team, today=TODAY).rows, "state")
    assert [r.user for r in rows] == [late, done]
    with pytest.raises(KeyError):
        reports.sort_rows(rows, "email")


@pytest.mark.django_db
def test_misconceptions_link_a_test_question_to_the_step_it_teaches(team, member):
    lesson = full_lesson(steps=2, practice=0, test=1)
    AssignmentFactory(team=team, lesson=lesson)
    question = lesson.questions.get(kind="test")
    question.teaches_step = lesson.steps.get(order=2)
    question.save()
    learner = progress_for(member, lesson).learner
    attempt = AttemptFactory(learner=learner, lesson=lesson, kind="test")
    wrong = question.choices.filter(is_correct=False).first()
    commit_record(
        learner=learner, kind="question", item=question, answer=str(wrong.pk), attempt=attempt
    )
    [item] = misconceptions.misconceptions(team, reports.team_assignments(team))
    assert item.url == f"{lesson.get_absolute_url()}#step-2"
    assert item.label == question.stem


@pytest.mark.django_db
def test_misconceptions_ignore_lessons_not_assigned(team, member, assignment):
    elsewhere = full_lesson(steps=1, practice=0)
    learner = progress_for(member, elsewhere).learner
    commit_record(learner=learner, kind="myth", item=elsewhere.myths.get(order=1), answer="yes")
    assert misconceptions.misconceptions(team, reports.team_assignments(team)) == []


@pytest.mark.django_db
def test_assigned_to_lists_the_users_assignments_across_teams(member, assignment, other_team):
    MembershipFactory(team=other_team, user=member)
    theirs = other_team.assignments.get()
    items = my_learning.assigned_to(member, today=TODAY)
    assert {item.assignment for item in items} == {assignment, theirs}
    assert all(item.cell.state == State.NOT_STARTED for item in items)


@pytest.mark.django_db
def test_assigned_to_leaves_out_drafts_and_teams_one_manages(manager, member, assignment):
    assignment.lesson.published = False
    assignment.lesson.save()
    assert my_learning.assigned_to(member, today=TODAY) == []
    assert my_learning.assigned_to(manager, today=TODAY) == []


@given(st.text())
def test_csv_safe_never_starts_a_cell_with_a_formula_character(value):
    cell = csv_export.csv_safe(value)
    assert not cell.startswith(csv_export.FORMULA_STARTS)
    assert cell in {value, f"'{value}"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("ok", "ok")],
)
def test_csv_safe_prefixes_formula_cells_with_a_quote(value, cell):
    assert csv_export.csv_safe(value) == cell


def test_iso_utc_writes_utc_with_a_z():
    from zoneinfo import ZoneInfo

    paris = datetime(2026, 12, 1, 4, 0, 30, 999, tzinfo=ZoneInfo("Europe/Paris"))
    assert csv_export.iso_utc(paris) == "2026-12-01T03:00:30Z"
    assert csv_export.iso_utc(None) == ""


@pytest.mark.django_db
def test_misconceptions_count_a_pattern_test_only_once_it_is_finished(team, member):
    """A wrong answer in a test the member is still taking is not on the panel; finished, it is."""
    lesson = full_lesson(steps=1, practice=0, test=2)
    AssignmentFactory(team=team, lesson=lesson)
    learner = progress_for(member, lesson).learner
    attempt = AttemptFactory(learner=learner, lesson=lesson, kind="test")
    question = lesson.questions.filter(kind="test").first()
    wrong = question.choices.filter(is_correct=False).first()
    commit_record(
        learner=learner, kind="question", item=question, answer=str(wrong.pk), attempt=attempt
    )
    assert misconceptions.misconceptions(team, reports.team_assignments(team)) == []
    attempt_finish(learner=learner, attempt=attempt)
    [item] = misconceptions.misconceptions(team, reports.team_assignments(team))
    assert item.label == question.stem
    assert item.learners == 1
