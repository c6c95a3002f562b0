from hypothesis import given
from hypothesis import strategies as st

from quizzes import scoring


def checkpoints(done=(0, 0, 0), total=(0, 0, 0)):
    return scoring.Checkpoints(
        predictions_done=done[0],
        predictions_total=total[0],
        myths_done=done[1],
        myths_total=total[1],
        practice_done=done[2],
        practice_total=total[2],
    )


def test_percent_complete_counts_each_checkpoint_once():
    assert scoring.percent_complete(checkpoints((2, 1, 0), (4, 4, 5)), started=True) == 23
    assert scoring.percent_complete(checkpoints((4, 4, 5), (4, 4, 5)), started=True) == 100


def test_percent_complete_rounds_down_so_100_means_all_done():
    assert scoring.percent_complete(checkpoints((4, 4, 4), (4, 4, 5)), started=True) == 92
    assert scoring.percent_complete(checkpoints((199, 0, 0), (200, 0, 0)), started=True) == 99


def test_percent_complete_of_a_lesson_without_checkpoints():
    assert scoring.percent_complete(checkpoints(), started=False) == 0
    assert scoring.percent_complete(checkpoints(), started=True) == 100


@given(
    totals=st.tuples(*[st.integers(0, 50)] * 3),
    fractions=st.tuples(*[st.floats(0, 1)] * 3),
)
def test_percent_complete_stays_between_0_and_100(totals, fractions):
    done = tuple(int(t * f) for t, f in zip(totals, fractions, strict=True))
    percent = scoring.percent_complete(checkpoints(done, totals), started=True)
    assert 0 <= percent <= 100
    assert (percent == 100) == (sum(done) == sum(totals))


def test_attempt_score_counts_right_first_answers():
    assert scoring.attempt_score([True, False, True]) == 2
    assert scoring.attempt_score([]) == 0


def test_resume_anchor_follows_page_order():
    assert scoring.resume_anchor(open_steps=[3, 4], open_myths=[1], practice_left=True) == "step-3"
    assert scoring.resume_anchor(open_steps=[], open_myths=[2], practice_left=True) == "myth-2"
    assert scoring.resume_anchor(open_steps=[], open_myths=[], practice_left=True) == "practice"
    assert scoring.resume_anchor(open_steps=[], open_myths=[], practice_left=False) == ""
