"""A visitor signs up, logs out and logs in again in Chromium; every account page passes axe."""

from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a long unusual passphrase 42"


def site_nav(page):
    return page.get_by_role("navigation", name="Site")


def log_in(page, username, password):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_signup_logout_and_login_again(page, transactional_db, assert_accessible):
    page.goto("/")
    site_nav(page).get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")
    assert_accessible(page)

    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email (optional)").fill("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    nav = site_nav(page)
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    expect(nav.get_by_role("link", name="newcomer")).to_be_visible()
    expect(nav.get_by_role("link", name="Log in")).to_have_count(0)

    nav.get_by_role("button", name="Log out").click()
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_have_count(0)

    nav.get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page)
    log_in(page, "newcomer", NEW_PASSWORD)
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()


def test_signup_errors_are_announced_and_accessible(page, transactional_db, assert_accessible):
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password confirmation").fill("something else entirely")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_contain_text("two password fields didn")
    expect(page.get_by_label("Password confirmation")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_login_error_is_announced_and_next_is_followed(page, transactional_db, assert_accessible):
    user = UserFactory()
    page.goto("/accounts/login/?next=/me/")
    log_in(page, user.username, "not the password")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    assert_accessible(page)
    log_in(page, user.username, PASSWORD)
    page.wait_for_url("**/me/")
    expect(site_nav(page).get_by_role("button", name="Log out")).to_be_visible()


def test_password_pages_pass_axe(page, transactional_db, assert_accessible):
    page.goto("/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_accessible(page)
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    user = UserFactory()
    page.goto("/accounts/login/")
    log_in(page, user.username, PASSWORD)
    site_nav(page).get_by_role("link", name=user.username).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_accessible(page)
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")
    assert_accessible(page)
