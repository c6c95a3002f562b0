"""The credential as outside verifiers see it, each resolving our ``did:web`` issuer and
our status list over loopback from a live server:

- openbadgeslib, an Open Badges 3.0 implementation from PyPI that shares no code with ours
  (PyJWT, not joserfc);
- ``verify_credential.cjs``, on did-jwt and did-resolver from npm (Node).

The only help either gets is a fetcher that reaches the live server by plain HTTP where a
real verifier would use HTTPS.
"""

import base64
import json
import shutil
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.test import Client
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import OKPKey
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier

from trainer.certificates.credentials import issuer_did
from trainer.certificates.models import Certificate
from trainer.certificates.services import certificate_revoke

pytestmark = pytest.mark.django_db(transaction=True)


def loopback(url: str) -> bytes:
    parts = urlsplit(url)
    assert parts.hostname in {"localhost", "127.0.0.1"}, url
    plain = urlunsplit(("http", parts.netloc, parts.path, parts.query, ""))
    with urllib.request.urlopen(plain, timeout=10) as response:  # noqa: S310 (loopback only)
        return response.read()


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def token(site, qualified):
    certificate = Certificate.objects.get()
    return loopback(
        site + reverse("certificates:credential", args=[certificate.public_id])
    ).decode()


def verify(token, **kwargs):
    verifier = OB3Verifier.for_issuer_did(issuer_did(), download=loopback)
    return verifier.verify(token, check_status=True, download=loopback, **kwargs)


NODE_VERIFIER = Path(__file__).with_name("verify_credential.cjs")


def node_verify(token: str) -> dict:
    """Run the Node verifier (npm's did-jwt, installed by ``npm ci``) on the token."""
    node = shutil.which("node")
    assert node, "Node.js is needed: the README's `make test` installs it with npm"
    result = subprocess.run(  # noqa: S603 (our own script, our own token)
        [node, str(NODE_VERIFIER)],
        input=token,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=NODE_VERIFIER.parents[2],
        check=False,
    )
    assert result.stderr == "", result.stderr
    return json.loads(result.stdout)


def parts(token):
    header, payload, signature = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(payload), signature


def encode(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_credential_verified_by_openbadgeslib(token, lesson):
    """The third-party verifier resolves our issuer, checks the signature, the Open Badges
    3.0 structure and the revocation status, and reads what we certified."""
    credential = verify(token, verify_status_list=True)
    assert credential.issuer.id == issuer_did()
    assert credential.achievement.name == lesson.full_title
    assert [i.identity_hash for i in credential.identifiers] == ["Ada Lovelace"]
    assert [r.value for r in credential.results] == ["Strong"]
    header, payload, _ = parts(token)
    assert header["alg"] == "EdDSA"
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["@context"][0] == "https://www.w3.org/ns/credentials/v2"


def test_credential_revoked_is_rejected_by_openbadgeslib(token):
    """Once an instructor revokes it, the verifier reads the bit in our status list."""
    certificate_revoke(certificate=Certificate.objects.get(), by=None, reason="Copied")
    with pytest.raises(OB3VerificationError, match="revocation"):
        verify(token, verify_status_list=True)


def test_credential_with_a_changed_payload_is_rejected(token, site):
    """Changing the verdict breaks the signature: the outside verifier and our own
    verify page both refuse it, with a reason."""
    _, payload, signature = parts(token)
    payload["credentialSubject"]["result"][0]["value"] = "Expert"
    tampered = f"{token.split('.')[0]}.{encode(payload)}.{signature}"
    with pytest.raises(OB3VerificationError, match="signature"):
        verify(tampered)
    response = Client().post(reverse("certificates:verify"), {"credential": tampered})
    assert response.status_code == 400
    assert "signature does not match" in response.content.decode()


def test_credential_signed_with_another_key_is_rejected(token, site):
    """A credential re-signed by someone else's key, naming ours, is refused."""
    _, payload, _ = parts(token)
    header = {"alg": "EdDSA", "typ": "JWT", "kid": parts(token)[0]["kid"]}
    forged = jwt.encode(header, payload, OKPKey.generate_key("Ed25519"), algorithms=["EdDSA"])
    with pytest.raises(OB3VerificationError, match="signature"):
        verify(forged)
    response = Client().post(reverse("certificates:verify"), {"credential": forged})
    assert response.status_code == 400
    assert "signature does not match" in response.content.decode()


def test_credential_with_alg_none_is_rejected(token, site):
    """An unsigned credential (``alg: none``) is refused by both verifiers."""
    header, payload, _ = parts(token)
    unsigned = f"{encode({**header, 'alg': 'none'})}.{encode(payload)}."
    with pytest.raises(OB3VerificationError):
        verify(unsigned)
    response = Client().post(reverse("certificates:verify"), {"credential": unsigned})
    assert response.status_code == 400
    assert "not signed with Ed25519" in response.content.decode()


def test_credential_verified_by_the_node_did_jwt_verifier(token, lesson):
    """did-jwt resolves our did:web, checks the EdDSA signature and the status list, and
    reads the achievement and the verdict."""
    assert node_verify(token) == {
        "verified": True,
        "revoked": False,
        "issuer": issuer_did(),
        "achievement": lesson.full_title,
        "verdict": "Strong",
    }


def test_credential_revoked_is_reported_by_the_node_verifier(token):
    """The revocation bit is read by the Node verifier too."""
    certificate_revoke(certificate=Certificate.objects.get(), by=None, reason="Copied")
    result = node_verify(token)
    assert result["verified"] is False
    assert result["revoked"] is True


def test_credential_tampered_is_rejected_by_the_node_verifier(token):
    """A changed payload, another key's signature, or no signature: all refused."""
    header, payload, signature = parts(token)
    payload["credentialSubject"]["result"][0]["value"] = "Expert"
    changed = f"{token.split('.')[0]}.{encode(payload)}.{signature}"
    forged = jwt.encode(header, payload, OKPKey.generate_key("Ed25519"), algorithms=["EdDSA"])
    unsigned = f"{encode({**header, 'alg': 'none'})}.{encode(payload)}."
    for bad in (changed, forged, unsigned):
        result = node_verify(bad)
        assert result["verified"] is False
        assert result["error"]
