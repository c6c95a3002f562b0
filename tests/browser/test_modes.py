from playwright.sync_api import expect

MODES = ["step-by-step", "overview", "mental-model", "myths", "pitfalls", "flashcards", "expert"]


def test_every_mode_passes_axe(page, live_iam, assert_accessible):
    for slug in MODES:
        page.goto(f"/lessons/{live_iam.slug}/{slug}/")
        expect(page.get_by_role("navigation", name="Choose your learning style")).to_be_visible()
        assert_accessible(page)
    page.goto("/review/")
    assert_accessible(page)


def test_switch_modes_mid_lesson_and_keep_the_place(page, live_iam):
    page.goto(live_iam.get_absolute_url())
    picker = page.get_by_role("navigation", name="Choose your learning style")
    picker.get_by_role("link", name="Step by step").click()
    expect(page.locator("#step-position")).to_have_text("Step 1 of 9")
    page.get_by_role("button", name="I have read this step: continue").click()
    expect(page.locator("#step-position")).to_have_text("Step 2 of 9")
    page.get_by_role("button", name="I have read this step: continue").click()
    step = live_iam.steps.get(order=3)
    page.get_by_label(step.options.get(is_expected=True).text).check()
    page.get_by_role("button", name="Commit my prediction").click()
    expect(page.locator("#step-3")).to_contain_text("That is right.")
    # The commit opened step 4 in the same response: no reload needed to carry on.
    expect(page.get_by_role("link", name="Step 4", exact=True)).to_be_visible()
    page.get_by_role("link", name="Next step").click()
    expect(page.locator("#step-position")).to_have_text("Step 4 of 9")

    page.get_by_role("navigation", name="Choose your learning style").get_by_role(
        "link", name="Myth busters"
    ).click()
    page.locator("#myth-1").get_by_role("button", name="No").click()
    expect(page.locator("#myth-1")).to_contain_text("You answered No: right.")
    expect(page.locator("#myth-position")).to_contain_text("score so far: 1 of 1 answered")
    page.get_by_role("link", name="Next myth").click()
    expect(page.locator("#myth-round")).to_contain_text(
        "Myth 2 of 5 · score so far: 1 of 1 answered"
    )

    page.get_by_role("navigation", name="Choose your learning style").get_by_role(
        "link", name="Deep Dive"
    ).click()
    expect(page.locator("#step-3")).to_contain_text("That is right.")
    expect(page.locator("#myth-1")).to_contain_text("You answered No")

    page.get_by_role("navigation", name="Choose your learning style").get_by_role(
        "link", name="Step by step"
    ).click()
    expect(page.locator("#step-position")).to_have_text("Step 4 of 9")

    page.goto("/")
    expect(page.get_by_role("link", name="Continue in Step by step")).to_be_visible()


def test_flashcards_and_pitfalls_with_the_keyboard(page, live_iam):
    page.goto(f"/lessons/{live_iam.slug}/flashcards/")
    front = page.locator("#card-front").inner_text()
    page.get_by_text("Show the answer").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Good").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#card-front")).not_to_have_text(front)
    expect(page.locator("#flashcard .flashcard")).to_be_focused()

    page.goto(f"/lessons/{live_iam.slug}/pitfalls/")
    first = page.locator("#pitfall-1")
    first.get_by_role("button", name="is the wrong approach").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#pitfall-1-reveal")).to_be_focused()
    expect(first).to_contain_text("Root cause:")


def test_modes_work_without_javascript(no_js_page, live_iam):
    page = no_js_page
    page.goto(f"/lessons/{live_iam.slug}/myths/")
    page.locator("#myth-1").get_by_role("button", name="Yes").click()
    expect(page.locator("#myth-1")).to_contain_text("You answered Yes: not quite.")
    page.goto(f"/lessons/{live_iam.slug}/myths/?n=5")
    page.get_by_role("link", name="See your score").click()
    expect(page.locator("#myth-summary")).to_contain_text("Round complete: 0 of 5 right")
    page.goto(f"/lessons/{live_iam.slug}/flashcards/")
    page.get_by_text("Show the answer").click()
    page.get_by_role("button", name="Again").click()
    expect(page.locator("#flashcard")).to_be_visible()
    page.goto(f"/lessons/{live_iam.slug}/pitfalls/")
    page.locator("#pitfall-2").get_by_role("button", name="A is the wrong approach").click()
    expect(page.locator("#pitfall-2")).to_contain_text("Root cause:")
