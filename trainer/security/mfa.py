"""The second factor: an authenticator app (TOTP), with single-use recovery codes.

Every code is good once. A TOTP device remembers the time step of the last code it
accepted (``last_t``) and accepts only later ones; a recovery code is deleted as it is
used. After a wrong code, each device makes the next attempt wait 1, 2, 4, 8 ... seconds.
"""

import re
import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from lessons.numbers import parse_int

RECOVERY_CODE_COUNT = 10
TOTP_PATTERN = re.compile(r"[0-9]{6}")
RECOVERY_PATTERN = re.compile(r"[a-z2-7]{8}")


@dataclass(frozen=True)
class Enrolment:
    """What a learner needs to add the account to an authenticator app."""

    key: str

    @property
    def secret(self) -> str:
        """The key as authenticator apps take it when typed in, in groups of four."""
        text = b32encode(unhexlify(self.key)).decode()
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))

    def config_url(self, user) -> str:
        return TOTPDevice(user=user, key=self.key).config_url

    def qr_svg(self, user) -> str:
        """The config URL as an inline SVG (no script, no style: the CSP holds)."""
        image = qrcode.make(
            self.config_url(user),
            image_factory=qrcode.image.svg.SvgPathFillImage,
            box_size=10,
            border=4,
        )
        svg = image.to_string(encoding="unicode")
        return re.sub(
            r'^<svg width="[^"]*" height="[^"]*"',
            '<svg width="220" height="220" role="img" aria-labelledby="qr-title"',
            svg,
            count=1,
        ).replace(
            ">", '><title id="qr-title">QR code to scan with your authenticator app</title>', 1
        )


@dataclass(frozen=True)
class Verification:
    device: object | None
    wait_seconds: int = 0


def enrolment_start() -> Enrolment:
    return Enrolment(key=random_hex(20))


def normalise(token: str) -> str:
    return re.sub(r"[\s-]", "", token or "").lower()


class GrantSpent(Exception):
    """The one-time set-up link was used or expired before the code was confirmed."""


def totp_confirm(*, user, key: str, token: str, grant=None) -> tuple[TOTPDevice, list[str]] | None:
    """Turn on the second factor if ``token`` is the app's current code for ``key``.

    Returns the new device and ten recovery codes (shown once), or None if the code is
    wrong. The confirming code counts as used: it cannot also complete a login. With a
    ``grant`` (a staff set-up link) the link is spent in the same transaction, and
    ``GrantSpent`` is raised, with nothing written, if it no longer works.
    """
    token = normalise(token)
    if not TOTP_PATTERN.fullmatch(token):
        return None
    device = TOTPDevice(user=user, key=key, name="Authenticator app", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(parse_int(token), device.tolerance):
        return None
    device.last_t = totp.t()
    device.drift = totp.drift
    with transaction.atomic():
        if grant is not None and not grant.use():
            raise GrantSpent
        TOTPDevice.objects.filter(user=user).delete()
        device.save()
        codes = recovery_codes_reset(user=user)
    return device, codes


def recovery_codes_reset(*, user) -> list[str]:
    """Replace the user's recovery codes with ten new ones and return them."""
    codes = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_enabled(user) -> bool:
    return user.is_authenticated and user_has_device(user, confirmed=True)


def second_factor_verify(*, user, token: str) -> Verification:
    """Check a code from the app or a recovery code; each is accepted once."""
    token = normalise(token)
    if TOTP_PATTERN.fullmatch(token):
        model = TOTPDevice
    elif RECOVERY_PATTERN.fullmatch(token):
        model = StaticDevice
    else:
        return Verification(None)
    wait = 0
    with transaction.atomic():
        devices = model.objects.devices_for_user(user, confirmed=True).select_for_update()
        for device in devices:
            allowed, details = device.verify_is_allowed()
            if not allowed:
                until = (details or {}).get("locked_until")
                if until:
                    wait = max(wait, int((until - timezone.now()).total_seconds()) + 1)
                continue
            if device.verify_token(token):
                return Verification(device)
    return Verification(None, wait)


def second_factor_disable(*, user) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
