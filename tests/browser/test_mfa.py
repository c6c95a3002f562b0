"""The second factor, the lockout page and the error pages in Chromium; each passes axe."""

import re
from base64 import b32decode
from urllib.parse import urlsplit

from django.core import mail
from django.template.loader import render_to_string
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory
from tests.security.conftest import enrol, totp_code


def log_in(page, username, password=PASSWORD):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def heading(page):
    return page.get_by_role("heading", level=1)


def test_staff_sets_up_the_second_factor_before_the_admin_opens(
    page, transactional_db, assert_accessible
):
    UserFactory(username="staffer", is_staff=True, is_superuser=True)
    page.goto("/admin/")
    expect(heading(page)).to_have_text("Log in")
    log_in(page, "staffer")

    # The password alone does not bind an authenticator: a link comes by e-mail.
    expect(heading(page)).to_have_text("Set up two-factor authentication")
    expect(page.locator("#secret")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="E-mail me a set-up link").click()
    expect(page.get_by_text("We sent a set-up link")).to_be_visible()
    [message] = mail.outbox
    link = re.search(r"^https?://\S+$", message.body, re.M)[0]
    page.goto(urlsplit(link).path + "?" + urlsplit(link).query)

    expect(heading(page)).to_have_text("Set up two-factor authentication")
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    assert_accessible(page)
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Code", exact=True).fill(totp_code(b32decode(secret).hex()))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    expect(heading(page)).to_have_text("Recovery codes")
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.goto("/accounts/two-factor/")
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()
    assert_accessible(page)


def test_learner_who_opted_in_gives_a_code_after_the_password(
    page, transactional_db, assert_accessible, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below must not delay the right one
    user = UserFactory(username="careful")
    device, _ = enrol(user)
    page.goto("/accounts/login/?next=/me/")
    log_in(page, "careful")

    expect(heading(page)).to_have_text("Enter your code")
    assert_accessible(page)
    page.get_by_label("Code", exact=True).fill(
        "000000" if totp_code(device.key, 1) != "000000" else "111111"
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    expect(page.get_by_label("Code", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Code", exact=True).fill(totp_code(device.key, 1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/me/")
    expect(
        page.get_by_role("navigation", name="Site").get_by_role("link", name="Two-factor")
    ).to_be_visible()


def test_lockout_page_is_clear_and_accessible(page, transactional_db, assert_accessible, settings):
    user = UserFactory()
    page.goto("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(page, user.username, "not the password")
    expect(heading(page)).to_have_text("Too many login attempts")
    expect(page.get_by_role("alert")).to_contain_text("Try again in 15 minutes")
    assert_accessible(page)


def test_error_pages_are_accessible(page, live_server, assert_accessible):
    response = page.goto("/no/such/page/")
    assert response.status == 404
    expect(heading(page)).to_have_text("Page not found")
    assert_accessible(page)
    response = page.goto("/?q=%00")
    assert response.status == 400
    expect(heading(page)).to_have_text("That request could not be understood")
    assert_accessible(page)


def test_failed_htmx_request_is_announced(page, live_iam, assert_accessible):
    """When the server answers an htmx commit with an error, the learner is told."""
    unavailable = render_to_string("503.html#message")
    page.route(
        "**/commit/**",
        lambda route: route.fulfill(status=503, body=unavailable, content_type="text/html"),
    )
    page.goto(live_iam.get_absolute_url())
    page.locator("#myth-1").get_by_role("button", name="No").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot reach its records right now")
    expect(page.locator("#myth-1")).not_to_contain_text("Reality:")
    assert_accessible(page)
