"""A manager invites a list of people from a CSV file in Chromium: upload, check, apply."""

import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from quizzes.models import Learner, LessonProgress
from tests.factories import PASSWORD, AssignmentFactory, MembershipFactory, TeamFactory, UserFactory
from trainer.teams.models import Invitation

from .test_teams import log_in

CSV = (
    "\ufeffEmail;Role\r\n"
    "dana@example.com;member\r\n"
    "erik@example.com;manager\r\n"
    "not-an-address\r\n"
    "=1+2@example.com\r\n"
    "DANA@example.com\r\n"
    "alice@example.com\r\n"
)


def choose_file(page, content=CSV):
    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": content.encode()}
    )


def test_manager_imports_a_csv_and_a_learner_accepts_before_the_team_sees_them(
    browser, live_server, live_iam, assert_accessible
):
    """Upload, check the preview, apply, replay (nobody invited twice); the learner
    accepts through the e-mailed link and only then appears on the dashboard."""
    team = TeamFactory(name="Security champions", slug="security-champions")
    MembershipFactory(team=team, role="manager", user=UserFactory(username="boss"))
    MembershipFactory(team=team, user=UserFactory(username="alice"))
    AssignmentFactory(team=team, lesson=live_iam, due_date=timezone.localdate() + timedelta(7))

    manager_context = browser.new_context(base_url=live_server.url)
    manager = manager_context.new_page()
    log_in(manager, "boss")
    manager.goto(f"/teams/{team.slug}/members/")
    manager.get_by_role("link", name="Invite many people from a CSV file").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Invite from a CSV file")
    assert_accessible(manager)

    manager.get_by_role("button", name="Preview").click()
    expect(manager.get_by_role("alert")).to_contain_text("This field is required")
    assert_accessible(manager)

    choose_file(manager)
    manager.get_by_role("button", name="Preview").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Check the invitations")
    addresses = manager.get_by_role("table", name="What applying the file does with each address")
    expect(addresses.get_by_role("row", name=re.compile("dana@example.com"))).to_contain_text(
        "Will be invited"
    )
    expect(addresses.get_by_role("row", name=re.compile("erik@example.com"))).to_contain_text(
        "Manager"
    )
    expect(addresses.get_by_role("row", name=re.compile("alice@example.com"))).to_contain_text(
        "Already in the team"
    )
    skipped = manager.get_by_role("table", name="Lines of the file that are not invited, and why")
    expect(skipped.get_by_role("row", name=re.compile("^4"))).to_contain_text(
        "Not an e-mail address"
    )
    expect(skipped.get_by_role("row", name=re.compile("^5"))).to_contain_text("spreadsheet formula")
    expect(skipped.get_by_role("row", name=re.compile("^6"))).to_contain_text("already on line 2")
    assert not Invitation.objects.exists()
    assert_accessible(manager)

    apply_form = {
        name: manager.locator(f"form input[name={name}]").first.input_value()
        for name in ["csrfmiddlewaretoken", "token"]
    }
    manager.get_by_role("button", name="Invite 2 people").click()
    expect(manager.get_by_role("status")).to_contain_text("2 addresses invited")
    waiting = manager.get_by_role("table", name=re.compile("not answered yet"))
    expect(waiting).to_contain_text("dana@example.com")
    expect(waiting).to_contain_text("erik@example.com")
    assert_accessible(manager)
    # The same preview sent again, as a resubmitted form would.
    replay = manager.request.post(f"/teams/{team.slug}/members/import/apply/", form=apply_form)
    assert replay.ok
    assert "No one new was invited" in replay.text()
    assert Invitation.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.com", "erik@example.com"]

    [to_dana] = [m for m in mail.outbox if m.to == ["dana@example.com"]]
    link = re.search(r"https?://\S+(/teams/invitations/join/\S+/)", to_dana.body).group(1)
    dana = UserFactory(username="dana", email="dana@example.com")
    learner, _ = Learner.objects.get_or_create(user=dana)
    LessonProgress.objects.create(
        learner=learner, lesson=live_iam, percent=30, started_at=timezone.now()
    )
    manager.goto(team.get_absolute_url())
    expect(manager.locator("main")).not_to_contain_text("dana")

    learner_context = browser.new_context(base_url=live_server.url)
    page = learner_context.new_page()
    page.goto(link)
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation to Security champions")
    assert_accessible(page)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("You joined Security champions")

    manager.reload()
    expect(manager.locator("#grid").get_by_role("row", name=re.compile("dana"))).to_contain_text(
        "In progress"
    )
    learner_context.close()
    manager_context.close()


def test_csv_import_works_without_javascript(no_js_page, live_server, transactional_db):
    """Upload, preview and apply are plain forms: they work with JavaScript off."""
    team = TeamFactory(name="Payments", slug="payments")
    MembershipFactory(team=team, role="manager", user=UserFactory(username="boss"))
    page = no_js_page
    log_in(page, "boss")
    page.goto(f"/teams/{team.slug}/members/import/")
    choose_file(page, "ann@example.com\n")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("button", name="Invite 1 person")).to_be_visible()
    page.get_by_role("button", name="Invite 1 person").click()
    expect(page.get_by_role("status")).to_contain_text("1 address invited")
    assert [i.invitee for i in Invitation.objects.all()] == ["ann@example.com"]


def test_csv_import_of_a_broken_file_says_why(page, live_server, transactional_db):
    """A file in another encoding gets an alert with the reason, and nothing is written."""
    team = TeamFactory(name="Payments", slug="payments")
    MembershipFactory(team=team, role="manager", user=UserFactory(username="boss"))
    log_in(page, "boss")
    page.goto(f"/teams/{team.slug}/members/import/")
    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": "zoë@x.org\n".encode("latin-1")}
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert")).to_contain_text("The file is not UTF-8 text (line 1")
    assert not Invitation.objects.exists()
