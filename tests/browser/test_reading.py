from playwright.sync_api import expect


def test_catalog_to_lesson_reads_every_section(page, live_iam, assert_accessible):
    """A learner finds the IAM lesson in the catalog and reads it, accessibly."""
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="IAM best practices in AWS - Deep Dive").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("IAM best practices in AWS")
    for heading in ("Overview", "Mental model", "Build-up", "Myth busters", "Practice"):
        expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
    assert_accessible(page)


def test_skip_link_moves_keyboard_focus_to_content(page, live_iam):
    page.goto(live_iam.get_absolute_url())
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_page_holds_under_strict_csp_without_console_errors(page, live_iam):
    """htmx and our scripts run under the Content Security Policy without violations."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    response = page.goto(live_iam.get_absolute_url())
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof htmx") == "object"
    assert errors == []


def test_every_learner_page_passes_axe(page, live_iam, assert_accessible):
    """Catalog, lesson, practice, My learning and the account pages have no axe violations."""
    slug = live_iam.slug
    for path in (
        f"/lessons/{slug}/practice/",
        "/me/",
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/password/reset/",
    ):
        page.goto(path)
        assert_accessible(page)
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("axe-learner")
    page.get_by_label("Password", exact=True).fill("a long unusual passphrase 42")
    page.get_by_label("Password confirmation").fill("a long unusual passphrase 42")
    page.get_by_role("button", name="Sign up").click()
    page.goto("/accounts/password/change/")
    assert_accessible(page)
    page.goto("/me/")
    assert_accessible(page)
