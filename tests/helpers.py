"""Small helpers the tests share: what a reader sees of a page, htmx requests, verified
sign-ins and parallel callers."""

import re
import threading
import time
from binascii import unhexlify
from html import unescape

from django.db import connection
from django.utils.html import strip_tags
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lessons.markdown import render
from trainer.security import mfa
from trainer.security.sessions import MFA_PENDING

# The header htmx sends with every request it makes, as test client keywords.
HTMX = {"HTTP_HX_REQUEST": "true"}


def text(markdown_source):
    """What a reader sees of a Markdown source: its text, without markup."""
    return " ".join(unescape(strip_tags(render(markdown_source))).split())


def page_text(response, *, apart=False):
    """What a reader sees of a response: its text, whitespace folded.

    ``apart`` keeps the text of neighbouring elements apart (list items, table cells).
    """
    html = response.content.decode()
    if apart:
        html = re.sub(r"<[^>]+>", " ", html)
    return " ".join(unescape(strip_tags(html)).split())


def run_in_parallel(action, threads):
    """Call ``action`` from ``threads`` threads at once, each on its own connection."""
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(action())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def totp_code(key: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for ``key`` now (or ``steps_ahead`` x 30 s on)."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol(user):
    """Turn the second factor on for ``user`` as the enrolment page does; return
    ``(device, recovery_codes)``. The confirming code counts as used."""
    key = mfa.enrolment_start().key
    return mfa.totp_confirm(user=user, key=key, token=totp_code(key))


def log_in_verified(client, user):
    """Signed in with the second factor already given in this session (for admin pages)."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)[0]
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop(MFA_PENDING, None)
    session.save()
    return client
