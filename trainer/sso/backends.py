"""mozilla-django-oidc's backend (token exchange, JWKS, userinfo), made strict.

The library checks the signature and the nonce; this subclass also requires the issuer,
the audience, expiry and the subject, names each failure for the person signing in, and
links accounts by the provider's subject instead of by e-mail address.
"""

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import provider, services
from .provider import UNREACHABLE, SignInFailed

# Clock difference tolerated between the provider and this server.
LEEWAY_SECONDS = 60
REPLAYED = (
    "This sign-in answer was already used, or it expired at your organisation's sign-in "
    "service. Nothing was changed; start again."
)

UNKNOWN_KEY = (
    "The ID token is signed with a key your organisation's sign-in service does not "
    "publish. Nothing was changed."
)


def _setting(attr, *default):
    values = {
        "OIDC_RP_SCOPES": settings.OIDC_SCOPES,
        "OIDC_TIMEOUT": settings.OIDC_TIMEOUT,
        "OIDC_VERIFY_SSL": True,
        "OIDC_VERIFY_KID": True,
        "OIDC_USE_NONCE": True,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso:callback",
    }
    if attr in values:
        return values[attr]
    if default:
        return default[0]
    return getattr(settings, attr)


class OIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(_setting)
    # Django loads the signed-in user through this backend on every request: that must
    # not depend on the provider answering.
    get_user = ModelBackend.get_user

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()
        self.claims: dict = {}

    @property
    def OIDC_RP_CLIENT_ID(self):
        return settings.OIDC_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self):
        return settings.OIDC_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self):
        return settings.OIDC_SIGN_ALGO

    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):
        return provider.metadata()["token_endpoint"]

    @property
    def OIDC_OP_USER_ENDPOINT(self):
        return provider.metadata()["userinfo_endpoint"]

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):
        return provider.metadata()["jwks_uri"]

    def authenticate(self, request, *, oidc_nonce, oidc_code_verifier=None):
        """The user for the callback ``request`` (only the callback view passes these
        arguments, so a password sign-in never reaches this backend)."""
        if not provider.enabled():
            return None
        return super().authenticate(request, nonce=oidc_nonce, code_verifier=oidc_code_verifier)

    def get_token(self, payload):
        try:
            token_info = super().get_token(payload)
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 500
            raise SignInFailed(REPLAYED if 400 <= status < 500 else UNREACHABLE, 400) from exc
        except (requests.RequestException, ValueError) as exc:
            raise SignInFailed(UNREACHABLE, 502) from exc
        if not isinstance(token_info, dict) or not isinstance(token_info.get("id_token"), str):
            raise SignInFailed(UNREACHABLE, 502)
        return token_info

    def retrieve_matching_jwk(self, token):
        try:
            return super().retrieve_matching_jwk(token)
        except SuspiciousOperation as exc:
            raise SignInFailed(UNKNOWN_KEY) from exc
        except (requests.RequestException, ValueError, KeyError, TypeError, jwt.PyJWKError) as exc:
            raise SignInFailed(UNREACHABLE, 502) from exc

    def verify_token(self, token, **kwargs):
        """The ID token's claims, after every check OpenID Connect Core 3.1.3.7 asks for."""
        algorithm = self.OIDC_RP_SIGN_ALGO
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise SignInFailed(
                "Your organisation's sign-in service sent an ID token that could not be read. "
                "Nothing was changed.",
            ) from exc
        if header.get("alg") != algorithm:
            raise SignInFailed(
                f"The ID token is signed with {str(header.get('alg'))[:20]!r}, not the "
                f"expected {algorithm}. Nothing was changed.",
            )
        if algorithm.startswith(("RS", "ES", "PS")):
            if not isinstance(header.get("kid"), str):
                raise SignInFailed(UNKNOWN_KEY)
            key = self.retrieve_matching_jwk(token)
        else:
            key = self.OIDC_RP_CLIENT_SECRET
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=provider.metadata()["issuer"],
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SignInFailed(
                "The ID token has expired. Nothing was changed; sign in again.",
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise SignInFailed(
                "The ID token was issued to another application, not to this site. "
                "Nothing was changed.",
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise SignInFailed(
                "The ID token comes from another identity provider than the one this site "
                "trusts. Nothing was changed.",
            ) from exc
        except jwt.InvalidSignatureError as exc:
            raise SignInFailed(
                "The ID token's signature does not match your organisation's sign-in "
                "service. Nothing was changed.",
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise SignInFailed(f"The ID token is not valid ({exc}). Nothing was changed.") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SignInFailed(
                "The ID token was issued to another application, not to this site. "
                "Nothing was changed.",
            )
        nonce = kwargs.get("nonce")
        if not nonce or claims.get("nonce") != nonce:
            raise SignInFailed(
                "The ID token belongs to another sign-in than the one started in this "
                "browser. Nothing was changed; start again.",
            )
        if not isinstance(claims["sub"], str) or not 0 < len(claims["sub"]) <= 255:
            raise SignInFailed("The ID token names nobody. Nothing was changed.")
        return claims

    def get_userinfo(self, access_token, id_token, payload):
        try:
            response = requests.get(
                self.OIDC_OP_USER_ENDPOINT,
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=settings.OIDC_TIMEOUT,
            )
            response.raise_for_status()
            userinfo = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SignInFailed(UNREACHABLE, 502) from exc
        # Core 5.3.2: the answer is only about this person if the subjects match.
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload["sub"]:
            raise SignInFailed(UNREACHABLE, 502)
        return userinfo

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        # What the signed ID token says wins over the userinfo answer.
        self.claims = {**userinfo, **payload}
        try:
            return services.identity_sign_in(issuer=payload["iss"], claims=self.claims)
        except services.SignInRefused as exc:
            raise SignInFailed(str(exc), 403) from exc
