"""Open Badges 3.0 credentials for certificates, signed as VC-JWTs with Ed25519.

The credential is an ``OpenBadgeCredential`` (W3C Verifiable Credentials Data Model 2.0
with the Open Badges 3.0 context). As Open Badges 3.0 §8.2 asks, the JWT's payload is the
credential itself, with ``iss`` (the issuer's id), ``jti`` (the credential's id) and
``nbf`` (its ``validFrom``) beside it, and the header names the signing key in ``kid``.

The issuer is a ``did:web`` made from ``SITE_URL``: a verifier resolves it to
``/.well-known/did.json`` (or ``<path>/did.json`` when the site lives under a path), where
this site publishes the public key. Revocation is a W3C Bitstring Status List: each
credential points at a bit in a status-list credential this site serves, signed with the
same key.
"""

import base64
import gzip
import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ALGORITHM = "EdDSA"
# Open Badges 3.0 verifiers name Ed25519 signatures "EdDSA"; joserfc prefers RFC 9864's
# newer "Ed25519" name and warns about the older one, which is the one they accept.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", module="joserfc")

DEV_KEY_FILE = "certificate-signing-key.pem"


class CredentialError(Exception):
    """A credential that does not verify; the message says why, in plain words."""


# --- The key ------------------------------------------------------------------------


def signing_key() -> OKPKey:
    """The Ed25519 private key from ``CERTIFICATE_SIGNING_KEY`` (PEM or JWK).

    Without one, a development server (``DEBUG``) keeps a key of its own in ``var/``;
    anywhere else that is a configuration error.
    """
    text = settings.CERTIFICATE_SIGNING_KEY.strip()
    if not text:
        if not settings.DEBUG:
            raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be set when DEBUG is off.")
        text = _development_key()
    return parse_key(text)


def parse_key(text: str) -> OKPKey:
    try:
        key = OKPKey.import_key(json.loads(text) if text.startswith("{") else text)
    except (ValueError, TypeError, JoseError) as exc:
        raise ImproperlyConfigured(f"CERTIFICATE_SIGNING_KEY is not a key: {exc}") from exc
    if key.as_dict(private=False).get("crv") != "Ed25519" or not key.is_private:
        raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an Ed25519 private key.")
    return key


def _development_key() -> str:
    path = Path(settings.BASE_DIR) / "var" / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = OKPKey.generate_key("Ed25519").as_pem(private=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process wrote it first: use theirs
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
    return path.read_text()


def public_jwk(key: OKPKey | None = None) -> dict:
    key = key or signing_key()
    return {**key.as_dict(private=False), "kid": key_id(key)}


# --- Names ----------------------------------------------------------------------------


def site_url() -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/")


def absolute(path: str) -> str:
    return site_url() + path


def issuer_did() -> str:
    """``did:web`` for SITE_URL: the host (a port written ``%3A``), then path segments."""
    parts = urlsplit(site_url())
    segments = [quote(parts.netloc, safe="")]
    segments += [quote(s, safe="") for s in parts.path.split("/") if s]
    return "did:web:" + ":".join(segments)


def key_id(key: OKPKey | None = None) -> str:
    key = key or signing_key()
    return f"{issuer_did()}#{key.thumbprint()}"


def did_document() -> dict:
    """The DID document a ``did:web`` resolver fetches: our public key, for assertions."""
    did, jwk = issuer_did(), public_jwk()
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        # JsonWebKey2020 rather than its successor JsonWebKey: DID-JWT verifiers in use
        # today know the former.
        "verificationMethod": [
            {"id": jwk["kid"], "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
        ],
        "assertionMethod": [jwk["kid"]],
    }


def issuer_profile() -> dict:
    return {
        "id": issuer_did(),
        "type": ["Profile"],
        "name": settings.CERTIFICATE_ISSUER_NAME,
        "url": site_url() + "/",
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- The credential ---------------------------------------------------------------------


def credential_document(certificate) -> dict:
    """The ``OpenBadgeCredential`` a certificate stands for (unsigned)."""
    lesson_url = absolute(certificate.lesson.get_absolute_url())
    verdict_id = f"{lesson_url}#pattern-test-verdict"
    status_url = absolute(
        reverse("certificates:status-list", kwargs={"number": certificate.status_list})
    )
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": absolute(certificate.get_absolute_url()),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(),
        "name": f"{certificate.lesson_title}: certificate",
        "validFrom": _iso(certificate.earned_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.recipient_name,
                }
            ],
            "achievement": {
                "id": lesson_url,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": certificate.lesson_title,
                "description": f"Completed the lesson {certificate.lesson_title}.",
                "criteria": {
                    "narrative": (
                        "Complete every prediction, myth and practice question of the "
                        "lesson, and finish its pattern test with every question answered "
                        "and a verdict of "
                        f"{_verdict_label(settings.CERTIFICATE_MINIMUM_VERDICT)} or better."
                    )
                },
                "resultDescription": [
                    {
                        "id": verdict_id,
                        "type": ["ResultDescription"],
                        "name": "Pattern-test verdict",
                        "resultType": "Result",
                        "allowedValue": [_verdict_label(v) for v in VERDICT_ORDER],
                    }
                ],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": verdict_id,
                    "value": certificate.get_verdict_display(),
                }
            ],
        },
        "credentialStatus": {
            "id": f"{status_url}#{certificate.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.status_index),
            "statusListCredential": status_url,
        },
    }


VERDICT_ORDER = ("needs-work", "almost", "strong")


def _verdict_label(value: str) -> str:
    from quizzes.models import Verdict

    return Verdict(value).label


def sign(document: dict, key: OKPKey | None = None) -> str:
    """A compact VC-JWT whose payload is ``document`` plus its registered claims."""
    key = key or signing_key()
    claims = {
        **document,
        "iss": document["issuer"]["id"],
        "jti": document["id"],
        "nbf": int(datetime.fromisoformat(document["validFrom"]).timestamp()),
    }
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": key_id(key)}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


def credential_jwt(certificate) -> str:
    return sign(credential_document(certificate))


def status_list_jwt(number: int, revoked_indexes: list[int], size: int) -> str:
    """The signed status-list credential: bit ``i`` set when index ``i`` is revoked.

    Bits run from the most significant bit of the first byte, as the W3C Bitstring
    Status List says; the list is GZIP-compressed and multibase base64url-encoded.
    """
    bits = bytearray(size // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    encoded = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip(
        "="
    )
    url = absolute(reverse("certificates:status-list", kwargs={"number": number}))
    now = datetime.now(UTC)
    document = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile(),
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    return sign(document)


# --- Verifying our own --------------------------------------------------------------------


def verify(token: str) -> dict:
    """The credential in ``token`` when this site signed it and nothing in it changed.

    Raises ``CredentialError`` with a reason a person can act on otherwise. Whether it
    has been revoked is for the caller to look up (``services.certificate_for_credential``).
    """
    token = token.strip()
    if token.count(".") != 2:
        raise CredentialError("This is not a signed credential (a JWT has three parts).")
    key = signing_key()
    try:
        decoded = jwt.decode(token, key, algorithms=[ALGORITHM])
    except JoseError as exc:
        reason = {
            "bad_signature": "Its signature does not match: it was changed or signed by "
            "someone else.",
            "unsupported_algorithm": "It is not signed with Ed25519 (EdDSA).",
        }.get(exc.error, "It cannot be read as a signed credential.")
        raise CredentialError(reason) from exc
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise CredentialError("It cannot be read as a signed credential.") from exc
    if decoded.header.get("kid") != key_id(key):
        raise CredentialError("It names a signing key this site does not use.")
    claims = decoded.claims
    if not isinstance(claims, dict) or "OpenBadgeCredential" not in (claims.get("type") or []):
        raise CredentialError("It is not an Open Badges credential.")
    if claims.get("iss") != issuer_did():
        raise CredentialError("It was not issued by this site.")
    return claims
