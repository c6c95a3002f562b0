"""Screenshots of the key states, compared with committed references, so a change that
moves the layout fails here before a learner sees it.

Each state is shot at 1,280 px and 390 px wide, in the light and the dark theme: one
browser context per combination, one page walking every state. Rendering is kept
deterministic: the font ships with the app, motion is reduced (no reveal animation),
the caret is hidden, the mouse is parked in a corner and dates are masked.

A pixel counts as different when a channel moves by more than ``CHANNEL_TOLERANCE``; a
shot fails when more than ``PIXEL_TOLERANCE`` of its pixels differ, or its size changed.
After an intended change, regenerate every reference (and the README's two shots) with:

    UPDATE_SNAPSHOTS=1 python3 -m uv run --frozen pytest -n 0 tests/browser/test_visual.py
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from quizzes.models import Learner
from tests.factories import AssignmentFactory, MembershipFactory, TeamFactory, UserFactory

from .test_teams import finish_the_lesson, log_in

SNAPSHOTS = Path(__file__).parent / "snapshots"
DOCS = Path(__file__).resolve().parents[2] / "docs"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
CHANNEL_TOLERANCE = 48
PIXEL_TOLERANCE = 0.01
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
DATE = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")


def difference(reference: Image.Image, actual: Image.Image) -> float:
    """The share of pixels where some channel differs by more than the tolerance."""
    delta = ImageChops.difference(reference.convert("RGB"), actual.convert("RGB"))
    changed = delta.convert("L").point(lambda v: 255 if v > CHANNEL_TOLERANCE else 0)
    histogram = changed.histogram()
    return histogram[255] / (reference.width * reference.height)


class Shots:
    """Takes each shot, compares it with its reference, and gathers every mismatch."""

    def __init__(self, page, label, out):
        self.page = page
        self.label = label
        self.out = out
        self.problems = []

    def __call__(self, name, locator=None, until=None):
        """Shoot the viewport, or ``locator``; with ``until``, only the part of
        ``locator`` above that element (what follows it varies from run to run)."""
        page = self.page
        page.mouse.move(0, 0)
        page.evaluate("document.fonts.ready.then(() => true)")
        masks = [page.get_by_text(DATE), page.locator(".chart text")]
        options = {
            "animations": "disabled",
            "caret": "hide",
            "mask": masks,
            "mask_color": "#888888",
        }
        if until is not None:
            locator.evaluate("e => e.scrollIntoView()")
            top, end = locator.bounding_box(), until.bounding_box()
            clip = {
                "x": top["x"],
                "y": top["y"],
                "width": top["width"],
                "height": end["y"] - top["y"],
            }
            png = page.screenshot(clip=clip, **options)
        else:
            png = (locator if locator is not None else page).screenshot(**options)
        file = SNAPSHOTS / f"{name}-{self.label}.png"
        if UPDATE:
            SNAPSHOTS.mkdir(exist_ok=True)
            file.write_bytes(png)
            return
        if not file.exists():
            self.problems.append(f"{file.name}: no reference (run with UPDATE_SNAPSHOTS=1)")
            return
        actual_file = self.out / file.name
        actual_file.write_bytes(png)
        reference, actual = Image.open(file), Image.open(actual_file)
        if reference.size != actual.size:
            self.problems.append(
                f"{file.name}: size {actual.size} instead of {reference.size} (see {actual_file})"
            )
            return
        share = difference(reference, actual)
        if share > PIXEL_TOLERANCE:
            self.problems.append(f"{file.name}: {share:.2%} of pixels differ (see {actual_file})")


@pytest.fixture
def visual_world(live_iam):
    """A manager whose team has one member who finished the lesson, for the dashboard."""
    team = TeamFactory(name="Security champions", slug="security-champions")
    MembershipFactory(team=team, role="manager", user=UserFactory(username="boss"))
    for name in ("alice", "bob"):
        member = MembershipFactory(team=team, user=UserFactory(username=name)).user
        Learner.objects.create(user=member)
    finish_the_lesson(UserFactory._meta.model.objects.get(username="alice"), live_iam)
    AssignmentFactory(team=team, lesson=live_iam)
    return live_iam, team


def walk_states(page, lesson, team, shot):
    """Every key state, in the order a learner meets them, then the manager's dashboard."""
    slug = lesson.slug
    page.goto(f"/lessons/{slug}/")
    shot("lesson-top")

    step = lesson.steps.exclude(prediction_prompt="").order_by("order").first()
    card = page.locator(f"#step-{step.order}")
    shot("prediction-before", card)
    card.get_by_label(step.options.filter(is_expected=False).first().text).check()
    card.get_by_role("button", name="Commit my prediction").click()
    expect(page.locator(f"#step-{step.order} .verdict")).to_be_visible()
    shot("prediction-after", page.locator(f"#step-{step.order}"))

    page.locator("#myth-1").get_by_role("button", name="No").click()
    expect(page.locator("#myth-1 .verdict")).to_be_visible()
    shot("myth-reveal", page.locator("#myth-1"))

    page.goto(f"/lessons/{slug}/practice/")
    question = lesson.questions.filter(kind="practice").order_by("order").first()
    choice = question.choices.filter(is_correct=True).first()
    card = page.locator("#practice-card")
    card.get_by_label(f"{choice.letter}.", exact=False).first.check()
    card.get_by_role("button", name="Commit my answer").click()
    expect(card.get_by_text("Correct answer:")).to_be_visible()
    shot("practice-solution", card)

    page.goto(f"/lessons/{slug}/test/")
    page.get_by_role("button", name="Start the test").click()
    test_card = page.locator("#test-card")
    test_card.locator("label.option").first.click()
    test_card.get_by_role("button", name="Commit my answer").click()
    expect(test_card).to_contain_text("Question 2 / 10")
    test_card.get_by_role("button", name="Finish now").click()
    expect(test_card).to_contain_text("You scored")
    shot("test-result", test_card, until=test_card.locator(".questions"))

    page.goto(f"/lessons/{slug}/flashcards/")
    page.get_by_text("Show the answer").click()
    shot("flashcards")

    page.goto("/me/")
    shot("my-learning")

    log_in(page, "boss")
    page.goto(f"/teams/{team.slug}/")
    shot("team-dashboard")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_key_states_look_as_their_references(
    browser, live_server, visual_world, tmp_path, device, scheme
):
    """Lesson top, a prediction before and after, a myth reveal, practice with its
    solution, a test result, flashcards, My learning and the team dashboard match their
    reference screenshots at this width and in this theme."""
    lesson, team = visual_world
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORTS[device],
        color_scheme=scheme,
        reduced_motion="reduce",
        device_scale_factor=1,
    )
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    shot = Shots(page, f"{device}-{scheme}", tmp_path)
    try:
        walk_states(page, lesson, team, shot)
    finally:
        context.close()
    if UPDATE and scheme == "light":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(SNAPSHOTS / f"lesson-top-{device}-light.png", DOCS / f"screenshot-{device}.png")
    assert not shot.problems, "Screenshots differ from their references:\n" + "\n".join(
        shot.problems
    )
