import random

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


def test_draw_balances_the_shipped_pool_exactly():
    pool = {"easy": [1, 2, 3], "medium": [4, 5, 6, 7], "hard": [8, 9, 10]}
    drawn = scoring.draw(pool, 10, random.Random(1))
    assert sorted(drawn) == list(range(1, 11))


def test_draw_shuffles_per_attempt():
    pool = {"easy": list(range(10)), "medium": list(range(10, 20)), "hard": list(range(20, 30))}
    orders = {tuple(scoring.draw(pool, 10, random.Random(seed))) for seed in range(5)}
    assert len(orders) == 5


def test_draw_fills_from_other_difficulties_when_one_runs_short():
    pool = {"easy": list(range(20)), "medium": [100], "hard": [200, 201]}
    drawn = scoring.draw(pool, 10, random.Random(3))
    assert len(drawn) == 10
    assert {100, 200, 201} <= set(drawn)


@given(
    sizes=st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12)),
    size=st.integers(1, 15),
    seed=st.integers(0, 10_000),
)
def test_draw_is_balanced_distinct_and_complete(sizes, size, seed):
    pool, start = {}, 0
    for difficulty, count in zip(scoring.DIFFICULTIES, sizes, strict=True):
        pool[difficulty] = list(range(start, start + count))
        start += count
    drawn = scoring.draw(pool, size, random.Random(seed))
    assert len(drawn) == len(set(drawn)) == min(size, sum(sizes))
    counts = {d: sum(1 for q in drawn if q in pool[d]) for d in pool}
    # No difficulty with questions left over is more than one short of any other's count.
    for d, count in counts.items():
        if count < len(pool[d]):
            assert all(other <= count + 1 for other in counts.values())


def test_verdict_weighs_hard_questions_more():
    easy_only = [("easy", True)] * 3 + [("medium", False)] * 4 + [("hard", False)] * 3
    hard_only = [("easy", False)] * 3 + [("medium", False)] * 4 + [("hard", True)] * 3
    assert scoring.verdict(easy_only) == "needs-work"
    assert scoring.weighted_share(hard_only) > scoring.weighted_share(easy_only)


def test_verdict_thresholds():
    all_right = [("easy", True)] * 3 + [("medium", True)] * 4 + [("hard", True)] * 3
    assert scoring.verdict(all_right) == "strong"
    one_hard_missed = [*all_right[:-1], ("hard", False)]
    assert scoring.verdict(one_hard_missed) == "strong"  # 17/20 = 85 %
    half = [("easy", True)] * 3 + [("medium", True)] * 4 + [("hard", False)] * 3
    assert scoring.verdict(half) == "almost"  # 11/20 = 55 %
    assert scoring.verdict([("hard", False)] * 10) == "needs-work"
    assert scoring.verdict([]) == "needs-work"


@given(st.lists(st.tuples(st.sampled_from(scoring.DIFFICULTIES), st.booleans()), max_size=20))
def test_verdict_never_drops_when_an_answer_turns_right(results):
    before = scoring.verdict(results)
    for i, (difficulty, correct) in enumerate(results):
        if not correct:
            better = [*results[:i], (difficulty, True), *results[i + 1 :]]
            rank = scoring.VERDICT_RANK
            assert rank[scoring.verdict(better)] >= rank[before]


def test_breakdown_by_difficulty():
    results = [("hard", True), ("easy", False), ("easy", True)]
    assert scoring.breakdown(results) == [("easy", 1, 2), ("hard", 1, 1)]


def test_best_verdict():
    assert scoring.best_verdict(["almost", "strong", "needs-work"]) == "strong"
    assert scoring.best_verdict([]) == ""
