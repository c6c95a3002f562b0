from html import unescape

from django.utils.html import strip_tags
from playwright.sync_api import expect

from lessons.markdown import render_inline
from lessons.models import Choice


def answer_current(page, right=True):
    """Pick the right (or a wrong) choice of the question on screen, by its text."""
    card = page.locator("#test-card")
    position = " ".join(card.locator(".position").inner_text().split()[:2])
    labels = card.locator("label.option")
    texts = labels.all_inner_texts()
    correct = {
        " ".join(unescape(strip_tags(render_inline(text))).split())
        for text in Choice.objects.filter(is_correct=True, question__kind="test").values_list(
            "text", flat=True
        )
    }
    index = next(i for i, t in enumerate(texts) if (" ".join(t.split()) in correct) == right)
    labels.nth(index).click()
    card.get_by_role("button", name="Commit my answer").click()
    expect(card.locator(".position, .result").first).not_to_contain_text(f"{position} /")


def test_take_the_pattern_test_leave_resume_and_get_a_verdict(page, live_iam, assert_accessible):
    page.goto(live_iam.get_absolute_url())
    door = page.get_by_role("navigation", name="Start learning")
    expect(door).to_contain_text("10 questions across easy, medium, hard")
    door.get_by_role("link", name="Test this pattern").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start the test").click()

    for number in range(1, 5):
        expect(page.locator("#test-card")).to_contain_text(f"Question {number} / 10")
        expect(page.locator("#test-card")).not_to_contain_text("Correct answer")
        answer_current(page, right=True)
    expect(page.locator("#test-card")).to_contain_text("4 of 10 answered")
    expect(page.locator("#test-card .position")).to_be_focused()
    assert_accessible(page)

    page.goto("/")
    page.goto(live_iam.get_absolute_url())
    page.get_by_role("link", name="Resume the test").click()
    page.get_by_role("link", name="Resume your test (4 of 10 answered)").click()
    expect(page.locator("#test-card")).to_contain_text("Question 5 / 10")

    for _ in range(6):
        answer_current(page, right=False)
    result = page.locator("#test-card")
    expect(result.get_by_role("heading", level=2).first).to_contain_text("Verdict:")
    expect(result).to_contain_text("You scored 4 / 10.")
    expect(result).to_contain_text("Correct answer:")
    expect(
        result.get_by_role("link", name="Revisit the part of the lesson that teaches this").first
    ).to_be_visible()
    assert_accessible(page)

    page.goto("/")
    expect(page.locator(".card")).to_contain_text("Pattern test: latest")


def test_finish_early_without_javascript(no_js_page, live_iam):
    page = no_js_page
    page.goto(f"/lessons/{live_iam.slug}/test/")
    page.get_by_role("button", name="Start the test").click()
    answer_current(page, right=True)
    expect(page.locator("#test-card")).to_contain_text("Question 2 / 10")
    page.get_by_role("button", name="Finish now").click()
    expect(page.locator("#test-card")).to_contain_text("You scored 1 / 10.")
    expect(page.locator("#test-card")).to_contain_text("Verdict: Needs work")
