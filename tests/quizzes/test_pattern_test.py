import random

import pytest
from django.test import Client
from django.urls import reverse

from quizzes.errors import CommitRefused
from quizzes.models import Attempt, Commit
from quizzes.services import attempt_finish, attempt_open, commit_record
from tests.factories import LearnerFactory, QuestionFactory, UserFactory, full_lesson
from tests.helpers import HTMX, page_text, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson():
    lesson = full_lesson(practice=1, test=0)
    step = lesson.steps.get(order=2)
    for position, difficulty in enumerate(["easy"] * 4 + ["medium"] * 5 + ["hard"] * 4, 1):
        question = QuestionFactory(
            lesson=lesson, kind="test", order=position, difficulty=difficulty, teaches_step=step
        )
        question.solution.create(order=1, title="Reason it out", text=f"Worked step {position}")
    return lesson


def start(client, lesson):
    response = client.post(reverse("quizzes:test-start", args=[lesson.slug]))
    assert response.status_code == 302
    return Attempt.objects.filter(kind="test").latest("pk")


def attempt_url(lesson, attempt, *rest):
    name = {"": "test-attempt", "answer": "test-answer", "finish": "test-finish"}[
        rest[0] if rest else ""
    ]
    args = [lesson.slug, attempt.number, *rest[1:]]
    return reverse(f"quizzes:{name}", args=args)


def answer(client, lesson, attempt, question, right=True, **extra):
    choice = (
        question.choices.get(is_correct=True)
        if right
        else question.choices.filter(is_correct=False).first()
    )
    return client.post(
        attempt_url(lesson, attempt, "answer", question.pk), {"answer": choice.pk}, **extra
    )


def test_attempt_draws_ten_balanced_questions_with_shuffled_choices(lesson):
    learner = LearnerFactory()
    attempt = attempt_open(learner=learner, lesson=lesson, kind="test", rng=random.Random(7))
    difficulties = [lesson.questions.get(pk=pk).difficulty for pk in attempt.question_ids]
    assert len(difficulties) == 10
    assert sorted(difficulties.count(d) for d in ("easy", "medium", "hard")) == [3, 3, 4]
    for pk in attempt.question_ids:
        order = attempt.choice_orders[str(pk)]
        assert sorted(order) == sorted(
            lesson.questions.get(pk=pk).choices.values_list("pk", flat=True)
        )
    other = attempt_open(learner=LearnerFactory(), lesson=lesson, kind="test", rng=random.Random(8))
    assert other.question_ids != attempt.question_ids


def test_test_page_shows_no_correctness_hint_or_solution_before_the_end(client, lesson):
    attempt = start(client, lesson)
    for response in (
        client.get(attempt_url(lesson, attempt)),
        client.get(attempt_url(lesson, attempt), **HTMX),
        answer(client, lesson, attempt, lesson.questions.get(pk=attempt.question_ids[0]), **HTMX),
    ):
        content = page_text(response)
        assert "Question" in content
        assert "Correct answer" not in content
        assert "Worked step" not in content
        assert "Hidden hint" not in content
        assert "Right" not in content.replace("Right answer", "")
        assert "Wrong" not in content


def test_answer_response_reveals_nothing_about_the_committed_choice(client, lesson):
    attempt = start(client, lesson)
    first = lesson.questions.get(pk=attempt.question_ids[0])
    right = answer(client, lesson, attempt, first, right=True, **HTMX)
    attempt2_client = Client()
    attempt2 = start(attempt2_client, lesson)
    Attempt.objects.filter(pk=attempt2.pk).update(question_ids=attempt.question_ids)
    wrong = answer(attempt2_client, lesson, attempt2, first, right=False, **HTMX)
    strip = lambda r: page_text(r).replace("attempt 1", "").replace("attempt 2", "")  # noqa: E731
    assert right.status_code == wrong.status_code == 200
    assert "1 of 10 answered" in strip(right)
    assert "1 of 10 answered" in strip(wrong)


def test_full_test_gives_score_verdict_review_and_links(client, lesson):
    attempt = start(client, lesson)
    for i, pk in enumerate(attempt.question_ids):
        question = lesson.questions.get(pk=pk)
        answer(client, lesson, attempt, question, right=(question.difficulty != "easy" or i < 0))
    attempt.refresh_from_db()
    assert attempt.is_finished
    easy = sum(1 for pk in attempt.question_ids if lesson.questions.get(pk=pk).difficulty == "easy")
    assert attempt.score == 10 - easy
    assert attempt.verdict == "strong"
    result = client.get(attempt_url(lesson, attempt))
    content = page_text(result)
    assert f"You scored {10 - easy} / 10" in content
    assert "Verdict: Strong" in content
    assert f'<th scope="row">Easy</th><td>0 / {easy}</td>' in result.content.decode()
    assert "Worked step" in content
    assert content.count("Revisit the part of the lesson that teaches this") == easy
    assert f"{lesson.get_absolute_url()}#step-2" in result.content.decode()
    progress = attempt.learner.progress.get(lesson=lesson)
    assert (progress.test_latest_verdict, progress.test_best_verdict) == ("strong", "strong")
    catalog = page_text(client.get(reverse("trainer:catalog")))
    assert "Pattern test: latest Strong, best Strong" in catalog
    mine = page_text(client.get(reverse("trainer:my-learning")))
    assert f"latest Strong ({10 - easy} / 10), best Strong" in mine


def test_leave_and_resume_continues_with_the_next_question(client, lesson):
    attempt = start(client, lesson)
    first = lesson.questions.get(pk=attempt.question_ids[0])
    answer(client, lesson, attempt, first)
    intro = page_text(client.get(reverse("quizzes:test", args=[lesson.slug])))
    assert "Resume your test (1 of 10 answered)" in intro
    second = lesson.questions.get(pk=attempt.question_ids[1])
    page = page_text(client.get(attempt_url(lesson, attempt)))
    assert "Question 2 / 10" in page
    assert text(second.stem) in page
    assert start(client, lesson).pk == attempt.pk, "starting again resumes the open attempt"


def test_finish_early_counts_unanswered_as_wrong_and_is_idempotent(client, lesson):
    attempt = start(client, lesson)
    answer(client, lesson, attempt, lesson.questions.get(pk=attempt.question_ids[0]))
    client.post(attempt_url(lesson, attempt, "finish"))
    client.post(attempt_url(lesson, attempt, "finish"))
    attempt.refresh_from_db()
    assert (attempt.score, attempt.total) == (1, 10)
    assert attempt.verdict == "needs-work"
    assert "Not answered" in page_text(client.get(attempt_url(lesson, attempt)))


def test_retake_starts_a_new_attempt_and_keeps_history(client, lesson):
    attempt = start(client, lesson)
    client.post(attempt_url(lesson, attempt, "finish"))
    second = start(client, lesson)
    assert second.number == 2
    intro = page_text(client.get(reverse("quizzes:test", args=[lesson.slug])))
    assert "Attempt 1" in intro
    assert "Attempt 2" in intro
    assert "Needs work" in intro


def test_bad_test_requests_are_refused_and_change_nothing(client, lesson):
    attempt = start(client, lesson)
    in_attempt = lesson.questions.get(pk=attempt.question_ids[0])
    outside = lesson.questions.filter(kind="test").exclude(pk__in=attempt.question_ids).first()
    before = Commit.objects.count()

    assert answer(client, lesson, attempt, outside).status_code == 400
    foreign = outside.choices.first().pk
    response = client.post(
        attempt_url(lesson, attempt, "answer", in_attempt.pk), {"answer": foreign}
    )
    assert response.status_code == 400
    assert answer(client, lesson, attempt, in_attempt).status_code == 302
    assert answer(client, lesson, attempt, in_attempt, right=False).status_code == 409
    assert Commit.objects.count() == before + 1

    client.post(attempt_url(lesson, attempt, "finish"))
    late = lesson.questions.get(pk=attempt.question_ids[1])
    assert answer(client, lesson, attempt, late).status_code == 409
    assert Commit.objects.count() == before + 1

    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(attempt_url(lesson, attempt)).status_code == 404
    assert answer(stranger, lesson, attempt, late).status_code == 404
    assert stranger.post(attempt_url(lesson, attempt, "finish")).status_code == 404
    assert Client().get(attempt_url(lesson, attempt)).status_code == 404
    assert client.get(f"{lesson.get_absolute_url()}test/99999/").status_code == 404
    assert client.get(attempt_url(lesson, attempt, "finish")).status_code == 405


def test_start_without_test_questions_is_400(client):
    lesson = full_lesson(test=0)
    response = client.post(reverse("quizzes:test-start", args=[lesson.slug]))
    assert response.status_code == 400
    assert not Attempt.objects.exists()


def test_service_finish_refuses_another_learners_attempt(lesson):
    attempt = attempt_open(learner=LearnerFactory(), lesson=lesson, kind="test")
    with pytest.raises(CommitRefused):
        attempt_finish(learner=LearnerFactory(), attempt=attempt)
    attempt.refresh_from_db()
    assert not attempt.is_finished


def test_service_commit_snapshot_survives_reordering(lesson):
    learner = LearnerFactory()
    attempt = attempt_open(learner=learner, lesson=lesson, kind="test")
    question = lesson.questions.get(pk=attempt.question_ids[0])
    right = question.choices.get(is_correct=True)
    commit, _ = commit_record(
        learner=learner, kind="question", item=question, answer=str(right.pk), attempt=attempt
    )
    assert commit.correct
    assert commit.answer_text == right.text


def test_test_pages_stay_within_query_budget(client, lesson, django_assert_max_num_queries):
    client.get(lesson.get_absolute_url())  # the lesson's content is cached from here on
    attempt = start(client, lesson)
    with django_assert_max_num_queries(12):
        client.get(attempt_url(lesson, attempt))
    question = lesson.questions.get(pk=attempt.question_ids[0])
    with django_assert_max_num_queries(40):
        answer(client, lesson, attempt, question, **HTMX)
    client.post(attempt_url(lesson, attempt, "finish"))
    with django_assert_max_num_queries(12):
        client.get(attempt_url(lesson, attempt))
