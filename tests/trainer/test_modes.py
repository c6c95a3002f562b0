import re
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
from quizzes.items import ITEM_TYPES
from quizzes.models import CardSchedule, Commit, LessonProgress, StepRead
from tests.factories import (
    LearnerFactory,
    LessonFactory,
    PitfallFactory,
    StepFactory,
    TakeawayFactory,
    full_lesson,
)
from tests.helpers import HTMX, page_text, text
from trainer.views import MODE_PAGES

pytestmark = pytest.mark.django_db
STATIC_MODES = ["overview", "mental-model", "expert"]


def mode(lesson, slug):
    return reverse("trainer:lesson-mode", args=[lesson.slug, slug])


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
    cards = cards_for(lesson)
    assert len(cards) == 22  # 9 step insights, 7 takeaways, 6 nuances
    minutes = mode_minutes(lesson, cards=len(cards), test_questions=10)
    assert minutes["test"] == 10
    assert minutes["flashcards"] == 6  # 22 cards at 15 seconds, rounded up
    assert minutes["overview"] < minutes["deep-dive"]
    assert minutes["myths"] >= 3  # five myths at half a minute, plus reading
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
    read = reverse("trainer:step-read", args=[lesson.slug, lesson.steps.get(order=2).pk])
    response = client.post(read)
    assert response["Location"] == mode(lesson, "step-by-step") + "?step=3"
    assert StepRead.objects.count() == 1
    assert "Step 3 of 3" in page_text(client.get(response["Location"]))


def test_step_with_a_prediction_cannot_be_marked_read(client, lesson):
    step = lesson.steps.get(order=1)
    response = client.post(reverse("trainer:step-read", args=[lesson.slug, step.pk]))
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


def pitfall_keys(html):
    """The answer values the pitfall buttons of a page carry."""
    return re.findall(r'name="answer" value="([^"]*)" class="secondary"', html)


def wrong_key(pitfall):
    return next(o.key for o in ITEM_TYPES["pitfall"].options(pitfall) if o.label == pitfall.wrong)


def test_pitfall_spotter_hides_the_answer_until_the_pick(client, lesson):
    """Before the pick the page shows both approaches unlabelled; the pick reveals the rest."""
    pitfall = lesson.pitfalls.get()
    before = page_text(client.get(mode(lesson, "pitfalls")))
    assert text(pitfall.root_cause) not in before
    assert "Wrong approach:" not in before
    assert text(pitfall.wrong) in before
    assert text(pitfall.correct) in before
    response = client.post(
        reverse("quizzes:commit", args=[lesson.slug, "pitfall", pitfall.pk]),
        {"answer": wrong_key(pitfall)},
        **HTMX,
    )
    revealed = page_text(response)
    assert "Right: that is the wrong approach." in revealed
    assert text(pitfall.root_cause) in revealed
    assert Commit.objects.get().correct
    # Posted from the spotter's page: its score line comes along, swapped out of band.
    second = PitfallFactory(lesson=lesson, order=2)
    response = client.post(
        reverse("quizzes:commit", args=[lesson.slug, "pitfall", second.pk]),
        {"answer": wrong_key(second), "next": mode(lesson, "pitfalls")},
        **HTMX,
    )
    assert '<p id="pitfall-score" data-hx-swap-oob="true">' in response.content.decode()
    assert "Score: 2 right of 2 answered (2 pitfalls)" in page_text(response)
    assert "Score: 2 right of 2 answered" in page_text(client.get(mode(lesson, "pitfalls")))


@pytest.mark.parametrize("page", ["pitfalls", "deep-dive"])
def test_pitfall_options_are_opaque_keys(client, lesson, page):
    """The buttons' values do not say which is wrong; the old literals are refused with 400."""
    pitfall = lesson.pitfalls.get()
    url = mode(lesson, page) if page != "deep-dive" else lesson.get_absolute_url()
    keys = pitfall_keys(client.get(url).content.decode())
    assert sorted(keys) == sorted(o.key for o in ITEM_TYPES["pitfall"].options(pitfall))
    assert not {"wrong", "correct", "0", "1", "a", "b"} & {k.lower() for k in keys}
    commit = reverse("quizzes:commit", args=[lesson.slug, "pitfall", pitfall.pk])
    for literal in ("wrong", "correct", ""):
        assert client.post(commit, {"answer": literal}).status_code == 400
    other = full_lesson(steps=1, practice=0).pitfalls.get()
    assert client.post(commit, {"answer": wrong_key(other)}).status_code == 400
    assert not Commit.objects.exists()


def test_pitfall_option_keys_differ_per_pitfall_and_order_varies_per_learner(lesson):
    """Which key is the wrong approach cannot be learnt once and reused, nor read off the order."""
    first = lesson.pitfalls.get()
    second = PitfallFactory(lesson=lesson, order=2)
    assert wrong_key(first) != wrong_key(second)
    orders = {
        tuple(o.label == first.wrong for o in ITEM_TYPES["pitfall"].shown(first, seed))
        for seed in range(20)
    }
    assert orders == {(True, False), (False, True)}
    assert ITEM_TYPES["pitfall"].shown(first, 7) == ITEM_TYPES["pitfall"].shown(first, 7)


def test_no_page_shows_a_pitfall_verdict_or_root_cause_before_the_pick(client, lesson):
    """Every mode, page and fragment keeps a pitfall's labels and root cause until the pick."""
    pitfall = lesson.pitfalls.get()
    client.post(
        reverse("quizzes:commit", args=[lesson.slug, "myth", lesson.myths.get(order=1).pk]),
        {"answer": "no"},
    )
    urls = [
        reverse("trainer:catalog"),
        reverse("trainer:my-learning"),
        reverse("trainer:review"),
        lesson.get_absolute_url(),
        reverse("quizzes:practice", args=[lesson.slug]),
        reverse("quizzes:test", args=[lesson.slug]),
        *(reverse("trainer:lesson-mode", args=[lesson.slug, m]) for m in MODE_PAGES),
    ]
    responses = [client.get(url) for url in urls]
    responses += [
        client.get(mode(lesson, "step-by-step"), **HTMX),
        client.get(mode(lesson, "myths") + "?n=2", **HTMX),
        client.get(reverse("quizzes:practice", args=[lesson.slug]) + "?q=1", **HTMX),
    ]
    for response in responses:
        assert response.status_code == 200, response.request["PATH_INFO"]
        seen = page_text(response)
        for hidden in ("Wrong approach:", "Correct approach:", "Root cause:"):
            assert hidden not in seen, response.request["PATH_INFO"]
        assert text(pitfall.root_cause) not in seen, response.request["PATH_INFO"]
    client.post(
        reverse("quizzes:commit", args=[lesson.slug, "pitfall", pitfall.pk]),
        {"answer": wrong_key(pitfall)},
    )
    after = page_text(client.get(lesson.get_absolute_url()))
    assert "Right: that is the wrong approach." in after
    assert text(pitfall.root_cause) in after


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
        reverse("trainer:flashcard-rate", args=[lesson.slug]),
        {"card": card.key, "rating": "1"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response.context["deck"].card.key != card.key
    user = UserFactory()
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    schedule = CardSchedule.objects.get()
    assert schedule.learner.user == user
    CardSchedule.objects.update(due=timezone.now() - timedelta(minutes=1))
    review = page_text(client.get(reverse("trainer:review")))
    assert "1 card due across your lessons" in review
    assert "1 due" in review


def test_flashcards_hide_a_predicted_steps_insight_until_its_commit(client, lesson):
    """The insight of a step with a prediction is no card until the prediction is committed."""
    step = lesson.steps.get(order=1)
    key = f"insight:{step.pk}"
    rate = reverse("trainer:flashcard-rate", args=[lesson.slug])
    page = client.get(mode(lesson, "flashcards"))
    assert key not in [c.key for c in page.context["deck"].cards]
    assert text(step.insight) not in page_text(page)
    assert "4 cards" in page_text(page)
    assert client.post(rate, {"card": key, "rating": "3"}).status_code == 400
    assert not CardSchedule.objects.exists()

    client.post(
        reverse("quizzes:commit", args=[lesson.slug, "step", step.pk]),
        {"answer": str(step.options.get(is_expected=True).pk)},
    )
    page = client.get(mode(lesson, "flashcards"))
    assert page.context["deck"].card.key == key
    assert text(step.insight) in page_text(page)
    assert "5 cards" in page_text(page)
    assert client.post(rate, {"card": key, "rating": "1"}).status_code == 302


def test_review_queue_leaves_out_cards_a_reveal_still_hides(client, lesson):
    """A due card made from a step still behind its prediction stays out of /review/."""
    step = lesson.steps.get(order=1)
    client.post(
        reverse("quizzes:commit", args=[lesson.slug, "myth", lesson.myths.get(order=1).pk]),
        {"answer": "no"},
    )
    learner = Commit.objects.get().learner
    # As if the step gained its prediction after the learner had studied its insight.
    card = next(c for c in cards_for(lesson) if c.key == f"insight:{step.pk}")
    card_review(
        learner=learner, lesson=lesson, card=card, rating=1, now=timezone.now() - timedelta(days=1)
    )
    before = page_text(client.get(reverse("trainer:review")))
    assert text(step.insight) not in before
    assert "Nothing is due" in before
    client.post(
        reverse("quizzes:commit", args=[lesson.slug, "step", step.pk]),
        {"answer": str(step.options.get(is_expected=True).pk)},
    )
    after = page_text(client.get(reverse("trainer:review")))
    assert "1 card due across your lessons" in after
    assert text(step.insight) in after


@pytest.mark.parametrize(
    "data", [{"card": "insight:0", "rating": "3"}, {"card": "", "rating": "3"}, {"rating": "9"}]
)
def test_bad_flashcard_ratings_are_refused(client, lesson, data):
    full = Lesson.objects.with_content().get(pk=lesson.pk)
    data.setdefault("card", cards_for(full)[0].key)
    response = client.post(reverse("trainer:flashcard-rate", args=[lesson.slug]), data)
    assert response.status_code == 400
    assert not CardSchedule.objects.exists()


@pytest.mark.parametrize(("slug", "param"), [("step-by-step", "step"), ("myths", "n")])
@pytest.mark.parametrize("value", ["abc", "0", "99", "-1"])
def test_mode_positions_out_of_range_are_400(client, lesson, slug, param, value):
    assert client.get(mode(lesson, slug), {param: value}).status_code == 400


def test_unknown_mode_and_get_on_actions(client, lesson):
    assert client.get(f"{lesson.get_absolute_url()}karaoke/").status_code == 404
    assert client.get(reverse("trainer:flashcard-rate", args=[lesson.slug])).status_code == 405
    read = reverse("trainer:step-read", args=[lesson.slug, lesson.steps.first().pk])
    assert client.get(read).status_code == 405


def test_last_mode_is_remembered_and_linked_from_the_catalog(client, lesson):
    """A learner's last mode on a lesson they started is linked from the catalog."""
    myth = lesson.myths.first()
    client.post(reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"})
    client.get(mode(lesson, "pitfalls"))
    client.get(mode(lesson, "myths"))
    catalog = client.get(reverse("trainer:catalog")).content.decode()
    assert f'<a href="{mode(lesson, "myths")}">Continue in Myth busters</a>' in catalog


def test_header_shows_week_streak_and_todays_answers(client, lesson):
    myth = lesson.myths.first()
    client.post(reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"})
    content = page_text(client.get(reverse("trainer:catalog")))
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


def swap_links(html):
    """Every link of a page that htmx follows: its attributes, unescaped."""
    found = []
    for tag in re.findall(r"<a\b[^>]*>", html):
        attrs = {k: unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag)}
        if "hx-get" in attrs or "data-hx-get" in attrs:
            found.append(attrs)
    return found


def link_named(html, label):
    tag = re.search(rf"<a\b([^>]*)>{re.escape(label)}</a>", html).group(1)
    return {k: unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag)}


def expected_answer(step):
    return str(step.options.get(is_expected=True).pk)


def test_walks_reach_the_end_with_plain_form_posts(client):
    """Without JavaScript, step by step and myth busters run to the end by links and posts."""
    lesson = full_lesson(steps=3, practice=0)
    walk = mode(lesson, "step-by-step")
    url = walk
    for step in lesson.steps.order_by("order"):
        page = client.get(url)
        assert page.status_code == 200
        assert f"Step {step.order} of 3" in page_text(page)
        if step.has_prediction:
            response = client.post(
                reverse("quizzes:commit", args=[lesson.slug, "step", step.pk]),
                {"answer": expected_answer(step), "next": page.request["PATH_INFO"]},
            )
        else:
            response = client.post(reverse("trainer:step-read", args=[lesson.slug, step.pk]))
        assert response.status_code == 302
        page = client.get(response["Location"])
        # A committed prediction comes back to its step, now with "Next step"; a step
        # marked read goes straight on to the next one.
        url = response["Location"]
        if step.has_prediction:
            url = link_named(page.content.decode(), "Next step")["href"]
    assert "You have worked through every step." in page_text(page)

    url = mode(lesson, "myths")
    for myth in lesson.myths.order_by("order"):
        page = client.get(url)
        assert f"Myth {myth.order} of 2" in page_text(page)
        response = client.post(
            reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]),
            {"answer": "no", "next": url},
        )
        assert response.status_code == 302
        html = client.get(response["Location"]).content.decode()
        label = "Next myth" if myth.order < 2 else "See your score"
        url = link_named(html, label)["href"]
    summary = client.get(url)
    assert summary.status_code == 200
    assert "Round complete: 1 of 2 right" in page_text(summary)


def test_walk_commits_with_htmx_send_what_they_change_out_of_band(client):
    """An htmx commit on a walk's page also swaps in the opened next step and the new score."""
    lesson = full_lesson(steps=3, practice=0)
    first = lesson.steps.get(order=1)
    walk = mode(lesson, "step-by-step")
    before = client.get(walk).content.decode()
    assert "Step 2, locked" in page_text(client.get(walk))
    assert "Next step" not in before
    response = client.post(
        reverse("quizzes:commit", args=[lesson.slug, "step", first.pk]),
        {"answer": expected_answer(first), "next": walk},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "That is right." in page_text(response)
    assert '<nav id="step-nav" aria-label="Steps" data-hx-swap-oob="true">' in html
    assert '<a href="?step=2" aria-label="Step 2">2</a>' in html
    assert '<div id="step-next" data-hx-swap-oob="true">' in html
    following = link_named(html, "Next step")
    assert following["href"] == following["data-hx-get"] == f"{walk}?step=2"
    assert following["data-hx-target"] == "#step-by-step"
    assert html.count("data-autofocus") == 1  # on the reveal, not on the walk's parts
    step_two = client.get(following["data-hx-get"], **HTMX)
    assert "Step 2 of 3" in page_text(step_two)

    round_url = mode(lesson, "myths")
    myths = list(lesson.myths.order_by("order"))
    expected_lines = ["score so far: 1 of 1 answered", "score so far: 1 of 2 answered"]
    url = f"{round_url}?n=1"
    for myth, line in zip(myths, expected_lines, strict=True):
        response = client.post(
            reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]),
            {"answer": "no", "next": url},
            **HTMX,
        )
        html = response.content.decode()
        assert 'id="myth-position" tabindex="-1" data-hx-swap-oob="true"' in html
        assert line in page_text(response)
        page = client.get(url, **HTMX).content.decode()
        label = "Next myth" if myth.order < 2 else "See your score"
        link = link_named(page, label)
        assert link["href"] == link["data-hx-get"]
        url = link["data-hx-get"]
    assert "Round complete: 1 of 2 right" in page_text(client.get(url, **HTMX))


def test_commits_elsewhere_send_no_walk_parts(client):
    """A commit from the Deep Dive answers with its card only: the walks are not on that page."""
    lesson = full_lesson(steps=2, practice=0)
    step = lesson.steps.get(order=1)
    response = client.post(
        reverse("quizzes:commit", args=[lesson.slug, "step", step.pk]),
        {"answer": expected_answer(step), "next": lesson.get_absolute_url()},
        **HTMX,
    )
    assert response.status_code == 200
    assert "hx-swap-oob" not in response.content.decode()


def test_every_swap_link_has_the_same_href_and_hx_get(client, lesson):
    """Each link htmx follows goes where it goes without JavaScript too."""
    for myth in lesson.myths.all():
        client.post(
            reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "yes"}
        )
    for question in lesson.questions.filter(kind="practice"):
        client.post(
            reverse("quizzes:commit", args=[lesson.slug, "question", question.pk]),
            {"answer": str(question.choices.first().pk)},
        )
    urls = [
        lesson.get_absolute_url(),
        reverse("quizzes:practice", args=[lesson.slug]),
        reverse("quizzes:practice", args=[lesson.slug]) + "?q=1",
        mode(lesson, "step-by-step"),
        *(mode(lesson, "myths") + f"?n={n}" for n in (1, 2, 3)),
    ]
    seen = 0
    for url in urls:
        for headers in ({}, HTMX):
            response = client.get(url, **headers)
            assert response.status_code == 200, url
            for attrs in swap_links(response.content.decode()):
                assert attrs["href"] == attrs.get("data-hx-get", attrs.get("hx-get")), url
                seen += 1
    assert seen >= 8
