import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.security.test_deploy_check import production_env, run
from trainer.certificates import credentials


def test_check_deploy_fails_without_a_signing_key(tmp_path):
    """Production without CERTIFICATE_SIGNING_KEY fails ``check --deploy`` and says how
    to make one."""
    env = production_env(tmp_path)
    del env["CERTIFICATE_SIGNING_KEY"]
    result = run(["manage.py", "check", "--deploy"], env)
    assert result.returncode != 0
    assert "certificates.E002" in result.stderr + result.stdout
    assert "openssl genpkey -algorithm ed25519" in result.stderr + result.stdout


def test_check_refuses_an_unknown_minimum_verdict(tmp_path):
    """A misspelt CERTIFICATE_MINIMUM_VERDICT stops the site rather than certify nobody."""
    result = run(
        ["manage.py", "check"], production_env(tmp_path, CERTIFICATE_MINIMUM_VERDICT="good")
    )
    assert result.returncode != 0
    assert "certificates.E001" in result.stderr + result.stdout


@pytest.mark.parametrize(
    "text", ["not a key", '{"kty": "OKP"}', "-----BEGIN PRIVATE KEY-----\nAAAA\n"]
)
def test_signing_key_refuses_what_is_not_an_ed25519_private_key(text, settings):
    """A broken key is a configuration error naming the setting, never a 500 later."""
    settings.CERTIFICATE_SIGNING_KEY = text
    with pytest.raises(ImproperlyConfigured, match="CERTIFICATE_SIGNING_KEY"):
        credentials.signing_key()


def test_signing_key_in_development_is_kept_in_var_readable_by_its_owner(settings, tmp_path):
    """With DEBUG and no key, one is generated once into var/, private to its owner."""
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    first = credentials.signing_key()
    path = tmp_path / "var" / credentials.DEV_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert credentials.signing_key().thumbprint() == first.thumbprint()


def test_signing_key_required_without_debug(settings):
    """Without DEBUG there is no fallback key."""
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="must be set"):
        credentials.signing_key()
