"""A real OpenID provider (npm oidc-provider, tests/oidc/provider.mjs) on loopback.

``oidc_provider`` starts one Node process per test session; ``idp`` resets its accounts
for each test and points the site's settings at it.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "pattern-trainer"
CLIENT_SECRET = "loopback-test-secret"
TEST_SERVER = "http://testserver"

ACCOUNTS = {
    "ada": {
        "password": "ada-password",
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "groups": ["engineering"],
    },
    "grace": {
        "password": "grace-password",
        "email": "grace@example.com",
        "name": "Grace Hopper",
        "groups": ["platform-leads", "engineering"],
        "amr": ["pwd", "mfa"],
    },
    "mallory": {
        "password": "mallory-password",
        "email": "mallory@example.com",
        "name": "Mallory Gone",
        "groups": ["engineering"],
        "disabled": True,
    },
}


class IdentityProvider:
    def __init__(self, process, issuer, control: Path):
        self.process = process
        self.issuer = issuer
        self.control = control
        self.reset()

    def reset(self):
        self._state = {"accounts": json.loads(json.dumps(ACCOUNTS)), "tamper": ""}
        self._write()

    def account(self, login, **changes):
        """Change an account at the provider, as its administrators would."""
        self._state["accounts"][login].update(changes)
        self._write()

    def tamper(self, mode: str):
        """Make the token endpoint hand out a bad ID token (see provider.mjs)."""
        self._state["tamper"] = mode
        self._write()

    def _write(self):
        self.control.write_text(json.dumps(self._state), encoding="utf-8")

    def answer(self, start_url: str, login: str, password: str) -> str:
        """Sign in at the provider as a browser would, from the authorization request
        to the provider's redirect back to the test server; return that callback URL."""
        session = requests.Session()
        url, form = start_url, None
        for _ in range(20):
            if form is None:
                response = session.get(url, allow_redirects=False, timeout=10)
            else:
                response = session.post(url, data=form, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                form = None
                if not url.startswith(self.issuer):
                    return url
                continue
            assert form is None, f"the provider did not accept {login}: {response.text[:300]}"
            assert "<form" in response.text, response.text[:300]
            url = urljoin(url, response.text.split('action="', 1)[1].split('"', 1)[0])
            form = {"login": login, "password": password}
        raise AssertionError("the provider never sent the browser back")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory, live_server):
    node = shutil.which("node")
    assert node, "node is missing: the single sign-on tests run a real OpenID provider"
    assert (ROOT / "node_modules" / "oidc-provider").exists(), "oidc-provider is missing: npm ci"
    control = tmp_path_factory.mktemp("oidc") / "control.json"
    control.write_text(json.dumps({"accounts": ACCOUNTS, "tamper": ""}), encoding="utf-8")
    callback = "/accounts/sso/callback/"
    env = {
        **os.environ,
        "CONTROL_FILE": str(control),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": f"{TEST_SERVER}{callback},{live_server.url}{callback}",
    }
    # Its warnings go to a file: a pipe nobody reads would fill and stall the provider.
    log = control.with_name("provider.log")
    with log.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603
            [node, str(SCRIPT)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        raise AssertionError(f"the OpenID provider did not start: {line}{log.read_text()}")
    provider = IdentityProvider(process, line.split()[1], control)
    yield provider
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def idp(oidc_provider, settings):
    """The loopback provider with its standard accounts, and the site signing in with it."""
    from trainer.sso import provider

    oidc_provider.reset()
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_TRUST_AMR = []
    settings.OIDC_SCOPES = "openid email profile groups"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "trainer.sso.backends.OIDCBackend",
    ]
    provider.forget()
    yield oidc_provider
    provider.forget()
