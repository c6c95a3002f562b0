"""A learner goes through the IAM lesson in Chromium, with and without JavaScript."""

import re

from playwright.sync_api import expect


def commit_prediction(page, step_number, option_text):
    step = page.locator(f"#step-{step_number}")
    step.get_by_label(option_text).check()
    step.get_by_role("button", name="Commit my prediction").click()
    return step


def answer_practice(page, lesson, right=True):
    for question in lesson.questions.filter(kind="practice").order_by("order"):
        choice = question.choices.filter(is_correct=right).first()
        card = page.locator("#practice-card")
        card.get_by_label(f"{choice.letter}.", exact=False).first.check()
        card.get_by_role("button", name="Commit my answer").click()
        expect(card.get_by_text("Correct answer:")).to_be_visible()
        link = card.get_by_role("link", name=re.compile("Next question|See your score"))
        link.click()


def test_prediction_myth_and_practice_with_htmx(page, live_iam, assert_accessible):
    page.goto(live_iam.get_absolute_url())
    step = live_iam.steps.get(order=3)
    expected = step.options.get(is_expected=True).text
    expect(page.locator("#step-3")).not_to_contain_text("Result:")

    card = commit_prediction(page, 3, expected)
    expect(card.get_by_role("status")).to_contain_text("That is right.")
    expect(card).to_contain_text("Result:")
    expect(page.locator("#step-3-reveal")).to_be_focused()
    assert page.url.endswith(live_iam.get_absolute_url()), "htmx swapped in place"

    myth = page.locator("#myth-1")
    myth.get_by_role("button", name="No").click()
    expect(myth.get_by_role("status")).to_contain_text("You answered No: right.")
    expect(myth).to_contain_text("Reality:")
    expect(page.locator("#myth-1-reveal")).to_be_focused()

    pitfall = page.locator("#pitfall-1")
    expect(pitfall).not_to_contain_text("Root cause:")
    expect(pitfall).not_to_contain_text("Wrong approach:")
    pitfall.get_by_role("button", name="is the wrong approach").first.click()
    expect(pitfall.get_by_role("status")).to_be_visible()
    expect(pitfall).to_contain_text("Root cause:")
    expect(page.locator("#pitfall-1-reveal")).to_be_focused()

    answer_practice(page, live_iam)
    expect(page.locator("#practice-card")).to_contain_text("Your score: 5 / 5")
    assert_accessible(page)

    page.reload()
    expect(page.locator("#step-3")).to_contain_text("That is right.")
    expect(page.locator("#myth-1")).to_contain_text("You answered No")
    expect(page.locator("#practice-card")).to_contain_text("Your score: 5 / 5")
    expect(page.locator("progress").first).to_have_attribute("value", re.compile(r"^[1-9]"))


def test_same_flow_without_javascript(no_js_page, live_iam, assert_accessible):
    page = no_js_page
    page.goto(live_iam.get_absolute_url())
    step = live_iam.steps.get(order=4)
    wrong = step.options.filter(is_expected=False).first().text
    card = commit_prediction(page, 4, wrong)
    assert page.url.endswith("#step-4")
    expect(page.locator("#step-4")).to_contain_text("The step shows otherwise.")
    expect(page.locator("#step-4")).to_contain_text("Key insight:")

    page.locator("#myth-2").get_by_role("button", name="Yes").click()
    expect(page.locator("#myth-2")).to_contain_text("You answered Yes: not quite.")

    answer_practice(page, live_iam, right=False)
    expect(page.locator("#practice-card")).to_contain_text("Your score: 0 / 5")
    page.get_by_role("button", name="Try again").click()
    expect(page.locator("#practice-card")).to_contain_text("Question 1 / 5")
    assert card


def test_keyboard_only_commit_moves_focus_to_the_reveal(page, live_iam):
    page.goto(live_iam.get_absolute_url() + "#step-3")
    option = page.locator("#step-3").get_by_role("radio").first
    option.focus()
    page.keyboard.press("Space")
    expect(option).to_be_checked()
    page.keyboard.press("Tab")
    expect(
        page.locator("#step-3").get_by_role("button", name="Commit my prediction")
    ).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#step-3-reveal")).to_be_focused()

    myth_no = page.locator("#myth-3").get_by_role("button", name="No")
    myth_no.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#myth-3-reveal")).to_be_focused()


def test_anonymous_progress_survives_sign_up_logout_and_login(page, live_iam):
    page.goto(live_iam.get_absolute_url())
    step = live_iam.steps.get(order=3)
    commit_prediction(page, 3, step.options.get(is_expected=True).text)
    expect(page.locator("#step-3")).to_contain_text("That is right.")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("newlearner")
    page.get_by_label("Password", exact=True).fill("a long unusual passphrase 42")
    page.get_by_label("Password confirmation").fill("a long unusual passphrase 42")
    page.get_by_role("button", name="Sign up").click()
    page.goto(live_iam.get_absolute_url())
    expect(page.locator("#step-3")).to_contain_text("That is right.")

    page.get_by_role("button", name="Log out").click()
    page.goto(live_iam.get_absolute_url())
    expect(page.locator("#step-3")).not_to_contain_text("That is right.")

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("newlearner")
    page.get_by_label("Password").fill("a long unusual passphrase 42")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="My learning").click()
    expect(page.get_by_role("table")).to_contain_text("IAM best practices in AWS")
    page.goto(live_iam.get_absolute_url())
    expect(page.locator("#step-3")).to_contain_text("That is right.")
