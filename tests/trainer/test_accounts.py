import re

import pytest
from django.contrib.auth import get_user_model
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


def test_signup_creates_user_logs_in_and_redirects(client):
    response = signup(client, next="/me/")
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert client.get(reverse("catalog")).context["user"].username == "newcomer"


def test_signup_ignores_offsite_next(client):
    response = signup(client, next="https://evil.example/")
    assert response["Location"] == reverse("catalog")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password2": "something else entirely"}, "match"),
        ({"password1": "password", "password2": "password"}, "too common"),
        ({"username": "taken"}, "already exists"),
    ],
)
def test_signup_rejects_bad_input_and_creates_nothing(client, data, message):
    UserFactory(username="taken")
    fields = {"username": "newcomer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(reverse("accounts:signup"), fields | data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == 1


def test_signup_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    assert signup(client).status_code == 403
    assert not User.objects.exists()


def test_login_gives_the_same_answer_for_unknown_user_and_wrong_password(client):
    UserFactory(username="known")
    url = reverse("accounts:login")
    wrong = client.post(url, {"username": "known", "password": "nope nope nope"})
    unknown = client.post(url, {"username": "ghost", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
    ok = client.post(url, {"username": "known", "password": PASSWORD})
    assert ok.status_code == 302


def test_logout_needs_post(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert not client.get(reverse("catalog")).context["user"].is_authenticated


def test_password_change_requires_login_and_works(client):
    url = reverse("accounts:password_change")
    assert client.get(url).status_code == 302
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_sends_one_working_link(client, mailoutbox):
    user = UserFactory(email="reset@example.com")
    response = client.post(reverse("accounts:password_reset"), {"email": "reset@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"http://testserver(/\S+)", mailoutbox[0].body)[1]
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_for_unknown_email_sends_nothing_and_looks_the_same(client, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
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
