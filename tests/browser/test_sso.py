"""Single sign-on in Chromium through a real OpenID provider on loopback."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import GroupMappingFactory, MembershipFactory, TeamFactory, UserFactory

from .test_teams import log_in

pytestmark = pytest.mark.usefixtures("transactional_db")


def sign_in_at_provider(page, login, *, password=None):
    """From the site's log-in page through the provider's own sign-in form."""
    page.goto("/accounts/login/?next=/me/")
    page.get_by_role("link", name="Log in with your organisation").click()
    if "Company sign-in" in page.title():
        page.get_by_label("Username").fill(login)
        page.get_by_label("Password").fill(password or f"{login}-password")
        page.get_by_role("button", name="Sign in").click()


def test_sso_first_sign_in_maps_groups_to_teams_and_follows_a_change(
    page, browser, live_server, idp, assert_accessible
):
    """Ada's first sign-in makes her account and puts her in the team her group maps to,
    where the manager sees her; when the directory moves her, her next sign-in moves her."""
    engineering = TeamFactory(name="Engineering", slug="engineering")
    MembershipFactory(team=engineering, role="manager", user=UserFactory(username="boss"))
    GroupMappingFactory(claim_value="engineering", team=engineering)
    GroupMappingFactory(claim_value="design", team=TeamFactory(name="Design", slug="design"))

    page.goto("/accounts/login/")
    assert_accessible(page)
    sign_in_at_provider(page, "ada")

    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    directory = page.get_by_role("region", name="Teams your organisation put you in")
    expect(directory).to_contain_text("Engineering (member)")
    assert_accessible(page)

    manager = browser.new_context(base_url=live_server.url).new_page()
    log_in(manager, "boss")
    manager.goto("/teams/engineering/members/")
    expect(manager.get_by_role("main")).to_contain_text("ada")

    page.get_by_role("button", name="Log out").click()
    idp.account("ada", groups=["design"])
    sign_in_at_provider(page, "ada")

    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(directory).to_contain_text("Design (member)")
    expect(directory).not_to_contain_text("Engineering")
    manager.reload()
    expect(manager.get_by_role("main")).not_to_contain_text("ada")


def test_sso_refuses_a_user_disabled_at_the_provider(page, idp, assert_accessible):
    """The provider refuses Mallory; the site says so plainly and signs nobody in."""
    sign_in_at_provider(page, "mallory")

    expect(page.get_by_role("heading", name="Sign-in failed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("This account is disabled.")
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    assert_accessible(page)


def test_sso_replayed_answer_is_refused_in_the_browser(page, idp, assert_accessible):
    """Going back to a provider answer already used shows a clear refusal, not an error."""
    answers = []
    page.on(
        "request",
        lambda request: answers.append(request.url) if "/sso/callback/" in request.url else None,
    )
    sign_in_at_provider(page, "ada")
    expect(page).to_have_url(re.compile(r"/me/$"))
    page.get_by_role("button", name="Log out").click()

    response = page.goto(answers[0])

    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("already used")
    assert_accessible(page)


@pytest.mark.parametrize(
    ("tamper", "message"),
    [("forged", "signature does not match"), ("expired", "has expired")],
)
def test_sso_bad_id_token_is_refused_in_the_browser(page, idp, assert_accessible, tamper, message):
    """A forged or expired ID token ends on a clear refusal; nobody is signed in."""
    idp.tamper(tamper)

    sign_in_at_provider(page, "ada")

    expect(page.get_by_role("alert")).to_contain_text(message)
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    assert_accessible(page)
