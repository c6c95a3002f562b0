import pytest
from django.test import Client
from django.urls import reverse

from quizzes.models import Attempt, Commit, HintRequest, Learner
from tests.factories import LessonFactory, full_lesson
from tests.helpers import HTMX, page_text, text

pytestmark = pytest.mark.django_db


def commit_url(lesson, kind, pk):
    return reverse("quizzes:commit", args=[lesson.slug, kind, pk])


@pytest.fixture
def lesson():
    return full_lesson(steps=3, practice=2)


@pytest.fixture
def step(lesson):
    return lesson.steps.exclude(prediction_prompt="").get()


def expected(step):
    return str(step.options.get(is_expected=True).pk)


def test_lesson_page_visit_creates_no_learner(client, lesson):
    assert client.get(lesson.get_absolute_url()).status_code == 200
    assert not Learner.objects.exists()


def test_step_commit_with_htmx_answers_with_the_reveal_fragment(client, lesson, step):
    response = client.post(commit_url(lesson, "step", step.pk), {"answer": expected(step)}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="step-{step.order}"' in html
    assert "data-autofocus" in html
    content = page_text(response)
    for revealed in (step.body, step.result, step.insight):
        assert text(revealed) in content
    assert "You predicted “The second guess”. That is right." in content
    assert Commit.objects.get().correct


def test_step_commit_without_js_redirects_back_to_the_revealed_step(client, lesson, step):
    url = commit_url(lesson, "step", step.pk)
    response = client.post(url, {"answer": expected(step), "next": lesson.get_absolute_url()})
    assert response.status_code == 302
    assert (
        response["Location"] == f"{lesson.get_absolute_url()}?step={step.order}#step-{step.order}"
    )
    page = client.get(lesson.get_absolute_url())
    assert text(step.body) in page_text(page)
    assert "You predicted" in page_text(page)


def test_commit_refuses_offsite_next(client, lesson, step):
    url = commit_url(lesson, "step", step.pk)
    response = client.post(url, {"answer": expected(step), "next": "https://evil.example/x"})
    assert response["Location"].startswith(lesson.get_absolute_url())


def test_second_commit_changes_nothing_and_answers_with_the_first(client, lesson, step):
    wrong = str(step.options.get(is_expected=False).pk)
    client.post(commit_url(lesson, "step", step.pk), {"answer": wrong}, **HTMX)
    response = client.post(commit_url(lesson, "step", step.pk), {"answer": expected(step)}, **HTMX)
    assert response.status_code == 409
    assert "You predicted “The first guess”" in page_text(response)
    assert Commit.objects.count() == 1
    assert not Commit.objects.get().correct
    no_js = client.post(commit_url(lesson, "step", step.pk), {"answer": expected(step)})
    assert no_js.status_code == 409
    assert "Your first answer is the one that counts" in page_text(no_js)


def test_myth_commit_reveals_reality_and_verdict(client, lesson):
    myth = lesson.myths.get(true_answer=True)
    response = client.post(commit_url(lesson, "myth", myth.pk), {"answer": "no"}, **HTMX)
    content = page_text(response)
    assert text(myth.reality) in content
    assert text(myth.why_it_matters) in content
    assert "You answered No: not quite. The answer is Yes." in content


@pytest.mark.parametrize(
    "bad",
    [
        "unknown-id",
        "other-lesson-item",
        "foreign-choice",
        "missing-answer",
        "garbage-answer",
        "no-prediction-step",
        "unpublished",
        "test-question",
    ],
)
def test_commit_bad_input_is_4xx_and_changes_nothing(client, lesson, step, bad):
    other = full_lesson()
    question = lesson.questions.first()
    foreign_choice = str(lesson.questions.last().choices.first().pk)
    draft = full_lesson(published=False)
    test_lesson = full_lesson(practice=0, test=1)
    url, data, status = {
        "unknown-id": (commit_url(lesson, "step", 999999), {"answer": "1"}, 404),
        "other-lesson-item": (
            commit_url(lesson, "step", other.steps.exclude(prediction_prompt="").get().pk),
            {"answer": "1"},
            404,
        ),
        "foreign-choice": (
            commit_url(lesson, "question", question.pk),
            {"answer": foreign_choice},
            400,
        ),
        "missing-answer": (commit_url(lesson, "step", step.pk), {}, 400),
        "garbage-answer": (
            commit_url(lesson, "myth", lesson.myths.first().pk),
            {"answer": "\x00☃" * 50},
            400,
        ),
        "no-prediction-step": (
            commit_url(lesson, "step", lesson.steps.filter(prediction_prompt="").first().pk),
            {"answer": "1"},
            404,
        ),
        "unpublished": (
            commit_url(draft, "step", draft.steps.exclude(prediction_prompt="").get().pk),
            {"answer": expected(draft.steps.exclude(prediction_prompt="").get())},
            404,
        ),
        "test-question": (
            commit_url(test_lesson, "question", test_lesson.questions.get().pk),
            {"answer": str(test_lesson.questions.get().choices.first().pk)},
            404,
        ),
    }[bad]
    response = client.post(url, data, **HTMX)
    assert response.status_code == status
    assert not Commit.objects.exists()
    assert not Learner.objects.exists()
    assert not Attempt.objects.exists()


def test_commit_with_non_numeric_id_or_unknown_kind_is_404(client, lesson):
    base = lesson.get_absolute_url()
    assert client.post(f"{base}commit/step/abc/", {"answer": "1"}).status_code == 404
    assert client.post(f"{base}commit/lesson/1/", {"answer": "1"}).status_code == 404
    assert client.post(f"{base}commit/step/{'9' * 40}/", {"answer": "1"}).status_code == 404


def test_commit_by_get_is_405(client, lesson, step):
    assert client.get(commit_url(lesson, "step", step.pk)).status_code == 405
    assert not Commit.objects.exists()


def test_commit_without_csrf_token_is_403(lesson, step):
    client = Client(enforce_csrf_checks=True)
    client.get(lesson.get_absolute_url())
    response = client.post(commit_url(lesson, "step", step.pk), {"answer": expected(step)})
    assert response.status_code == 403
    assert not Commit.objects.exists()


def test_practice_card_hides_key_hint_and_solution_until_committed(client, lesson):
    question = lesson.questions.order_by("order").first()
    for response in (
        client.get(lesson.get_absolute_url()),
        client.get(reverse("quizzes:practice", args=[lesson.slug])),
        client.get(reverse("quizzes:practice", args=[lesson.slug]) + "?q=1", **HTMX),
    ):
        content = page_text(response)
        assert text(question.stem) in content
        for hidden in (question.hint, question.final_answer, question.quick_check):
            assert text(hidden) not in content
        for solution in question.solution.all():
            assert text(solution.text) not in content
        assert "Correct answer" not in content
        assert "is_correct" not in response.content.decode()
        assert not any("correct" in value.lower() for value in response.headers.values())


def test_practice_commit_reveals_verdict_and_worked_solution(client, lesson):
    question = lesson.questions.order_by("order").first()
    wrong = question.choices.filter(is_correct=False).first()
    response = client.post(
        commit_url(lesson, "question", question.pk), {"answer": str(wrong.pk)}, **HTMX
    )
    content = page_text(response)
    assert response.status_code == 200
    assert "Not right." in content
    assert "Correct answer: B." in content
    assert text(question.solution.get().text) in content
    assert text(question.final_answer) in content
    assert text(question.quick_check) in content
    assert question.mistakes[0] in content
    assert "Next question" in content


def test_practice_flow_scores_first_answers_and_retries(client, lesson):
    questions = list(lesson.questions.order_by("order"))
    for question in questions:
        right = question.choices.get(is_correct=True)
        client.post(commit_url(lesson, "question", question.pk), {"answer": str(right.pk)})
    summary = page_text(client.get(reverse("quizzes:practice", args=[lesson.slug])))
    assert "Your score: 2 / 2" in summary
    client.post(reverse("quizzes:practice-retry", args=[lesson.slug]))
    assert Attempt.objects.count() == 2
    fresh = page_text(client.get(reverse("quizzes:practice", args=[lesson.slug])))
    assert "Question 1 / 2" in fresh
    assert "Commit my answer" in fresh


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["form", "htmx"])
def test_practice_commit_to_a_finished_attempt_is_409_and_changes_nothing(client, lesson, headers):
    """Once practice is finished only "Try again" opens an attempt; answers and hints get 409."""
    questions = list(lesson.questions.order_by("order"))
    for question in questions:
        wrong = question.choices.filter(is_correct=False).first()
        client.post(commit_url(lesson, "question", question.pk), {"answer": str(wrong.pk)})
    attempt = Attempt.objects.get()
    assert attempt.is_finished
    assert attempt.score == 0
    commits = Commit.objects.count()
    for question in questions:
        right = question.choices.get(is_correct=True)
        response = client.post(
            commit_url(lesson, "question", question.pk), {"answer": str(right.pk)}, **headers
        )
        assert response.status_code == 409
        hint = client.post(reverse("quizzes:hint", args=[lesson.slug, question.pk]), **headers)
        assert hint.status_code == 409
    assert list(Attempt.objects.all()) == [attempt]
    assert Commit.objects.count() == commits
    assert not HintRequest.objects.exists()
    progress = attempt.learner.progress.get()
    assert (progress.practice_score, progress.practice_best) == (0, 0)
    summary = page_text(client.get(reverse("quizzes:practice", args=[lesson.slug])))
    assert "Your score: 0 / 2" in summary


def test_hint_is_recorded_and_shown(client, lesson):
    question = lesson.questions.order_by("order").first()
    response = client.post(reverse("quizzes:hint", args=[lesson.slug, question.pk]), **HTMX)
    assert response.status_code == 200
    assert text(question.hint) in page_text(response)
    assert HintRequest.objects.filter(question=question).count() == 1
    page = page_text(client.get(reverse("quizzes:practice", args=[lesson.slug])))
    assert text(question.hint) in page


def test_hint_for_a_question_of_another_lesson_is_404(client, lesson):
    stranger = full_lesson(practice=1).questions.get()
    response = client.post(reverse("quizzes:hint", args=[lesson.slug, stranger.pk]))
    assert response.status_code == 404
    assert not HintRequest.objects.exists()


@pytest.mark.parametrize("q", ["abc", "0", "3", "-1", "1e3"])
def test_practice_page_rejects_bad_question_numbers(client, lesson, q):
    response = client.get(reverse("quizzes:practice", args=[lesson.slug]), {"q": q})
    assert response.status_code == 400


def test_commit_endpoints_stay_within_query_budget(
    client, lesson, step, django_assert_max_num_queries
):
    """A commit costs a fixed number of queries, whatever the size of the lesson."""
    client.get(lesson.get_absolute_url())  # the lesson's content is cached from here on
    with django_assert_max_num_queries(32):
        client.post(commit_url(lesson, "step", step.pk), {"answer": expected(step)}, **HTMX)
    big = full_lesson(steps=15, practice=10)
    big_step = big.steps.exclude(prediction_prompt="").get()
    client.get(big.get_absolute_url())
    with django_assert_max_num_queries(30):
        client.post(commit_url(big, "step", big_step.pk), {"answer": expected(big_step)}, **HTMX)
    question = big.questions.first()
    with django_assert_max_num_queries(47):
        client.post(
            commit_url(big, "question", question.pk),
            {"answer": str(question.choices.first().pk)},
            **HTMX,
        )


def test_lesson_page_with_commits_keeps_a_fixed_query_count(
    client, lesson, step, django_assert_max_num_queries
):
    client.post(commit_url(lesson, "step", step.pk), {"answer": expected(step)})
    with django_assert_max_num_queries(32):
        response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200


def test_catalog_and_my_learning_show_progress(client, lesson, step):
    LessonFactory(title="Untouched pattern")
    client.post(commit_url(lesson, "step", step.pk), {"answer": expected(step)})
    catalog = page_text(client.get(reverse("trainer:catalog")))
    assert "20% complete" in catalog
    mine = page_text(client.get(reverse("trainer:my-learning")))
    assert lesson.full_title in mine
    assert "Untouched pattern" not in mine
    assert "1 / 1" in mine
