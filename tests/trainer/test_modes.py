from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.cards import cards_for
from lessons.models import Lesson
from lessons.modes import MODES, mode_minutes
from quizzes import scoring
from quizzes.flashcards import card_review
from quizzes.models import CardSchedule, Commit, LessonProgress, StepRead
from tests.factories import LearnerFactory, LessonFactory, StepFactory, TakeawayFactory, full_lesson
from tests.helpers import page_text, text

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
STATIC_MODES = ["overview", "mental-model", "expert"]


def mode(lesson, slug):
    return reverse("lesson-mode", args=[lesson.slug, slug])


@pytest.fixture
def lesson():
    return full_lesson(steps=3, practice=2, test=3)


def test_picker_lists_the_ten_modes_with_minutes_and_links(client, lesson):
    response = client.get(lesson.get_absolute_url())
    html = response.content.decode()
    assert len(MODES) == 10
    for item in response.context["modes"]:
        assert item["url"] in html
        assert item["mode"].description in unescape(html)
        assert item["minutes"] >= 1
    assert f'<a href="{lesson.get_absolute_url()}" aria-current="page">Deep Dive</a>' in html


@pytest.mark.parametrize(
    "slug",
    ["step-by-step", "overview", "mental-model", "myths", "pitfalls", "flashcards", "expert"],
)
def test_every_mode_page_renders_and_marks_itself_current(client, lesson, slug):
    response = client.get(mode(lesson, slug))
    assert response.status_code == 200
    assert f'<a href="{mode(lesson, slug)}" aria-current="page">' in response.content.decode()


def test_mode_minutes_follow_the_documented_rule(iam):
    lesson = Lesson.objects.with_content().get(pk=iam.pk)
    minutes = mode_minutes(lesson, cards=len(cards_for(lesson)), test_questions=10)
    assert minutes["test"] == 10
    assert minutes["flashcards"] == 4  # 15 cards at 15 seconds
    assert minutes["overview"] < minutes["deep-dive"]
    assert minutes["myths"] >= 2  # four myths at half a minute, plus reading
    assert minutes["deep-dive"] >= sum(minutes[m] for m in ("overview", "myths", "practice")) - 2


def test_quick_overview_shows_overview_core_idea_and_takeaways_only(client, lesson):
    content = page_text(client.get(mode(lesson, "overview")))
    assert text(lesson.what_is_it) in content
    assert text(lesson.core_idea) in content
    assert text(lesson.takeaways.first().text) in content
    assert lesson.steps.first().title not in content
    assert lesson.myths.first().question not in content


def test_mental_model_shows_analogy_diagrams_and_internals(client, lesson):
    response = client.get(mode(lesson, "mental-model"))
    content = page_text(response)
    assert text(lesson.analogy) in content
    assert text(lesson.how_it_works) in content
    assert text(lesson.why_designed) in content
    assert "┌──┐" in response.content.decode()
    assert lesson.pitfalls.first().title not in content


def test_expert_mode_shows_nuances_limits_production_and_connections(client, lesson):
    content = page_text(client.get(mode(lesson, "expert")))
    for expected in (
        lesson.nuances.first().text,
        lesson.when_not_to_use,
        lesson.production_patterns,
        lesson.connections.first().field,
    ):
        assert text(expected) in content
    assert lesson.steps.first().title not in content


def test_commit_in_one_mode_shows_in_every_other_and_counts_once(client, lesson):
    step = lesson.steps.get(order=1)
    option = step.options.get(is_expected=True)
    client.post(
        reverse("quizzes:commit", args=[lesson.slug, "step", step.pk]), {"answer": option.pk}
    )
    myth = lesson.myths.get(order=1)
    client.post(reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"})
    assert "You predicted" in page_text(client.get(mode(lesson, "step-by-step") + "?step=1"))
    assert "You answered No" in page_text(client.get(mode(lesson, "myths") + "?n=1"))
    deep = page_text(client.get(lesson.get_absolute_url()))
    assert "You predicted" in deep
    assert "You answered No" in deep
    assert Commit.objects.count() == 2
    progress = LessonProgress.objects.get()
    assert (progress.predictions_done, progress.myths_done) == (1, 1)


def test_step_by_step_opens_a_step_only_after_the_one_before(client, lesson):
    first = page_text(client.get(mode(lesson, "step-by-step")))
    assert "Step 1 of 3" in first
    assert "Commit your prediction to open the next step." in first
    clamped = page_text(client.get(mode(lesson, "step-by-step") + "?step=3"))
    assert "Step 1 of 3" in clamped
    step = lesson.steps.get(order=1)
    client.post(
        reverse("quizzes:commit", args=[lesson.slug, "step", step.pk]),
        {"answer": step.options.first().pk},
    )
    second = client.get(mode(lesson, "step-by-step") + "?step=2")
    assert "Step 2 of 3" in page_text(second)
    read = reverse("step-read", args=[lesson.slug, lesson.steps.get(order=2).pk])
    response = client.post(read)
    assert response["Location"] == mode(lesson, "step-by-step") + "?step=3"
    assert StepRead.objects.count() == 1
    assert "Step 3 of 3" in page_text(client.get(response["Location"]))


def test_step_with_a_prediction_cannot_be_marked_read(client, lesson):
    step = lesson.steps.get(order=1)
    response = client.post(reverse("step-read", args=[lesson.slug, step.pk]))
    assert response.status_code == 400
    assert not StepRead.objects.exists()


def test_myth_round_keeps_a_running_score_and_ends_with_a_summary(client, lesson):
    for myth in lesson.myths.all():
        client.post(
            reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"}
        )
    summary = page_text(client.get(mode(lesson, "myths")))
    assert "Round complete: 1 of 2 right" in summary
    second = page_text(client.get(mode(lesson, "myths") + "?n=2"))
    assert "score so far: 1 of 2 answered" in second


def test_pitfall_spotter_hides_the_answer_until_the_pick(client, lesson):
    pitfall = lesson.pitfalls.get()
    before = page_text(client.get(mode(lesson, "pitfalls")))
    assert text(pitfall.root_cause) not in before
    assert "Wrong approach:" not in before
    assert text(pitfall.wrong) in before
    assert text(pitfall.correct) in before
    response = client.post(
        reverse("quizzes:commit", args=[lesson.slug, "pitfall", pitfall.pk]),
        {"answer": "wrong"},
        **HTMX,
    )
    revealed = page_text(response)
    assert "Right: that is the wrong approach." in revealed
    assert text(pitfall.root_cause) in revealed
    assert Commit.objects.get().correct
    assert "Score: 1 right of 1 answered" in page_text(client.get(mode(lesson, "pitfalls")))


def test_pitfall_order_does_not_give_the_answer_away(lesson):
    from quizzes.templatetags.quiz_tags import approaches

    pitfall = lesson.pitfalls.get()
    orders = {tuple(key for key, _ in approaches(pitfall, seed)) for seed in range(2)}
    assert orders == {("wrong", "correct"), ("correct", "wrong")}


def test_flashcards_come_from_insights_takeaways_nuances_and_authored_cards(lesson):
    lesson.flashcards.create(order=1, front="Custom front", back="Custom back")
    lesson = Lesson.objects.with_content().get(pk=lesson.pk)
    kinds = [card.key.split(":")[0] for card in cards_for(lesson)]
    assert kinds.count("insight") == 3
    assert kinds.count("takeaway") == 1
    assert kinds.count("nuance") == 1
    assert kinds.count("card") == 1


def test_fsrs_schedules_good_later_than_again(lesson):
    full = Lesson.objects.with_content().get(pk=lesson.pk)
    first, second = cards_for(full)[:2]
    learner = LearnerFactory()
    now = timezone.now()
    again = card_review(learner=learner, lesson=lesson, card=first, rating=1, now=now)
    good = card_review(learner=learner, lesson=lesson, card=second, rating=3, now=now)
    assert good.due > again.due > now
    easy = card_review(learner=learner, lesson=lesson, card=second, rating=4, now=good.due)
    assert easy.due - good.due > good.due - now
    assert easy.reviews == 2


def test_rating_a_card_moves_the_queue_and_survives_login(client, lesson):
    from tests.factories import PASSWORD, UserFactory

    page = client.get(mode(lesson, "flashcards"))
    card = page.context["deck"].card
    assert "3 cards" not in page_text(page)
    response = client.post(
        reverse("flashcard-rate", args=[lesson.slug]), {"card": card.key, "rating": "1"}, **HTMX
    )
    assert response.status_code == 200
    assert response.context["deck"].card.key != card.key
    user = UserFactory()
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    schedule = CardSchedule.objects.get()
    assert schedule.learner.user == user
    CardSchedule.objects.update(due=timezone.now() - timedelta(minutes=1))
    review = page_text(client.get(reverse("review")))
    assert "1 card due across your lessons" in review
    assert "1 due" in review


@pytest.mark.parametrize(
    "data", [{"card": "insight:0", "rating": "3"}, {"card": "", "rating": "3"}, {"rating": "9"}]
)
def test_bad_flashcard_ratings_are_refused(client, lesson, data):
    full = Lesson.objects.with_content().get(pk=lesson.pk)
    data.setdefault("card", cards_for(full)[0].key)
    response = client.post(reverse("flashcard-rate", args=[lesson.slug]), data)
    assert response.status_code == 400
    assert not CardSchedule.objects.exists()


@pytest.mark.parametrize(("slug", "param"), [("step-by-step", "step"), ("myths", "n")])
@pytest.mark.parametrize("value", ["abc", "0", "99", "-1"])
def test_mode_positions_out_of_range_are_400(client, lesson, slug, param, value):
    assert client.get(mode(lesson, slug), {param: value}).status_code == 400


def test_unknown_mode_and_get_on_actions(client, lesson):
    assert client.get(f"{lesson.get_absolute_url()}karaoke/").status_code == 404
    assert client.get(reverse("flashcard-rate", args=[lesson.slug])).status_code == 405
    read = reverse("step-read", args=[lesson.slug, lesson.steps.first().pk])
    assert client.get(read).status_code == 405


def test_last_mode_is_remembered_and_linked_from_the_catalog(client, lesson):
    """A learner's last mode on a lesson they started is linked from the catalog."""
    myth = lesson.myths.first()
    client.post(reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"})
    client.get(mode(lesson, "pitfalls"))
    client.get(mode(lesson, "myths"))
    catalog = client.get(reverse("catalog")).content.decode()
    assert f'<a href="{mode(lesson, "myths")}">Continue in Myth busters</a>' in catalog


def test_header_shows_week_streak_and_todays_answers(client, lesson):
    myth = lesson.myths.first()
    client.post(reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"})
    content = page_text(client.get(reverse("catalog")))
    assert "1-week streak · 1 answer today" in content


def test_week_streak_counts_consecutive_weeks_and_forgives_this_week():
    this_week = date(2026, 11, 30)
    weeks = {this_week - timedelta(weeks=n) for n in (1, 2, 3, 5)}
    assert scoring.week_streak(weeks, this_week) == 3
    assert scoring.week_streak(weeks | {this_week}, this_week) == 4
    assert scoring.week_streak(set(), this_week) == 0


def test_mode_pages_stay_within_query_budget(client, lesson, django_assert_max_num_queries):
    big = full_lesson(steps=12, practice=8)
    for slug in ("step-by-step", "overview", "myths", "pitfalls", "flashcards", "expert"):
        client.get(mode(big, slug))
        with django_assert_max_num_queries(22):
            client.get(mode(big, slug))


def test_empty_lesson_modes_do_not_fail(client):
    lesson = LessonFactory()
    StepFactory(lesson=lesson)
    TakeawayFactory(lesson=lesson)
    for slug in (
        "step-by-step",
        "overview",
        "mental-model",
        "myths",
        "pitfalls",
        "flashcards",
        "expert",
    ):
        assert client.get(mode(lesson, slug)).status_code == 200
