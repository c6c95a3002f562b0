from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from trainer.certificates.rules import Earned, FinishedTest, earned

DONE = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def result(verdict, *, hours=1, answered=10, asked=10):
    return FinishedTest(
        verdict=verdict, finished_at=DONE + timedelta(hours=hours), answered=answered, asked=asked
    )


def test_earned_needs_an_account():
    """An anonymous learner earns nothing, whatever they did."""
    assert (
        earned(has_account=False, completed_at=DONE, tests=[result("strong")], minimum="strong")
        is None
    )


def test_earned_needs_the_lesson_complete():
    """A strong test alone is not enough: the lesson must be complete too."""
    assert (
        earned(has_account=True, completed_at=None, tests=[result("strong")], minimum="strong")
        is None
    )


def test_earned_needs_a_verdict_at_or_above_the_minimum():
    """Almost there does not reach Strong; it does reach Almost there."""
    tests = [result("almost"), result("needs-work")]
    assert earned(has_account=True, completed_at=DONE, tests=tests, minimum="strong") is None
    assert earned(has_account=True, completed_at=DONE, tests=tests, minimum="almost") == Earned(
        verdict="almost", earned_at=DONE + timedelta(hours=1)
    )


def test_earned_ignores_a_test_with_unanswered_questions():
    """A test finished early never counts, even when its verdict would."""
    tests = [result("strong", answered=9)]
    assert earned(has_account=True, completed_at=DONE, tests=tests, minimum="strong") is None


def test_earned_records_the_first_qualifying_test_and_the_later_of_the_two_moments():
    """The certificate keeps the first qualifying attempt; earned when both held."""
    tests = [result("strong", hours=5), result("almost", hours=-3), result("strong", hours=-2)]
    got = earned(has_account=True, completed_at=DONE, tests=tests, minimum="almost")
    assert got == Earned(verdict="almost", earned_at=DONE)
    got = earned(has_account=True, completed_at=DONE, tests=tests, minimum="strong")
    assert got == Earned(verdict="strong", earned_at=DONE)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["strong", "almost", "needs-work", ""]),
            st.integers(-100, 100),
            st.integers(0, 10),
        ),
        max_size=6,
    ),
    st.sampled_from(["strong", "almost", "needs-work"]),
)
def test_earned_verdict_always_meets_the_minimum_and_date_follows_completion(raw, minimum):
    """Whatever the attempts, an earned certificate's verdict reaches the minimum and its
    date is never before the lesson was complete."""
    tests = [result(v, hours=h, answered=a) for v, h, a in raw]
    got = earned(has_account=True, completed_at=DONE, tests=tests, minimum=minimum)
    rank = {"needs-work": 1, "almost": 2, "strong": 3}
    if got is not None:
        assert rank[got.verdict] >= rank[minimum]
        assert got.earned_at >= DONE
    qualifying = [
        t for t in tests if t.verdict and t.answered == 10 and rank[t.verdict] >= rank[minimum]
    ]
    assert (got is None) == (not qualifying)
