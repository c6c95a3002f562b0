"""What the design system promises a learner, checked in a real browser: the theme toggle,
feedback while a request is in flight and beside an item that failed, phones first, and
the layout details of issue 17."""

import re

import pytest
from playwright.sync_api import expect

from quizzes.models import Learner
from tests.factories import AssignmentFactory, MembershipFactory, TeamFactory, UserFactory

from .test_teams import finish_the_lesson, log_in
from .test_valid_pages import LEARNER_PAGES, MANAGER_PAGES

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
COMMIT = "**/commit/**"


def first_prediction(lesson):
    return lesson.steps.exclude(prediction_prompt="").order_by("order").first()


def background(page):
    return page.evaluate("getComputedStyle(document.documentElement).backgroundColor")


def test_theme_toggle_without_javascript_is_remembered(no_js_page, live_iam):
    """Without JavaScript, Dark posts the form; the next pages arrive dark, light is back
    after choosing Light, and the pressed button says which theme is on."""
    page = no_js_page
    page.goto(f"/lessons/{live_iam.slug}/")
    light = background(page)
    page.get_by_role("button", name="Dark").click()
    expect(page).to_have_url(re.compile(f"/lessons/{live_iam.slug}/$"))
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert background(page) != light
    page.goto("/review/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("button", name="Dark")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Light").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert background(page) == light


def test_theme_toggle_with_javascript_switches_at_once_and_is_remembered(
    browser, live_server, live_iam
):
    """With JavaScript the page switches without a reload; a dark system is overridden by
    Light, and System hands back to the system after a reload too."""
    context = browser.new_context(base_url=live_server.url, color_scheme="dark")
    page = context.new_page()
    page.goto(f"/lessons/{live_iam.slug}/")
    dark = background(page)
    page.evaluate("window.notReloaded = true")
    with page.expect_response("**/theme/") as answer:
        page.get_by_role("button", name="Light").click()
    assert answer.value.status == 204
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert page.evaluate("window.notReloaded") is True
    assert background(page) != dark
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    with page.expect_response("**/theme/"):
        page.get_by_role("button", name="System").click()
    expect(page.locator("html")).not_to_have_attribute("data-theme", re.compile("."))
    page.reload()
    assert background(page) == dark
    context.close()


def test_commit_button_is_disabled_and_busy_while_in_flight(page, live_iam):
    """While a commit is on its way the button cannot be pressed again and says it is
    busy; when the answer comes, the reveal replaces the form."""
    held = []
    page.route(COMMIT, lambda route: held.append(route))
    page.goto(f"/lessons/{live_iam.slug}/")
    step = first_prediction(live_iam)
    card = page.locator(f"#step-{step.order}")
    card.get_by_label(step.options.get(is_expected=True).text).check()
    button = card.get_by_role("button", name="Commit my prediction")
    button.click()
    expect(button).to_be_disabled()
    expect(card.locator("form")).to_have_attribute("aria-busy", "true")
    expect(button).to_have_class(re.compile("is-busy"))
    page.wait_for_function("() => true")
    assert held, "the commit never left the page"
    held[0].continue_()
    expect(card).to_contain_text("That is right.")


def test_failed_commit_says_so_beside_the_item_with_a_retry(page, live_iam):
    """A commit the server refuses shows its message next to that item, not at the top
    of the page; the form is usable again and Try again sends it once more."""
    page.route(
        COMMIT,
        lambda route: route.fulfill(
            status=503,
            content_type="text/html",
            body="<p data-error-message>The platform cannot reach its records.</p>",
        ),
    )
    page.goto(f"/lessons/{live_iam.slug}/")
    step = first_prediction(live_iam)
    card = page.locator(f"#step-{step.order}")
    card.get_by_label(step.options.get(is_expected=True).text).check()
    card.get_by_role("button", name="Commit my prediction").click()
    alert = card.get_by_role("alert")
    expect(alert).to_contain_text("The platform cannot reach its records.")
    expect(page.locator("#request-error")).to_have_count(0)
    expect(card.get_by_role("button", name="Commit my prediction")).to_be_enabled()
    page.unroute(COMMIT)
    alert.get_by_role("button", name="Try again").click()
    expect(card).to_contain_text("That is right.")
    expect(card.get_by_role("alert")).to_have_count(0)


def test_unreachable_server_is_reported_beside_the_myth(page, live_iam):
    """When the request never gets an answer, the myth says so itself, and the answer
    pressed (No) is the one sent again on retry."""
    page.route(COMMIT, lambda route: route.abort())
    page.goto(f"/lessons/{live_iam.slug}/")
    myth = page.locator("#myth-1")
    myth.get_by_role("button", name="No").click()
    expect(myth.get_by_role("alert")).to_contain_text("could not be reached")
    page.unroute(COMMIT)
    myth.get_by_role("button", name="Try again").click()
    expect(myth).to_contain_text("You answered No")


@pytest.mark.parametrize("mode", ["step-by-step", "myths", "flashcards", "pitfalls"])
def test_mode_content_starts_on_the_first_phone_screen(browser, live_server, live_iam, mode):
    """At 390 px the mode picker is a closed menu, so the mode's own content (the heading
    after the picker) starts within the first screen; the menu opens to every mode."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.goto(f"/lessons/{live_iam.slug}/{mode}/")
    picker = page.locator("#mode-picker")
    content_top = page.evaluate(
        """() => {
            const picker = document.getElementById('mode-picker');
            let next = picker.nextElementSibling || picker.parentElement.nextElementSibling;
            return next.getBoundingClientRect().top;
        }"""
    )
    assert content_top < PHONE["height"] - 100, content_top
    expect(picker.get_by_role("link", name="Myth busters")).to_be_hidden()
    picker.locator("summary").click()
    expect(picker.get_by_role("link", name="Myth busters")).to_be_visible()
    context.close()


def test_mode_picker_is_a_grid_of_choices_on_a_desktop(browser, live_server, live_iam):
    """At 1,280 px every mode is visible at once, without opening a menu."""
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"/lessons/{live_iam.slug}/")
    picker = page.locator("#mode-picker")
    expect(picker.locator("summary")).to_be_hidden()
    for name in ("Step by step", "Myth busters", "Flashcards", "Pattern test"):
        expect(picker.get_by_role("link", name=name)).to_be_visible()
    context.close()


def overflowing(page):
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [320, 390])
def test_no_learner_or_manager_page_scrolls_sideways(browser, live_server, live_iam, width):
    """Every learner page (with progress on it) and every manager page fits the width of
    a small phone: wide content scrolls in its own box, never the page."""
    team = TeamFactory(name="Security champions", slug="security-champions")
    boss = UserFactory(username="boss")
    MembershipFactory(team=team, role="manager", user=boss)
    assignment = AssignmentFactory(team=team, lesson=live_iam)
    Learner.objects.create(user=boss)
    finish_the_lesson(boss, live_iam)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    log_in(page, "boss")
    wide = []
    urls = [u.format(slug=live_iam.slug) for u in LEARNER_PAGES]
    urls += [u.format(team=team.slug, assignment=assignment.pk) for u in MANAGER_PAGES]
    for url in urls:
        page.goto(url)
        if overflowing(page):
            wide.append(url)
    context.close()
    assert not wide, f"these pages scroll sideways at {width} px: {wide}"


def test_header_stays_on_one_row_at_1280_px_with_a_badge_and_teams(browser, live_server, live_iam):
    """A signed-in manager with cards due: brand and links share one row at 1,280 px."""
    from datetime import timedelta

    from django.utils import timezone

    from quizzes.models import CardSchedule

    team = TeamFactory(slug="readers")
    boss = UserFactory(username="boss")
    MembershipFactory(team=team, role="manager", user=boss)
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    page = context.new_page()
    log_in(page, "boss")
    page.goto(f"/lessons/{live_iam.slug}/flashcards/")
    page.get_by_text("Show the answer").click()
    page.get_by_role("button", name="Again").click()
    expect(page.locator("#flashcard")).to_be_visible()
    page.wait_for_load_state("networkidle")
    CardSchedule.objects.update(due=timezone.now() - timedelta(minutes=1))
    page.goto("/")
    expect(page.locator(".site-nav .badge")).to_be_visible()
    tops = page.evaluate(
        """() => [document.querySelector('.brand'),
                  ...document.querySelectorAll('.site-nav > ul > li')]
            .map(e => Math.round(e.getBoundingClientRect().top + e.offsetHeight / 2))"""
    )
    assert max(tops) - min(tops) <= 8, tops
    context.close()


def test_radio_buttons_of_a_question_are_all_the_same_size(page, live_iam):
    """Long and short answers alike: every radio of a test question has one size."""
    page.goto(f"/lessons/{live_iam.slug}/test/")
    page.get_by_role("button", name="Start the test").click()
    sizes = {
        (round(box["width"]), round(box["height"]))
        for box in (r.bounding_box() for r in page.locator("#test-card input[type=radio]").all())
    }
    assert len(sizes) == 1, sizes


def test_my_learning_progress_bar_keeps_its_width(page, live_iam):
    """The progress bar in the My learning table is at least 8rem wide, not a sliver."""
    page.set_viewport_size(DESKTOP)
    page.goto(f"/lessons/{live_iam.slug}/")
    page.locator("#myth-1").get_by_role("button", name="No").click()
    expect(page.locator("#myth-1")).to_contain_text("You answered No")
    page.goto("/me/")
    assert page.locator("progress").first.bounding_box()["width"] >= 128


def test_team_dashboard_is_a_centred_column(browser, live_server, live_iam):
    """At a wide screen the dashboard is centred with margins, like every other page."""
    team = TeamFactory(slug="readers")
    MembershipFactory(team=team, role="manager", user=UserFactory(username="boss"))
    AssignmentFactory(team=team, lesson=live_iam)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1600, "height": 900})
    page = context.new_page()
    log_in(page, "boss")
    page.goto("/teams/readers/")
    box = page.locator("main").bounding_box()
    assert box["width"] < 1600 - 200
    assert abs(box["x"] - (1600 - box["x"] - box["width"])) <= 2
    context.close()


def reveal_outline(page, lesson, keyboard):
    page.goto(f"/lessons/{lesson.slug}/")
    myth = page.locator("#myth-1")
    if keyboard:
        myth.get_by_role("button", name="No").focus()
        page.keyboard.press("Enter")
    else:
        myth.get_by_role("button", name="No").click()
    reveal = page.locator("#myth-1-reveal")
    expect(reveal).to_be_focused()
    return reveal.evaluate("e => getComputedStyle(e).outlineStyle")


def test_reveal_has_a_focus_ring_after_the_keyboard_but_no_frame_after_a_click(page, live_iam):
    """The reveal takes focus either way; only a keyboard user sees the ring."""
    assert reveal_outline(page, live_iam, keyboard=False) == "none"
    page.context.clear_cookies()
    assert reveal_outline(page, live_iam, keyboard=True) != "none"


@pytest.mark.parametrize(("motion", "animated"), [("no-preference", True), ("reduce", False)])
def test_reveal_animates_only_without_a_reduced_motion_wish(
    browser, live_server, live_iam, motion, animated
):
    """A reveal slides in, unless the learner asked their system for reduced motion."""
    context = browser.new_context(base_url=live_server.url, reduced_motion=motion)
    page = context.new_page()
    page.goto(f"/lessons/{live_iam.slug}/")
    page.locator("#myth-1").get_by_role("button", name="No").click()
    name = page.locator("#myth-1-reveal").evaluate("e => getComputedStyle(e).animationName")
    assert (name == "reveal-in") is animated, name
    context.close()


def test_verdicts_say_right_and_wrong_in_words_and_icons(page, live_iam):
    """A right and a wrong answer differ by an icon and a word, not only by colour."""
    page.goto(f"/lessons/{live_iam.slug}/")
    myths = list(live_iam.myths.order_by("order")[:2])
    for myth, right in zip(myths, (True, False), strict=True):
        answer = (
            ("Yes" if myth.true_answer else "No")
            if right
            else ("No" if myth.true_answer else "Yes")
        )
        page.locator(f"#myth-{myth.order}").get_by_role("button", name=answer, exact=True).click()
        expect(page.locator(f"#myth-{myth.order} .verdict")).to_be_visible()
    icon = "e => getComputedStyle(e, '::before').content"
    assert "✓" in page.locator(f"#myth-{myths[0].order} .verdict").evaluate(icon)
    assert "✗" in page.locator(f"#myth-{myths[1].order} .verdict").evaluate(icon)
    expect(page.locator(f"#myth-{myths[0].order} .verdict")).to_contain_text("right")
    expect(page.locator(f"#myth-{myths[1].order} .verdict")).to_contain_text("not quite")


@pytest.mark.parametrize("width", [320, 390])
def test_flashcard_rating_buttons_share_one_row_on_a_phone(browser, live_server, live_iam, width):
    """Again, Hard, Good and Easy sit side by side on a phone, not wrapped onto two rows."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    page.goto(f"/lessons/{live_iam.slug}/flashcards/")
    page.get_by_text("Show the answer").click()
    buttons = page.locator(".ratings button")
    expect(buttons.first).to_be_visible()
    tops = {round(b.bounding_box()["y"]) for b in buttons.all()}
    assert len(tops) == 1, tops
    context.close()
