"""The completion rules, as plain values: no database."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes import scoring
from quizzes.models import Verdict
from trainer.teams import rules
from trainer.teams.rules import Facts, State

DUE = date(2026, 12, 15)
DONE = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
verdicts = st.sampled_from(["", *Verdict.values])
minimums = st.sampled_from(["", *Verdict.values])
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def facts(draw):
    completed = draw(st.one_of(st.none(), moments))
    started = completed is not None or draw(st.booleans())
    reached = draw(st.dictionaries(st.sampled_from(Verdict.values), moments, max_size=3))
    return Facts(
        percent=100 if completed else draw(st.integers(0, 99)) if started else 0,
        started=started,
        completed_at=completed,
        best_verdict=draw(verdicts),
        verdict_reached_at=reached or None,
    )


def test_state_without_progress_is_not_started_until_the_due_date():
    assert rules.state(rules.NO_PROGRESS, due_date=DUE, today=DUE) == State.NOT_STARTED


def test_state_without_progress_after_the_due_date_is_overdue():
    today = DUE + timedelta(days=1)
    assert rules.state(rules.NO_PROGRESS, due_date=DUE, today=today) == State.OVERDUE


def test_state_started_lesson_is_in_progress():
    facts = Facts(percent=40, started=True)
    assert rules.state(facts, due_date=DUE, today=DUE) == State.IN_PROGRESS


def test_state_completed_lesson_is_complete_even_after_the_due_date():
    facts = Facts(percent=100, started=True, completed_at=DONE)
    assert rules.state(facts, due_date=DUE, today=DUE + timedelta(days=30)) == State.COMPLETE


def test_state_complete_lesson_below_the_minimum_verdict_is_not_complete():
    facts = Facts(percent=100, started=True, completed_at=DONE, best_verdict=Verdict.ALMOST)
    assert rules.state(facts, due_date=DUE, today=DUE, minimum_verdict="strong") == (
        State.IN_PROGRESS
    )
    assert rules.state(facts, due_date=DUE, today=DUE, minimum_verdict="almost") == (State.COMPLETE)


def test_state_strong_verdict_without_completing_the_lesson_is_not_complete():
    facts = Facts(percent=80, started=True, best_verdict=Verdict.STRONG)
    assert rules.state(facts, due_date=DUE, today=DUE, minimum_verdict="needs-work") == (
        State.IN_PROGRESS
    )


@pytest.mark.parametrize(
    ("best", "minimum", "meets"),
    [
        ("", "", True),
        ("", "needs-work", False),
        ("needs-work", "needs-work", True),
        ("needs-work", "almost", False),
        ("almost", "almost", True),
        ("strong", "almost", True),
        ("almost", "strong", False),
        ("strong", "strong", True),
    ],
)
def test_verdict_meets_orders_strong_above_almost_above_needs_work(best, minimum, meets):
    assert scoring.verdict_meets(best, minimum) is meets


def test_completed_at_without_a_minimum_is_the_lessons_completion():
    facts = Facts(percent=100, started=True, completed_at=DONE)
    assert rules.completed_at(facts) == DONE


def test_completed_at_is_when_the_first_good_enough_test_finished_if_later():
    later = DONE + timedelta(days=2)
    facts = Facts(
        percent=100,
        started=True,
        completed_at=DONE,
        best_verdict="strong",
        verdict_reached_at={"needs-work": DONE - timedelta(days=5), "strong": later},
    )
    assert rules.completed_at(facts, minimum_verdict="almost") == later


def test_completed_at_is_the_lessons_completion_when_the_test_came_first():
    facts = Facts(
        percent=100,
        started=True,
        completed_at=DONE,
        best_verdict="almost",
        verdict_reached_at={"almost": DONE - timedelta(days=1)},
    )
    assert rules.completed_at(facts, minimum_verdict="almost") == DONE


def test_completed_at_is_none_while_the_requirement_is_not_met():
    facts = Facts(percent=100, started=True, completed_at=DONE, best_verdict="needs-work")
    assert rules.completed_at(facts, minimum_verdict="almost") is None


@given(facts(), days, days, minimums)
def test_state_is_complete_exactly_when_completed_at_is_known(facts, due, today, minimum):
    state = rules.state(facts, due_date=due, today=today, minimum_verdict=minimum)
    completed = rules.completed_at(facts, minimum_verdict=minimum)
    assert (state == State.COMPLETE) == (completed is not None)


@given(facts(), days, days, minimums)
def test_state_is_overdue_exactly_when_incomplete_past_the_due_date(facts, due, today, minimum):
    state = rules.state(facts, due_date=due, today=today, minimum_verdict=minimum)
    incomplete = not rules.requirement_met(facts, minimum_verdict=minimum)
    assert (state == State.OVERDUE) == (incomplete and today > due)


@given(facts(), minimums)
def test_completed_at_is_never_before_the_lesson_was_completed(facts, minimum):
    completed = rules.completed_at(facts, minimum_verdict=minimum)
    assert completed is None or completed >= facts.completed_at


@given(facts(), days, days)
def test_state_a_stricter_minimum_never_turns_incomplete_into_complete(facts, due, today):
    ladder = ["", "needs-work", "almost", "strong"]
    complete = [
        rules.state(facts, due_date=due, today=today, minimum_verdict=m) == State.COMPLETE
        for m in ladder
    ]
    assert complete == sorted(complete, reverse=True)


@given(st.lists(st.sampled_from(list(State))))
def test_state_counts_cover_every_state_and_add_up(states):
    counts = rules.state_counts(states)
    assert set(counts) == set(State)
    assert sum(counts.values()) == len(states)


def test_reminder_due_within_three_days_or_overdue_unless_complete():
    today = date(2026, 12, 1)
    assert rules.reminder_due(State.IN_PROGRESS, due_date=date(2026, 12, 4), today=today)
    assert not rules.reminder_due(State.IN_PROGRESS, due_date=date(2026, 12, 5), today=today)
    assert rules.reminder_due(State.OVERDUE, due_date=date(2026, 11, 1), today=today)
    assert not rules.reminder_due(State.COMPLETE, due_date=date(2026, 12, 2), today=today)


@given(
    st.lists(days, max_size=40),
    st.integers(0, 50),
    days,
    st.integers(0, 400),
    st.integers(1, 30),
)
def test_completion_timeline_is_cumulative_bounded_and_ends_today(
    completions, extra, start, span, points
):
    end = start + timedelta(days=span)
    total = len(completions) + extra
    timeline = rules.completion_timeline(
        completions, total=total, start=start, end=end, points=points
    )
    assert 0 < len(timeline) <= points
    assert timeline[-1].day == end
    assert all(start <= p.day <= end for p in timeline)
    assert [p.day for p in timeline] == sorted({p.day for p in timeline})
    assert [p.done for p in timeline] == sorted(p.done for p in timeline)
    assert timeline[-1].done == sum(1 for d in completions if d <= end)
    assert all(0 <= p.percent <= 100 for p in timeline)


def test_completion_timeline_counts_a_completion_from_its_day_on():
    start = date(2026, 12, 1)
    timeline = rules.completion_timeline(
        [date(2026, 12, 3)], total=2, start=start, end=date(2026, 12, 5), points=12
    )
    assert [(p.day.day, p.done, p.percent) for p in timeline] == [
        (1, 0, 0),
        (2, 0, 0),
        (3, 1, 50),
        (4, 1, 50),
        (5, 1, 50),
    ]


@given(st.lists(st.integers(0, 100), min_size=1, max_size=20))
def test_chart_bars_stay_inside_the_plot(percents):
    timeline = [rules.Point(day=date(2026, 12, 1), done=p, percent=p) for p in percents]
    bars = rules.chart_bars(timeline, width=600, height=160)
    assert len(bars) == len(timeline)
    for bar, percent in zip(bars, percents, strict=True):
        assert bar.x >= 0
        assert bar.x + bar.width <= 600 + 0.01
        assert bar.y + bar.height == pytest.approx(160)
        assert bar.height == pytest.approx(160 * percent / 100)


def test_share_of_nothing_is_zero():
    assert rules.share(0, 0) == 0
    assert rules.share(1, 3) == 33
