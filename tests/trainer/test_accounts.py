import re

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse

from quizzes.models import Commit, Learner
from tests.factories import PASSWORD, UserFactory, full_lesson

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "a long unusual passphrase 42"


def signup(client, username="newcomer", **extra):
    data = {"username": username, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **extra}
    return client.post(reverse("accounts:signup"), data)


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


@pytest.mark.parametrize("name", ["accounts:signup", "accounts:login", "accounts:password_reset"])
def test_account_page_renders_for_anonymous_visitor(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


@pytest.mark.parametrize(
    ("name", "logged_in"),
    [
        ("accounts:signup", False),
        ("accounts:login", False),
        ("accounts:password_reset", False),
        ("accounts:password_reset_done", False),
        ("accounts:password_reset_complete", False),
        ("accounts:password_change", True),
        ("accounts:password_change_done", True),
    ],
)
def test_account_page_uses_the_site_layout(client, name, logged_in):
    """The admin ships registration/ templates with the same names; ours must win."""
    if logged_in:
        client.force_login(UserFactory())
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "base.html" in [template.name for template in response.templates]
    assert "Django site admin" not in response.content.decode()


@pytest.mark.parametrize("name", ["accounts:signup", "accounts:login"])
def test_account_page_redirects_logged_in_user_to_catalog(client, name):
    client.force_login(UserFactory())
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("trainer:catalog")


def test_signup_creates_user_logs_in_and_redirects_to_next(client):
    response = signup(client, email="new@example.com", next="/me/")
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    user = User.objects.get(username="newcomer")
    assert user.email == "new@example.com"
    assert user.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(user.pk)


def test_signup_without_email_is_accepted(client):
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("trainer:catalog")
    assert User.objects.get(username="newcomer").email == ""


def test_signup_ignores_offsite_next(client):
    """An open redirect would let a phishing link pass through our domain."""
    response = signup(client, next="https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == reverse("trainer:catalog")
    assert User.objects.filter(username="newcomer").exists()


def test_signup_keeps_next_in_the_form(client):
    response = client.get(reverse("accounts:signup"), {"next": "/me/"})
    assert b'name="next" value="/me/"' in response.content
    offsite = client.get(reverse("accounts:signup"), {"next": "https://evil.example/"})
    assert b"evil.example" not in offsite.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password2": "something else entirely"}, "two password fields didn"),
        ({"password1": "password", "password2": "password"}, "too common"),
        ({"username": "taken"}, "already exists"),
        ({"username": "TAKEN"}, "already exists"),
    ],
)
def test_signup_rejects_bad_input_and_creates_nothing(client, data, message):
    UserFactory(username="taken")
    fields = {"username": "newcomer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(reverse("accounts:signup"), fields | data)
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert 'role="alert"' in content
    assert User.objects.count() == 1
    assert logged_in_user_id(client) is None


def test_signup_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    assert signup(client).status_code == 403
    assert not User.objects.exists()


def test_login_logs_in_and_redirects_to_next(client):
    user = UserFactory()
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD, "next": "/me/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert logged_in_user_id(client) == str(user.pk)


def test_login_keeps_next_in_the_form(client):
    response = client.get(reverse("accounts:login"), {"next": "/me/"})
    assert b'<input type="hidden" name="next" value="/me/">' in response.content


def test_login_gives_the_same_answer_for_unknown_user_and_wrong_password(client):
    """Telling the two apart would let anyone find out which usernames exist."""
    UserFactory(username="known")
    url = reverse("accounts:login")
    wrong = client.post(url, {"username": "known", "password": "nope nope nope"})
    unknown = client.post(url, {"username": "ghost", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
    assert 'role="alert"' in wrong.content.decode()
    assert logged_in_user_id(client) is None


def test_logout_refuses_get_and_logs_out_on_post(client):
    """A GET must not log out, or any page could do it with an <img src>."""
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in_user_id(client) is not None
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("trainer:catalog")
    assert logged_in_user_id(client) is None


def test_password_change_requires_login(client):
    url = reverse("accounts:password_change")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_password_change_sets_the_new_password_and_keeps_the_user_logged_in(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:password_change_done")).status_code == 200


def test_password_change_rejects_wrong_old_password(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "not it at all",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_sends_one_working_link(client, mailoutbox):
    user = UserFactory(email="reset@example.com")
    response = client.post(reverse("accounts:password_reset"), {"email": "reset@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    [message] = mailoutbox
    assert message.to == ["reset@example.com"]
    assert message.subject == "Reset your Pattern Trainer password"
    assert "&quot;" not in message.body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", message.body)[1]
    # Django swaps the token for a session marker and redirects, keeping it out of Referer.
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not client.get(link, follow=True).context["validlink"]


def test_password_reset_for_unknown_email_sends_nothing_and_looks_the_same(client, mailoutbox):
    """Answering differently would reveal which addresses have an account."""
    UserFactory(email="reset@example.com")
    known = client.post(reverse("accounts:password_reset"), {"email": "reset@example.com"})
    mailoutbox.clear()
    unknown = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.com"}, follow=True
    )
    assert unknown.redirect_chain == [(known["Location"], 302)]
    assert unknown.status_code == 200
    assert "Check your email" in unknown.content.decode()
    assert mailoutbox == []


def commit_anonymously(client, lesson):
    step = lesson.steps.exclude(prediction_prompt="").get()
    option = step.options.get(is_expected=True)
    url = reverse("quizzes:commit", args=[lesson.slug, "step", step.pk])
    assert client.post(url, {"answer": option.pk}).status_code == 302
    return step


def test_signup_carries_anonymous_progress_into_the_account(client):
    lesson = full_lesson()
    step = commit_anonymously(client, lesson)
    signup(client)
    user = User.objects.get(username="newcomer")
    assert Commit.objects.get().learner.user == user
    assert Commit.objects.get().step == step
    assert Learner.objects.count() == 1


def test_login_merges_anonymous_progress_without_duplicates(client):
    lesson = full_lesson()
    user = UserFactory()
    other = Client()
    other.force_login(user)
    commit_anonymously(other, lesson)
    commit_anonymously(client, lesson)
    myth = lesson.myths.first()
    client.post(reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]), {"answer": "no"})
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert Learner.objects.count() == 1
    assert Commit.objects.filter(kind="step").count() == 1
    assert Commit.objects.filter(kind="myth", learner__user=user).count() == 1
