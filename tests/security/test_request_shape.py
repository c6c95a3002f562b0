"""What a request may look like before any view sees it: one value per field, a bounded
body (file parts included), on every URL."""

import http.client
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from lessons.models import QuestionKind
from quizzes.models import Commit, Learner
from tests.factories import UserFactory, full_lesson

from .conftest import log_in_verified

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def lesson():
    return full_lesson(steps=2, practice=2)


def commit_targets(lesson):
    """Each kind of commit with two of its own options: ``(url, [option, option])``."""
    step = lesson.steps.exclude(prediction_prompt="").get()
    question = lesson.questions.filter(kind=QuestionKind.PRACTICE).first()
    pitfall = lesson.pitfalls.first()
    return {
        "step": (step.pk, [str(o.pk) for o in step.options.all()][:2]),
        "myth": (lesson.myths.first().pk, ["yes", "no"]),
        "pitfall": (pitfall.pk, ["wrong", "correct"]),
        "question": (question.pk, [str(c.pk) for c in question.choices.all()][:2]),
    }


# One value per field ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["step", "myth", "pitfall", "question"])
@pytest.mark.parametrize("htmx", [False, True])
def test_repeated_answer_is_400_and_records_nothing(client, lesson, kind, htmx):
    """answer=1&answer=2 is refused for every kind of commit, with or without htmx."""
    pk, options = commit_targets(lesson)[kind]
    url = reverse("quizzes:commit", args=[lesson.slug, kind, pk])
    response = client.post(
        url,
        urlencode({"answer": options}, doseq=True),
        content_type=FORM,
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert ("<html" not in text) is htmx
    assert "data-error-message" in text
    assert not Commit.objects.exists()
    assert not Learner.objects.exists()


def test_repeated_answer_in_a_multipart_body_is_400(client, lesson):
    """The same rule holds for a multipart form."""
    pk, options = commit_targets(lesson)["myth"]
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", pk])
    assert client.post(url, {"answer": options}).status_code == 400
    assert not Commit.objects.exists()


def test_repeated_query_parameter_is_400(client, lesson):
    """?q=1&q=2 is refused too, on a page that reads ?q= and on one that does not."""
    practice = reverse("quizzes:practice", args=[lesson.slug])
    assert client.get(practice, {"q": "1"}).status_code == 200
    assert client.get(practice, {"q": ["1", "2"]}).status_code == 400
    assert client.get(reverse("trainer:catalog"), {"x": ["1", "1"]}).status_code == 400


def test_single_values_still_commit(client, lesson):
    """One value per field is what every form sends: it commits as before."""
    pk, options = commit_targets(lesson)["myth"]
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", pk])
    assert client.post(url, {"answer": options[0]}).status_code == 302
    assert Commit.objects.get().answer == options[0]


@pytest.fixture
def admin_client(client):
    log_in_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_multiple_select_still_saves(admin_client):
    """A group's permissions (a many-to-many select) send one value per choice."""
    chosen = list(Permission.objects.order_by("pk")[:3])
    response = admin_client.post(
        reverse("admin:auth_group_add"),
        {"name": "Reviewers", "permissions": [str(p.pk) for p in chosen]},
    )
    assert response.status_code == 302
    assert set(Group.objects.get(name="Reviewers").permissions.all()) == set(chosen)


def test_admin_changelist_action_on_several_rows_still_runs(admin_client):
    """``_selected_action`` names every row an action applies to."""
    groups = [Group.objects.create(name=name) for name in ("One", "Two", "Three")]
    response = admin_client.post(
        reverse("admin:auth_group_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [str(g.pk) for g in groups[:2]],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    left = set(
        Group.objects.filter(name__in=["One", "Two", "Three"]).values_list("name", flat=True)
    )
    assert left == {"Three"}


def test_admin_field_that_is_not_multiple_may_not_repeat(admin_client):
    """Only the admin's real multiple selects may repeat: a name sent twice is a 400."""
    response = admin_client.post(reverse("admin:auth_group_add"), {"name": ["A", "B"]})
    assert response.status_code == 400
    assert not Group.objects.filter(name__in=["A", "B"]).exists()


def test_multiple_select_names_may_not_repeat_outside_the_admin(client, lesson):
    """The admin's allow-list does not open the learner's pages."""
    pk, _ = commit_targets(lesson)["myth"]
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", pk])
    response = client.post(url, {"answer": "yes", "groups": ["1", "2"]})
    assert response.status_code == 400
    assert not Commit.objects.exists()


# A bounded body ----------------------------------------------------------------------------


def upload(size):
    return SimpleUploadedFile("notes.bin", b"\0" * size, "application/octet-stream")


@pytest.mark.parametrize("size", [3 * 1024 * 1024, 30 * 1024 * 1024])
def test_file_part_over_the_limit_is_413_and_records_nothing(client, lesson, size):
    """A commit carrying a 3 MB or 30 MB file part is refused before it is read."""
    pk, _ = commit_targets(lesson)["myth"]
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", pk])
    response = client.post(url, {"answer": "yes", "attachment": upload(size)})
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Commit.objects.exists()
    assert not Learner.objects.exists()


def test_413_for_htmx_is_the_message_alone(client, lesson):
    """htmx shows the refusal in place: the message, not a page."""
    pk, _ = commit_targets(lesson)["myth"]
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", pk])
    response = client.post(url, {"answer": "yes", "a": upload(3 * 1024 * 1024)}, headers=HTMX)
    assert response.status_code == 413
    assert response.content.decode().startswith("<p data-error-message>")


def test_small_file_part_does_not_stop_a_commit(client, lesson):
    """Under the limit a stray file part is ignored like any unknown field."""
    pk, _ = commit_targets(lesson)["myth"]
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", pk])
    response = client.post(url, {"answer": "yes", "attachment": upload(1024)})
    assert response.status_code == 302
    assert Commit.objects.get().answer == "yes"


def test_body_over_the_limit_is_413_on_a_get_too(client, settings):
    """The limit holds for every method and URL, whatever the body is."""
    body = b"x" * (settings.MAX_REQUEST_BYTES + 1)
    response = client.generic("GET", reverse("trainer:catalog"), body, content_type="text/plain")
    assert response.status_code == 413


def test_body_exactly_at_the_limit_is_read(client, settings, lesson):
    """The limit is inclusive: a body of MAX_REQUEST_BYTES is still a request."""
    pk, _ = commit_targets(lesson)["myth"]
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", pk])
    settings.MAX_REQUEST_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    padding = "answer=yes&p="
    body = (padding + "x" * (4096 - len(padding))).encode()
    response = client.generic("POST", url, body, content_type=FORM)
    assert response.status_code == 302
    assert client.generic("POST", url, body + b"x").status_code == 413


def test_chunked_body_without_a_length_is_413(client, lesson):
    """A body that does not say how long it is cannot be checked before reading: refused."""
    pk, _ = commit_targets(lesson)["myth"]
    url = reverse("quizzes:commit", args=[lesson.slug, "myth", pk])
    response = client.generic(
        "POST",
        url,
        b"",
        content_type=FORM,
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 413
    assert not Commit.objects.exists()


def test_malformed_content_length_is_400(client):
    """A length that is not ASCII digits is not a length."""
    response = client.generic("POST", reverse("trainer:catalog"), b"", CONTENT_LENGTH="²")
    assert response.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_real_server_refuses_a_30_mb_multipart_commit(live_server):
    """Over a socket, as a browser or a script would send it: 413, nothing recorded."""
    lesson = full_lesson(steps=1, practice=1)
    myth = lesson.myths.first()
    body = encode_multipart(BOUNDARY, {"answer": "yes", "attachment": upload(30 * 1024 * 1024)})
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request(
            "POST",
            reverse("quizzes:commit", args=[lesson.slug, "myth", myth.pk]),
            body=body,
            headers={"Content-Type": MULTIPART_CONTENT, "Host": "localhost"},
        )
        response = connection.getresponse()
        assert response.status == 413
        assert b"too large" in response.read()
    finally:
        connection.close()
    assert not Commit.objects.exists()
