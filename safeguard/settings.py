"""Django settings for Safeguard.

Everything that differs between a laptop demo and production comes from the environment
(see docs/configuration.md). The defaults are safe: DEBUG is off unless asked for, and a
missing SECRET_KEY is an error outside demo/test mode.
"""

import datetime as dt
import json
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_json(name: str) -> dict:
    """A JSON object from the environment ({} when unset), e.g. per-check thresholds."""
    value = os.environ.get(name, "").strip()
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: not valid JSON ({exc})") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f'{name}: expected a JSON object, e.g. {{"key": 1}}')
    return parsed


def parse_database_url(url: str) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry (sqlite:///path or postgres://...)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = unquote(parsed.path[1:]) if parsed.path.startswith("/") else parsed.path
        if not path:
            raise ImproperlyConfigured("DATABASE_URL: sqlite URL needs a file path")
        name = path if os.path.isabs(path) else str(PROJECT_DIR / path)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "60")),
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:/// or postgres://)"
    )


# SAFEGUARD_MODE: "production" (default), "demo" (make demo) or "test" (the test suite).
MODE = os.environ.get("SAFEGUARD_MODE", "production")
if MODE not in {"production", "demo", "test"}:
    raise ImproperlyConfigured("SAFEGUARD_MODE must be production, demo or test")

# Off unless asked for, in demo mode too: the demo shows the service's own error pages (a
# refusal is a plain 404 or 403, as in production, never Django's page listing every URL).
# Static files do not need DEBUG: WhiteNoise serves them in every mode.
DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if MODE == "production":
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production (see docs/configuration.md)"
        )
    SECRET_KEY = "insecure-demo-and-test-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "ALLOWED_HOSTS", "127.0.0.1,localhost" if MODE != "production" else ""
    ).split(",")
    if h.strip()
]

INSTALLED_APPS = [
    # The admin site is Safeguard's (superusers and administrators, second factor
    # required; no child-record models registered): see safeguard/access/admin_site.py.
    "safeguard.access.admin_apps.SafeguardAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "safeguard.core",
    "safeguard.accounts",
    "safeguard.children",
    "safeguard.episodes",
    "safeguard.health",
    # Placement plans, capacity, IRO disputes, education, leaving care, death (issue 13).
    "safeguard.care",
    "safeguard.frontdoor",
    "safeguard.chronology",
    "safeguard.meetings",
    "safeguard.scenarios",
    "safeguard.access",
    "safeguard.checks",
    "safeguard.exploitation",
    # The layer above the domain apps: pages that write to several areas of the record.
    "safeguard.recording",
    "safeguard.casework",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "safeguard.access.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safeguard.access.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "safeguard.access.middleware.SecondFactorMiddleware",
    "safeguard.access.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a lockout into the GOV.UK lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out username+IP before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "safeguard.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} with its results remembered (core/templatetags/urls.py).
            "builtins": ["safeguard.core.templatetags.urls"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safeguard.core.context_processors.site",
                "safeguard.access.context_processors.access",
            ],
        },
    },
]

WSGI_APPLICATION = "safeguard.wsgi.application"

DATABASES = {
    "default": parse_database_url(os.environ.get("DATABASE_URL", "sqlite:///var/safeguard.sqlite3"))
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the checks sweep read while a write is committing; a busy timeout
    # avoids "database is locked" under the demo server's threads.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# The test database's name (a file, kept with --reuse-db): set by the mutation runner
# (scripts/mutation.py) so that each mutant costs its tests, not a migration.
if os.environ.get("SAFEGUARD_TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["SAFEGUARD_TEST_DATABASE_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Strength (zxcvbn) and no username or name inside: safeguard/accounts/passwords.py.
    {"NAME": "safeguard.accounts.passwords.StrengthValidator"},
    {"NAME": "safeguard.accounts.passwords.NotPersonalValidator"},
]

LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "children:caseload"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"

STATIC_URL = "/static/"
# collectstatic's target; WhiteNoise serves it in production. Outside production the
# finders serve the app's static folders directly and no collected copy exists.
STATIC_ROOT = (
    Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
    if MODE == "production"
    else None
)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if MODE == "production"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = MODE != "production"

# Sessions end after 30 minutes without a request, and when the browser closes.
# Source: NCSC Cloud Security Guidance, principle 10 (identity and authentication);
# NHS DSPT 4.5 (sessions time out). Every request renews the 30 minutes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if MODE == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Second factor (TOTP, django-otp) for every account: on by default in production, off by
# default in demo and test modes (the synthetic demo accounts sign in with a password).
# `check --deploy` warns if production turns it off (see docs/security.md).
SAFEGUARD_REQUIRE_OTP = env_bool("SAFEGUARD_REQUIRE_OTP", default=MODE == "production")
OTP_TOTP_ISSUER = os.environ.get("SAFEGUARD_PARTNERSHIP_NAME", "Safeguard")

# Lockout of repeated failed sign-ins (django-axes): 5 failures for one username from one
# IP address lock that pair for 30 minutes. Counted for usernames that do not exist too, so
# the lockout does not reveal whether an account exists. Source: NCSC password guidance
# ("throttle or lock out"); OWASP ASVS 2.2.1.
AXES_ENABLED = env_bool("AXES_ENABLED", default=MODE != "test")
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "safeguard.access.signin.lockout_response"
AXES_VERBOSE = False
# Behind reverse proxies, how many append to X-Forwarded-For (0: use REMOTE_ADDR). The
# lockout and the audit trail both use this address (safeguard.access.signin.client_ip).
SAFEGUARD_TRUSTED_PROXIES = int(os.environ.get("SAFEGUARD_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "safeguard.access.signin.client_ip"

# Content-Security-Policy sent on every response (safeguard.access.middleware): no inline
# scripts or styles, nothing from other origins, no framing.
SAFEGUARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refusal (403, 404) is an ordinary answer: one log line, not a traceback.
    "filters": {"refusals": {"()": "safeguard.core.logging.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The partnership this instance serves: shown in the page header.
SAFEGUARD_PARTNERSHIP_NAME = os.environ.get("SAFEGUARD_PARTNERSHIP_NAME", "Safeguard")
# The local authority area the partnership serves, as places name it (e.g. "Worcestershire"):
# a child arrested at a place in another area is named as arrested out of area
# (EXPLOITATION-CHILD-ARREST). Empty: any named area is reported for the reader to judge.
SAFEGUARD_HOME_AUTHORITY_AREA = os.environ.get("SAFEGUARD_HOME_AUTHORITY_AREA", "").strip()
# Where the phase banner's "Give feedback" link goes (a form, an issue tracker, a mailto:).
SAFEGUARD_FEEDBACK_URL = os.environ.get("SAFEGUARD_FEEDBACK_URL", "")

# Safeguarding checks (docs/checks.md). Per-check threshold overrides, as JSON in the
# environment, e.g. {"LAC-HEALTH-ASSESSMENT": {"initial_working_days": 15}}.
SAFEGUARD_CHECKS: dict = env_json("SAFEGUARD_CHECKS")
# Re-evaluate a child's checks straight after each write to their record commits.
SAFEGUARD_CHECKS_ON_CHANGE = env_bool("SAFEGUARD_CHECKS_ON_CHANGE", default=True)
# PostgreSQL: prepare the cached queries (safeguard/core/prepared.py) on the server, so they
# are not planned again on every run. Off behind a connection pooler in transaction mode
# that does not carry prepared statements (PgBouncer before 1.21).
SAFEGUARD_PREPARED_ON_SERVER = env_bool("SAFEGUARD_PREPARED_ON_SERVER", default=True)

# The audit trail's key and checkpoints (docs/security.md, "Audit trail"). Each entry's
# hash is an HMAC keyed by a secret the database never holds, so someone who can write to
# the database cannot re-chain edited rows. `SAFEGUARD_AUDIT_KEY_ID` is stored on each
# entry; earlier keys stay in `SAFEGUARD_AUDIT_RETIRED_KEYS` ("id=secret,id=secret") so
# entries written before a rotation still verify.
SAFEGUARD_AUDIT_KEY = os.environ.get("SAFEGUARD_AUDIT_KEY", "")
if not SAFEGUARD_AUDIT_KEY:
    if MODE == "production":
        raise ImproperlyConfigured(
            "SAFEGUARD_AUDIT_KEY must be set in production (see docs/configuration.md)"
        )
    SAFEGUARD_AUDIT_KEY = "insecure-demo-and-test-audit-key"  # noqa: S105
SAFEGUARD_AUDIT_KEY_ID = os.environ.get("SAFEGUARD_AUDIT_KEY_ID", "k1").strip() or "k1"
SAFEGUARD_AUDIT_RETIRED_KEYS = {
    key_id.strip(): secret
    for key_id, _, secret in (
        pair.partition("=")
        for pair in os.environ.get("SAFEGUARD_AUDIT_RETIRED_KEYS", "").split(",")
        if pair.strip()
    )
}
# Append-only file of signed checkpoints (seq and hash of the newest entry), on a volume
# the database server cannot write. Required in production; off by default elsewhere.
SAFEGUARD_AUDIT_CHECKPOINT_FILE = os.environ.get("SAFEGUARD_AUDIT_CHECKPOINT_FILE", "") or None
if MODE == "production" and not SAFEGUARD_AUDIT_CHECKPOINT_FILE:
    raise ImproperlyConfigured(
        "SAFEGUARD_AUDIT_CHECKPOINT_FILE must be set in production (see docs/configuration.md)"
    )
# A checkpoint after the first entry and then every N entries (and on `audit checkpoint`).
SAFEGUARD_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("SAFEGUARD_AUDIT_CHECKPOINT_EVERY", "100"))
# How many lanes (separate chains, each with its own head row) audit entries are spread
# over, so concurrent audited reads do not queue on one lock (docs/security.md). SQLite
# serialises writers anyway: one lane there by default.
SAFEGUARD_AUDIT_LANES = max(
    1,
    int(
        os.environ.get(
            "SAFEGUARD_AUDIT_LANES",
            "1" if DATABASES["default"]["ENGINE"].endswith("sqlite3") else "16",
        )
    ),
)

# Emergency (break-glass) access review: who reviews a grant when the professional has no
# team manager (usernames, comma-separated), and after how many hours an unreviewed grant
# is overdue.
SAFEGUARD_EMERGENCY_REVIEWERS = [
    name.strip()
    for name in os.environ.get("SAFEGUARD_EMERGENCY_REVIEWERS", "").split(",")
    if name.strip()
]
# The safeguarding lead: the reviewer of last resort (a username).
SAFEGUARD_SAFEGUARDING_LEAD = os.environ.get("SAFEGUARD_SAFEGUARDING_LEAD", "").strip()
SAFEGUARD_EMERGENCY_REVIEW_HOURS = int(os.environ.get("SAFEGUARD_EMERGENCY_REVIEW_HOURS", "72"))

# Escalation ladder (safeguard/checks/escalation.py): owner -> team manager -> service
# managers, as JSON in the environment, e.g. {"team_manager": 2, "service_managers": ["hm"]}.
SAFEGUARD_ESCALATION: dict = env_json("SAFEGUARD_ESCALATION")

# Alerts by email (safeguard/checks/delivery.py; docs/configuration.md): Django's mail
# framework. Messages link to this address and never name the child.
SAFEGUARD_BASE_URL = os.environ.get("SAFEGUARD_BASE_URL", "http://127.0.0.1:8000")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "safeguard@localhost")
# A failed send is retried with backoff (5 minutes, doubling, at most 6 hours) this many
# times before it is marked failed for an administrator to see.
SAFEGUARD_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("SAFEGUARD_NOTIFY_MAX_ATTEMPTS", "8"))
# GOV.UK Notify instead of SMTP, when its API key is set: an email template whose subject is
# ((subject)) and body ((body)).
SAFEGUARD_NOTIFY_API_KEY = os.environ.get("SAFEGUARD_NOTIFY_API_KEY", "")
SAFEGUARD_NOTIFY_TEMPLATE_ID = os.environ.get("SAFEGUARD_NOTIFY_TEMPLATE_ID", "")
SAFEGUARD_NOTIFY_BASE_URL = os.environ.get(
    "SAFEGUARD_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
)
