"""Settings for the training platform.

Every value that differs between a laptop and production comes from the environment.
The defaults are safe for development only: with DEBUG off, SECRET_KEY must be set.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # First, so its templates (registration/*) win over the admin's of the same name.
    "trainer",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "trainer.teams",
    "trainer.security",
    "trainer.audit",
    "trainer.sso",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "lessons",
    "quizzes",
    "trainer.xapi",
    "trainer.certificates",
]

MIDDLEWARE = [
    # First, so an oversized body is refused before anything could read it.
    "trainer.security.middleware.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files never pay for it.
    "trainer.security.middleware.DatabaseErrorMiddleware",
    "trainer.security.middleware.NulByteMiddleware",
    "trainer.security.middleware.RepeatedFieldMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "trainer.security.middleware.SessionPolicyMiddleware",
    "trainer.security.middleware.SecondFactorMiddleware",
    "trainer.security.middleware.PrivateResponseMiddleware",
    "trainer.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "trainer.security.middleware.FragmentVaryMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trainer.urls"
WSGI_APPLICATION = "trainer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "quizzes.context_processors.learning",
                "trainer.teams.context_processors.teams",
                "trainer.sso.context_processors.sign_in",
                "trainer.theme.theme",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'trainer.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (runserver threads, gunicorn workers) share one file: WAL lets
    # readers proceed during a write, and IMMEDIATE takes the write lock up front so a
    # transaction waits for it instead of failing halfway with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A request waits this long for a row another holds, and a statement runs this long,
    # then the database gives up and the request answers 503 with Retry-After
    # (trainer.security.errors), instead of holding a worker until the lock is released.
    # The statement limit stays below the app server's worker timeout (TIMEOUT, 30 s).
    DB_LOCK_TIMEOUT = float(os.environ.get("DB_LOCK_TIMEOUT", "5"))
    DB_STATEMENT_TIMEOUT = float(os.environ.get("DB_STATEMENT_TIMEOUT", "25"))
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={int(DB_LOCK_TIMEOUT * 1000)}"
        f" -c statement_timeout={int(DB_STATEMENT_TIMEOUT * 1000)}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Cache and sessions (several app servers: docs/deployment.md) -------------------
# With REDIS_URL every app server shares one cache and finds every session. Sessions are
# "cached_db": read from Redis, written through to the database, so a Redis flush or
# restart logs nobody out. A Redis outage degrades to cache misses rather than errors.
# Without REDIS_URL (one machine) each process keeps its own memory cache, which is safe:
# lesson content is cached under a version read from the database (lessons/cache.py).
# Static files need nothing here: WhiteNoise serves the hashed names the manifest storage
# writes at collectstatic with "max-age=315360000, public, immutable".
# Redis holds JSON only, never pickles: whoever can write to it must not be able to run
# code on the app servers. An entry that is not JSON reads as a miss.
REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_cache(url: str, prefix: str) -> dict:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
            "IGNORE_EXCEPTIONS": True,
            "SERIALIZER": "trainer.security.cache.PlainDataSerializer",
        },
    }


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL, os.environ.get("CACHE_KEY_PREFIX", "trainer"))}
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# --- end of cache and sessions -------------------------------------------------------

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "trainer:catalog"
LOGOUT_REDIRECT_URL = "trainer:catalog"

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
    }
}
if os.environ.get("EMAIL_HOST"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ["EMAIL_HOST"],
        "port": int(os.environ.get("EMAIL_PORT", "587")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "training@localhost")
# The site's public address: every link in an e-mail (reminders, invitations) starts with
# it, because a mail client has no page to resolve a relative link against. Required in
# production (``check --deploy`` fails without it: trainer.teams.apps).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")

# --- Learning records to the company's LRS (xAPI; docs/xapi.md) ------------------------
# Off while XAPI_ENDPOINT is empty: nothing is queued. When set, each record is queued in
# the transaction that writes it and ``manage.py send_statements`` sends the queue.
XAPI_ENDPOINT = os.environ.get("XAPI_ENDPOINT", "").strip()
XAPI_USERNAME = os.environ.get("XAPI_USERNAME", "")
XAPI_PASSWORD = os.environ.get("XAPI_PASSWORD", "")
XAPI_BATCH_SIZE = int(os.environ.get("XAPI_BATCH_SIZE", "50"))
XAPI_TIMEOUT = float(os.environ.get("XAPI_TIMEOUT", "10"))
# How the LRS knows a learner: "id" (the account's number here, which says nothing about
# the person) or "username". Either way an account on SITE_URL, never an e-mail address.
XAPI_ACTOR = os.environ.get("XAPI_ACTOR", "id")

# Certificates (trainer/certificates): the Ed25519 key that signs Open Badges credentials,
# as a PEM private key or a private JWK. Without it, DEBUG keeps a generated key in
# var/certificate-signing-key.pem; production must set it (``check --deploy`` says so).
CERTIFICATE_SIGNING_KEY = os.environ.get("CERTIFICATE_SIGNING_KEY", "")
CERTIFICATE_ISSUER_NAME = os.environ.get("CERTIFICATE_ISSUER_NAME", "Pattern Trainer")
# The pattern-test verdict that, with the lesson complete, earns a certificate.
CERTIFICATE_MINIMUM_VERDICT = os.environ.get("CERTIFICATE_MINIMUM_VERDICT", "strong")

# No inline script or style anywhere: everything comes from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Behind TLS in production; a developer on http://127.0.0.1 keeps plain cookies.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe over plain HTTP; the health check answers there too.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
if SESSION_COOKIE_SECURE:
    # "__Host-" cookies are refused by browsers unless Secure, host-only and path "/".
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_FAILURE_VIEW = "trainer.security.views.csrf_failure"
# Every form here is small: a bigger body, file parts included, is refused with 413
# before it is read (trainer.security.middleware.RequestSizeMiddleware).
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(2_621_440)))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
# A CSV of addresses to invite (trainer/teams/roster.py): refused whole beyond these, with
# a message saying so. The byte limit stays below MAX_REQUEST_BYTES (checked: teams.E002),
# so the file's own limit answers first.
TEAM_IMPORT_MAX_ROWS = int(os.environ.get("TEAM_IMPORT_MAX_ROWS", "1000"))
TEAM_IMPORT_MAX_BYTES = int(os.environ.get("TEAM_IMPORT_MAX_BYTES", str(512 * 1024)))

# --- Login protection, second factor and session lifetime (docs: README "Security") ---
# Django's ModelBackend behind django-axes' check: a locked-out (username, address) pair
# is refused before any password is compared.
AUTHENTICATION_BACKENDS = ["trainer.security.backends.ThrottledModelBackend"]
# How many proxies append to X-Forwarded-For in front of the app (a load balancer: 1).
# Lockouts and the audit trail use the address the nearest trusted proxy saw.
TRUSTED_PROXY_COUNT = int(
    os.environ.get("TRUSTED_PROXY_COUNT", "1" if env_bool("BEHIND_PROXY", False) else "0")
)
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
# The pair, not either alone: guessing one account's password from one address stops at
# the limit, yet nobody can lock a colleague out from elsewhere by typing their name.
# Unknown usernames are counted exactly like known ones, so a lockout reveals nothing.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# On top of the pair: this many failures for one username from any mix of addresses
# within the cool-off window lock that username everywhere (and e-mail its owner once).
AXES_HANDLER = "trainer.security.lockout.AccountLockoutHandler"
LOGIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "20"))
AXES_LOCKOUT_CALLABLE = "trainer.security.views.lockout"
AXES_CLIENT_IP_CALLABLE = "trainer.security.net.client_ip"
AXES_VERBOSE = False

# Staff set up their first device through a one-time link (trainer/security/enrolment.py).
STAFF_ENROLMENT_LINK_MINUTES = int(os.environ.get("STAFF_ENROLMENT_LINK_MINUTES", "30"))
OTP_TOTP_ISSUER = os.environ.get("OTP_ISSUER", "Pattern Trainer")
# After a wrong code the next attempt waits 1, 2, 4, 8 ... seconds (factor x 2^(n-1)).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Signed-in sessions end after this long without a request, and this long after login
# whatever happens. Anonymous learners keep their session cookie for SESSION_COOKIE_AGE.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", str(12 * 60 * 60)))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(14 * 24 * 60 * 60)))

# --- Single sign-on with OpenID Connect (docs: README "Single sign-on") ---------------
# Off until OIDC_ISSUER names the provider; its endpoints and keys come from the issuer's
# discovery document (/.well-known/openid-configuration).
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
# amr values (RFC 8176) that count as a second factor the provider checked; empty: none
# do, and staff enter this site's own code whatever the provider says.
OIDC_TRUST_AMR = env_list("OIDC_TRUST_AMR", "")
OIDC_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your organisation")
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT", "10"))
# Username and password sign-in (with sign-up and password reset); switch it off when
# everyone signs in through the identity provider.
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", True)
if OIDC_ISSUER:
    AUTHENTICATION_BACKENDS.append("trainer.sso.backends.OIDCBackend")
if not PASSWORD_LOGIN:
    AUTHENTICATION_BACKENDS.remove("trainer.security.backends.ThrottledModelBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
