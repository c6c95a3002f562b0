"""The production settings, with what only a test run may change."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SITE_URL", "http://testserver")

if not os.environ.get("CERTIFICATE_SIGNING_KEY"):
    # A key of this run's own: tests sign and verify credentials like production does.
    from joserfc.jwk import OKPKey

    os.environ["CERTIFICATE_SIGNING_KEY"] = (
        OKPKey.generate_key("Ed25519").as_pem(private=True).decode()
    )

from trainer.settings import *  # noqa: F403

# Hashing a password properly takes ~100 ms by design; tests create hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in production, so concurrent tests meet SQLite's real locking (WAL,
    # immediate transactions, busy timeout) rather than shared-cache memory's.
    # One file per test process, so parallel runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")  # noqa: F405
    }
