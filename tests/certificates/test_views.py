import io
import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import UserFactory
from tests.helpers import log_in_verified, page_text
from trainer.certificates.models import Certificate
from trainer.certificates.services import certificate_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(qualified):
    return Certificate.objects.get()


def pdf_text(response) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_certificate_page_shows_only_name_lesson_date_and_verdict_to_a_visitor(certificate):
    """Anyone with the link sees the certificate without signing in, and nothing that
    identifies the account behind it."""
    visitor = Client()
    response = visitor.get(certificate.get_absolute_url())
    assert response.status_code == 200
    text = page_text(response)
    assert "Ada Lovelace" in text
    assert certificate.lesson_title in text
    assert certificate.earned_at.strftime("%-d %B %Y") in text
    assert "Strong" in text
    assert "Valid" in text
    body = response.content.decode()
    assert "ada@example.com" not in body
    assert "ada" not in body.replace("Ada", "")
    assert f"/{certificate.user_id}/" not in body


def test_certificate_page_read_writes_nothing(certificate):
    """Reading a certificate, its PDF and its credential starts no session and writes no
    row: a visitor leaves no trace."""
    visitor = Client()
    before = (Session.objects.count(), Certificate.objects.count())
    for name in ("detail", "pdf", "credential"):
        response = visitor.get(reverse(f"certificates:{name}", args=[certificate.public_id]))
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
    assert (Session.objects.count(), Certificate.objects.count()) == before


def test_certificate_page_is_cacheable_for_visitors(certificate):
    """The downloads may be cached by anyone for five minutes, the page (which holds the
    visitor's CSRF token) by their browser only."""
    response = Client().get(reverse("certificates:pdf", args=[certificate.public_id]))
    assert "max-age=300" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    page = Client().get(certificate.get_absolute_url())
    assert "max-age=300" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]


def test_certificate_page_shows_revoked_with_its_date(certificate):
    """A revoked certificate says so on its page, in its PDF and on My learning, with
    the date but not the private reason."""
    revoked = certificate_revoke(certificate=certificate, by=None, reason="Shared answers")
    response = Client().get(certificate.get_absolute_url())
    text = page_text(response)
    assert "Revoked on " + revoked.revoked_at.strftime("%-d %B %Y") in text
    assert "Valid" not in text
    assert "Shared answers" not in text
    pdf = Client().get(reverse("certificates:pdf", args=[certificate.public_id]))
    assert "REVOKED" in pdf_text(pdf)


def test_certificate_pdf_holds_the_certificate_text(certificate):
    """The PDF is a real PDF naming the learner, the lesson, the verdict and the link."""
    response = Client().get(reverse("certificates:pdf", args=[certificate.public_id]))
    assert response["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    text = " ".join(pdf_text(response).split())
    assert "Ada Lovelace" in text
    assert certificate.lesson_title in text
    assert "Strong" in text
    assert str(certificate.public_id) in text.replace(" ", "")


@pytest.mark.parametrize("name", ["detail", "pdf", "credential"])
def test_certificate_unknown_id_is_404(name, certificate):
    """A well-formed id that is no certificate's answers 404."""
    response = Client().get(reverse(f"certificates:{name}", args=[uuid.uuid4()]))
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/certificates/1/", "/certificates/not-a-uuid/certificate.pdf"])
def test_certificate_malformed_id_is_404(path):
    """Ids are UUIDs: a row number or garbage matches nothing."""
    assert Client().get(path).status_code == 404


def test_status_list_unknown_is_404(certificate):
    """A status list that holds no certificate does not exist."""
    assert Client().get(reverse("certificates:status-list", args=[2])).status_code == 404
    assert Client().get(reverse("certificates:status-list", args=[0])).status_code == 404


def test_my_learning_lists_my_certificates_with_their_downloads(certificate):
    """On My learning a learner finds each certificate, its PDF and its credential."""
    client = Client()
    client.force_login(certificate.user)
    response = client.get(reverse("trainer:my-learning"))
    body = response.content.decode()
    assert certificate.get_absolute_url() in body
    assert reverse("certificates:pdf", args=[certificate.public_id]) in body
    assert reverse("certificates:credential", args=[certificate.public_id]) in body


def test_my_learning_shows_no_one_elses_certificates(certificate):
    """Another learner's My learning lists none of them."""
    client = Client()
    client.force_login(UserFactory())
    body = client.get(reverse("trainer:my-learning")).content.decode()
    assert str(certificate.public_id) not in body
    assert "Certificates" not in page_text(client.get(reverse("trainer:my-learning")))


def revoke_through_admin(client, certificate, reason="Copied the test"):
    changelist = reverse("admin:certificates_certificate_changelist")
    selected = {"action": "revoke", "_selected_action": [certificate.pk]}
    return changelist, client.post(changelist, {**selected, "apply": "1", "reason": reason})


def test_admin_revoke_by_an_instructor(certificate):
    """An instructor revokes with a reason in the admin; the reason is kept."""
    instructor = UserFactory(username="teacher", is_staff=True)
    instructor.groups.add(Group.objects.get(name="Instructor"))
    client = Client()
    log_in_verified(client, instructor)
    changelist = reverse("admin:certificates_certificate_changelist")
    asked = client.post(changelist, {"action": "revoke", "_selected_action": [certificate.pk]})
    assert asked.status_code == 200
    assert "Revoking cannot be undone" in asked.content.decode()
    _, response = revoke_through_admin(client, certificate)
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked
    assert certificate.revoked_by == instructor
    assert certificate.revocation_reason == "Copied the test"


def test_admin_revoke_needs_a_reason(certificate):
    """Without a reason the form asks again and nothing is revoked."""
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    log_in_verified(client, superuser)
    _, response = revoke_through_admin(client, certificate, reason="")
    assert response.status_code == 200
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_admin_revoke_refused_to_staff_without_the_permission(certificate):
    """Staff without the revoke permission cannot revoke, and a learner cannot reach the
    admin at all."""
    staff = UserFactory(username="viewer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    client = Client()
    log_in_verified(client, staff)
    revoke_through_admin(client, certificate)
    learner = Client()
    learner.force_login(certificate.user)
    _, response = revoke_through_admin(learner, certificate)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_admin_certificates_cannot_be_edited_or_deleted(certificate):
    """Even a superuser only revokes: no add, change or delete."""
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    log_in_verified(client, superuser)
    assert client.get(reverse("admin:certificates_certificate_add")).status_code == 403
    delete = reverse("admin:certificates_certificate_delete", args=[certificate.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Certificate.objects.filter(pk=certificate.pk).exists()


def credential(certificate) -> str:
    response = Client().get(reverse("certificates:credential", args=[certificate.public_id]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response.content.decode()


def test_verify_page_accepts_our_credential_pasted_or_uploaded(certificate):
    """Pasting or uploading the downloaded credential says it is valid, for whom."""
    token = credential(certificate)
    pasted = Client().post(reverse("certificates:verify"), {"credential": token})
    assert pasted.status_code == 200
    assert "Valid." in page_text(pasted)
    upload = io.BytesIO(token.encode())
    upload.name = "certificate.jwt"
    uploaded = Client().post(reverse("certificates:verify"), {"file": upload})
    assert uploaded.status_code == 200
    assert "Ada Lovelace" in page_text(uploaded)


def test_verify_page_says_revoked(certificate):
    """A genuine but revoked credential is reported as revoked, not valid."""
    token = credential(certificate)
    certificate_revoke(certificate=certificate, by=None, reason="Copied")
    response = Client().post(reverse("certificates:verify"), {"credential": token})
    assert "Signed by this site, but revoked" in page_text(response)
    assert "Valid." not in page_text(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste a credential or choose its file."),
        ({"credential": "not a credential"}, "This is not a signed credential"),
        ({"credential": "a.b.c"}, "It cannot be read as a signed credential."),
        ({"credential": "x" * 20_001}, "at most 20000 characters"),
    ],
)
def test_verify_page_refuses_garbage_with_a_clear_400(data, message, certificate):
    """Bad input gets a 400 that says what is wrong, and changes nothing."""
    before = list(Certificate.objects.values())
    response = Client().post(reverse("certificates:verify"), data)
    assert response.status_code == 400
    assert message in page_text(response)
    assert list(Certificate.objects.values()) == before


def test_verify_page_refuses_a_credential_for_a_certificate_we_do_not_hold(certificate):
    """Signed by us but naming no certificate here (one deleted with its account)."""
    token = credential(certificate)
    certificate.user.delete()
    response = Client().post(reverse("certificates:verify"), {"credential": token})
    assert response.status_code == 400
    assert "names a certificate this site does not hold" in page_text(response)


def test_did_document_publishes_the_public_key_only(certificate, settings):
    """The issuer's did:web document carries the public key that verifies credentials,
    never the private part."""
    document = Client().get("/.well-known/did.json").json()
    jwk = document["verificationMethod"][0]["publicKeyJwk"]
    assert document["id"] == "did:web:testserver"
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    assert "d" not in jwk
    assert document["assertionMethod"] == [jwk["kid"]]
