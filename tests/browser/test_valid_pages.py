"""Every page a learner, manager, instructor and admin sees is valid HTML (the Nu checker)
and passes axe-core, before and after each kind of commit, as a full page without
JavaScript and as the DOM after an htmx swap.

The pages are listed once below: a new page joins the walk by adding its URL (or its
flow, for a page reached by acting) here.
"""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from quizzes.models import CardSchedule, Learner
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)
from tests.security.conftest import enrol

from .test_authoring import RECOVERY_CODE, admin_login
from .test_teams import finish_the_lesson, log_in

LEARNER_PAGES = [
    "/",
    "/lessons/{slug}/",
    "/lessons/{slug}/step-by-step/",
    "/lessons/{slug}/overview/",
    "/lessons/{slug}/mental-model/",
    "/lessons/{slug}/myths/",
    "/lessons/{slug}/pitfalls/",
    "/lessons/{slug}/flashcards/",
    "/lessons/{slug}/expert/",
    "/lessons/{slug}/practice/",
    "/lessons/{slug}/test/",
    "/lessons/{slug}/lab/playground/",
    "/review/",
    "/me/",
]

ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/accounts/password/reset/done/",
    "/accounts/session-ended/",
    "/certificates/verify/",
    "/no-such-page/",
]

SIGNED_IN_PAGES = [
    "/accounts/password/change/",
    "/accounts/password/change/done/",
    "/accounts/two-factor/",
    "/accounts/two-factor/set-up/",
    "/teams/invitations/",
]

TWO_FACTOR_PAGES = [
    "/accounts/two-factor/",
    "/accounts/two-factor/recovery-codes/",
]

MANAGER_PAGES = [
    "/teams/",
    "/teams/new/",
    "/teams/{team}/",
    "/teams/{team}/members/",
    "/teams/{team}/members/import/",
    "/teams/{team}/assignments/new/",
    "/teams/{team}/assignments/{assignment}/",
]

# Our apps: every model of theirs registered in the admin is walked (changelist, add,
# change, history). Django's and third parties' own admin pages are theirs to fix.
ADMIN_APPS = {"lessons", "quizzes", "teams", "audit", "sso", "certificates", "xapi"}

# Admin pages beyond each model's own.
ADMIN_PAGES = [
    "/admin/",
    "/admin/lessons/",
    "/admin/lessons/lesson/import/",
    "/admin/password_change/",
]


def visit(page, url, check, dom=True):
    response = page.goto(url)
    assert response is not None, f"{url} gave no response"
    assert response.status < 500, f"{url} answered {response.status}"
    check(page, dom=dom)


class Checks:
    """axe-core on the page as it stands, and its DOM kept for the test's one vnu run.

    Findings are gathered, not raised at once, so one run lists every page's problems.
    """

    def __init__(self, browser, live_server, assert_accessible, assert_valid_html):
        self.browser = browser
        self.color_scheme = "light"  # a test walking the dark theme sets "dark" first
        self.base_url = live_server.url
        self.axe = assert_accessible
        self.html = assert_valid_html
        self.problems = []
        self.without_script = {}  # page -> a page with JavaScript that shows the same DOM
        self.contexts = []

    def open(self, js=True):
        context = self.browser.new_context(
            base_url=self.base_url, java_script_enabled=js, color_scheme=self.color_scheme
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "Finish now?" confirms
        self.html.watch(page)
        if not js:
            inspector = self.browser.new_context(color_scheme=self.color_scheme)
            self.contexts.append(inspector)
            self.without_script[page] = inspector.new_page()
        return page

    def close(self):
        for context in self.contexts:
            context.close()

    def __call__(self, page, note="DOM", dom=True):
        """``dom=False`` leaves the DOM out of the vnu run (the served page is still in it):
        for the admin, whose own scripts rewrite it (inlines.js marks hidden inputs
        autocomplete="off", which the HTML standard forbids)."""
        if dom:
            self.html(page, note)
        try:
            self.axe(self.as_scripted(page), validate=False)
        except AssertionError as failure:
            lines = str(failure).splitlines()
            self.problems += [f"[{note}] {lines[0]}", *lines[1:-1]]

    def as_scripted(self, page):
        """axe runs on timers, which never fire where JavaScript is off: show the same DOM,
        at the same URL (so the same stylesheets apply), in a page that runs scripts."""
        inspector = self.without_script.get(page)
        if inspector is None:
            return page
        url, html = page.url.split("#")[0], page.content()
        inspector.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        inspector.goto(url)
        inspector.unroute(url)
        return inspector

    def verify(self):
        try:
            self.html.verify()
        except pytest.fail.Exception as failure:
            self.problems.append(str(failure))
        if self.problems:
            pytest.fail("\n".join(self.problems), pytrace=False)


@pytest.fixture
def check(browser, live_server, assert_accessible, assert_valid_html):
    checks = Checks(browser, live_server, assert_accessible, assert_valid_html)
    yield checks
    checks.close()


def walk(page, urls, check, dom=True, **names):
    for url in urls:
        visit(page, url.format(**names), check, dom)


def commit_every_kind(page, lesson, check, js):
    """One commit of each kind, checking the page (or the swapped DOM) after each."""
    slug = lesson.slug
    after = "after htmx swap" if js else "after commit"

    page.goto(f"/lessons/{slug}/")
    step = lesson.steps.exclude(prediction_prompt="").order_by("order").first()
    card = page.locator(f"#step-{step.order}")
    card.get_by_label(step.options.get(is_expected=True).text).check()
    card.get_by_role("button", name="Commit my prediction").click()
    expect(page.locator(f"#step-{step.order}")).to_contain_text("That is right.")
    check(page, f"{after}: step prediction")

    page.locator("#myth-1").get_by_role("button", name="No").click()
    expect(page.locator("#myth-1")).to_contain_text("You answered No")
    check(page, f"{after}: myth")

    page.goto(f"/lessons/{slug}/practice/")
    hint = page.locator("#practice-card").get_by_role("button", name=re.compile("hint", re.I))
    if hint.count():
        hint.first.click()
        expect(page.locator("#practice-card")).to_contain_text("Hint")
        check(page, f"{after}: practice hint")
    question = lesson.questions.filter(kind="practice").order_by("order").first()
    choice = question.choices.filter(is_correct=True).first()
    card = page.locator("#practice-card")
    card.get_by_label(f"{choice.letter}.", exact=False).first.check()
    card.get_by_role("button", name="Commit my answer").click()
    expect(card.get_by_text("Correct answer:")).to_be_visible()
    check(page, f"{after}: practice question")
    card.get_by_role("link", name="Next question").click()
    expect(card).to_contain_text("Question 2")
    check(page, f"{after}: next practice question")

    page.goto(f"/lessons/{slug}/step-by-step/")
    steps = lesson.steps.count()
    page.get_by_role("button", name="I have read this step: continue").click()
    expect(page.locator("#step-position")).to_have_text(f"Step 2 of {steps}")
    check(page, f"{after}: step read")
    page.get_by_role("button", name="I have read this step: continue").click()
    expect(page.locator("#step-position")).to_have_text(f"Step 3 of {steps}")
    page.get_by_role("link", name="Next step").click()
    expect(page.locator("#step-position")).to_have_text(f"Step 4 of {steps}")
    check(page, "next step")
    step = lesson.steps.get(order=4)
    card = page.locator("#step-4")
    card.get_by_label(step.options.filter(is_expected=False).first().text).check()
    card.get_by_role("button", name="Commit my prediction").click()
    expect(page.locator("#step-4")).to_contain_text("The step shows otherwise.")
    check(page, f"{after}: prediction in step by step")

    page.goto(f"/lessons/{slug}/myths/")
    page.locator("#myth-2").get_by_role("button", name="Yes").click()
    expect(page.locator("#myth-2")).to_contain_text("You answered Yes")
    check(page, f"{after}: myth in myth busters")
    page.get_by_role("link", name=re.compile("Next myth|See your score")).click()
    check(page, f"{after}: next myth")

    page.goto(f"/lessons/{slug}/pitfalls/")
    page.locator("#pitfall-1").get_by_role("button").first.click()
    expect(page.locator("#pitfall-1")).to_contain_text("Root cause:")
    check(page, f"{after}: pitfall")

    page.goto(f"/lessons/{slug}/flashcards/")
    page.get_by_text("Show the answer").click()
    check(page, "flashcard answer shown")
    # The rating must be stored before the test moves its schedule: the card swapped in
    # looks like the one before it, so wait for the answer to the rating itself.
    with page.expect_response(lambda r: "/flashcards/rate/" in r.url):
        page.get_by_role("button", name="Good").click()
    expect(page.locator("#flashcard")).to_be_visible()
    check(page, f"{after}: flashcard rating")
    CardSchedule.objects.update(due=timezone.now() - timedelta(minutes=1))
    visit(page, "/review/", check)
    page.get_by_text("Show the answer").click()
    page.get_by_role("button", name="Again").click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    check(page, "after commit: review rating")

    page.goto(f"/lessons/{slug}/test/")
    page.get_by_role("button", name="Start the test").click()
    expect(page.locator("#test-card")).to_contain_text("Question 1 / 10")
    check(page, "test question")
    test_card = page.locator("#test-card")
    test_card.locator("label.option").first.click()
    test_card.get_by_role("button", name="Commit my answer").click()
    expect(test_card).to_contain_text("Question 2 / 10")
    check(page, f"{after}: test answer")
    test_card.get_by_role("button", name="Finish now").click()
    expect(test_card).to_contain_text("You scored")
    check(page, f"{after}: test finish")
    attempt = Learner.objects.latest("pk").attempts.filter(kind="test").latest("pk")
    visit(page, f"/lessons/{slug}/test/{attempt.number}/", check)


@pytest.mark.parametrize(
    ("js", "scheme"),
    [(True, "light"), (False, "light"), (True, "dark")],
    ids=["htmx", "no-js", "htmx-dark"],
)
def test_learner_pages_valid_and_accessible_before_and_after_each_commit(
    live_iam, check, js, scheme
):
    """Every learner page, then one commit of each kind (checking the page after each),
    then every page again with the reveals shown: no vnu error, no axe violation, in the
    light theme and (with htmx) the dark one."""
    check.color_scheme = scheme
    page = check.open(js=js)
    walk(page, LEARNER_PAGES, check, slug=live_iam.slug)
    commit_every_kind(page, live_iam, check, js)
    walk(page, LEARNER_PAGES, check, slug=live_iam.slug)
    check.verify()


def test_account_pages_valid_and_accessible(transactional_db, check):
    """Log in, sign up, password change and reset, and the two-factor pages."""
    user = UserFactory(username="careful", email="careful@example.com")
    page = check.open()
    walk(page, ANONYMOUS_PAGES, check)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    visit(page, reverse("accounts:password_reset_confirm", args=[uid, token]), check)

    log_in(page, "careful")
    walk(page, SIGNED_IN_PAGES, check)
    enrol(user)
    walk(page, TWO_FACTOR_PAGES, check)
    page.get_by_role("button", name="Log out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("careful")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile("/two-factor/verify/"))
    check(page)
    check.verify()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_manager_pages_valid_and_accessible(live_iam, check, scheme):
    """A team with an assignment and a member who finished the lesson: every team page,
    in both themes."""
    check.color_scheme = scheme
    team = TeamFactory(name="Security champions", slug="security-champions")
    MembershipFactory(team=team, role="manager", user=UserFactory(username="boss"))
    alice = MembershipFactory(team=team, user=UserFactory(username="alice")).user
    assignment = AssignmentFactory(team=team, lesson=live_iam)
    Learner.objects.create(user=alice)
    finish_the_lesson(alice, live_iam)

    page = check.open()
    log_in(page, "boss")
    walk(page, MANAGER_PAGES, check, team=team.slug, assignment=assignment.pk)
    walk(page, ["/me/"], check)
    check.verify()


def admin_urls(user):
    """Changelist, add, change and history pages of every model of ours in the admin."""
    request = RequestFactory().get("/admin/")
    request.user = user
    urls = list(ADMIN_PAGES)
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in ADMIN_APPS:
            continue
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        urls.append(base)
        if model_admin.has_add_permission(request):
            urls.append(base + "add/")
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls += [f"{base}{first.pk}/change/", f"{base}{first.pk}/history/"]
    return urls


def test_admin_pages_valid_and_accessible(live_iam, check):
    """Every changelist, add, change and history page of the admin, as a superuser."""
    from django_otp.plugins.otp_static.models import StaticDevice

    team = TeamFactory(name="Security champions", slug="security-champions")
    MembershipFactory(team=team, role="manager", user=UserFactory(username="boss"))
    AssignmentFactory(team=team, lesson=live_iam)
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    device = StaticDevice.objects.create(user=superuser, name="Recovery codes", confirmed=True)
    device.token_set.create(token=RECOVERY_CODE)

    page = check.open()
    admin_login(page, superuser)
    # Each model's first row exists by now: the lesson, the team and the login's records.
    walk(page, admin_urls(superuser), check, dom=False)
    check.verify()
