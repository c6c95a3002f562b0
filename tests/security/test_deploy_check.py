"""Production settings pass Django's deployment checks and turn on HTTPS-only cookies."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from joserfc.jwk import OKPKey

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **extra):
    """A production environment: DEBUG off, a long random key, a real host name."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "DATABASE_URL"} or key.startswith("PYTHON")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="trainer.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="training.example.com",
        SITE_URL="https://training.example.com",
        DATABASE_URL=env.get("DATABASE_URL", f"sqlite:///{tmp_path / 'deploy.sqlite3'}"),
        STATIC_ROOT=str(tmp_path / "static"),
        CERTIFICATE_SIGNING_KEY=OKPKey.generate_key("Ed25519").as_pem(private=True).decode(),
        **extra,
    )
    return env


def run(args, env):
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_production_turns_https_off(tmp_path):
    """The check is not vacuous: weakening a setting makes it fail."""
    env = production_env(tmp_path, SECURE_COOKIES="false", SECURE_HSTS_SECONDS="0")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("site_url", [None, "", "training.example.com", "/relative"])
def test_check_deploy_fails_without_an_absolute_site_url(tmp_path, site_url):
    """E-mails need the public address: production without SITE_URL fails the check."""
    env = production_env(tmp_path)
    if site_url is None:
        del env["SITE_URL"]
    else:
        env["SITE_URL"] = site_url
    result = run(["manage.py", "check", "--deploy"], env)
    assert result.returncode != 0
    assert "teams.E001" in result.stderr + result.stdout
    assert "SITE_URL must be the site's public address" in result.stderr + result.stdout


def test_development_settings_default_site_url_to_the_local_server(tmp_path):
    env = production_env(tmp_path, DEBUG="1")
    del env["SITE_URL"]
    script = "from django.conf import settings as s; print(s.SITE_URL)"
    result = run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8000"


def test_production_settings_use_https_only_host_cookies_and_hsts(tmp_path):
    script = (
        "import json; from django.conf import settings as s; import django; django.setup();"
        "print(json.dumps({k: getattr(s, k) for k in ["
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',"
        "'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS',"
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS']}))"
    )
    result = run(["-c", script], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
    }
