"""A learner finds their certificate on My learning, and a stranger checks it."""

import urllib.request

from playwright.sync_api import expect

from tests.certificates.conftest import complete_lesson, take_test
from tests.factories import LearnerFactory, UserFactory, full_lesson
from trainer.certificates.models import Certificate

from .test_teams import log_in


def earn():
    lesson = full_lesson(practice=1, test=4, title="IAM least privilege")
    learner = LearnerFactory(user=UserFactory(username="ada", first_name="Ada", last_name="L"))
    complete_lesson(learner, lesson)
    take_test(learner, lesson)
    return Certificate.objects.get()


def test_certificate_found_on_my_learning_and_shown_to_anyone(
    page, browser, live_server, transactional_db, assert_accessible
):
    """The learner follows My learning to the certificate; a visitor without an account
    opens the same link and sees it, and both pages pass axe."""
    certificate = earn()
    log_in(page, "ada")
    page.goto("/me/")
    section = page.get_by_role("region", name="Certificates")
    assert_accessible(page)
    section.get_by_role("link", name=certificate.lesson_title, exact=True).click()
    expect(page.get_by_role("heading", name="Certificate of completion")).to_be_visible()
    link = page.url
    stranger = browser.new_context(base_url=live_server.url).new_page()
    stranger.goto(link)
    expect(stranger.get_by_text("Ada L", exact=True)).to_be_visible()
    expect(stranger.get_by_text("Strong", exact=True)).to_be_visible()
    assert_accessible(stranger)


def test_certificate_credential_checked_on_the_verify_page_by_keyboard(
    page, live_server, transactional_db, assert_accessible
):
    """A stranger pastes the downloaded credential and submits with the keyboard."""
    certificate = earn()
    url = f"{live_server.url}/certificates/{certificate.public_id}/credential.jwt"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        token = response.read().decode()
    page.goto("/certificates/verify/")
    assert_accessible(page)
    page.get_by_label("Credential (the text of the .jwt file)").fill(token)
    page.get_by_role("button", name="Verify").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Valid.")
    assert_accessible(page)
