"""Corridor settings: everything from the environment, with defaults that are safe to run.

Secrets come from VARIABLE or from the file named by VARIABLE_FILE (Docker/Kubernetes
secrets). `CORRIDOR_PROFILE=production` switches on the transport and cookie hardening; the
default profile is the local demo on SQLite.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


PROFILE = env("CORRIDOR_PROFILE", "demo")
PRODUCTION = PROFILE == "production"
VAR_DIR = Path(env("CORRIDOR_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set in production.")
    # Demo only: signs cookies of a local demo. Never a production value.
    SECRET_KEY = "corridor-demo-only-not-secret-" + "x" * 32  # noqa: S105

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "corridor.core",
    "corridor.vault",
    "corridor.audit",
    "corridor.accounts",
    "corridor.cases",
    "corridor.tasks",
    "corridor.shelters",
    "corridor.relocation",
    "corridor.intake",
    "corridor.triage",
    "corridor.documentation",
    "corridor.lifecycle",
    "corridor.evidence",
    "corridor.emergency",
    "corridor.reports",
    "corridor.figures",
    "corridor.notices",
    "corridor.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corridor.core.middleware.SecurityHeadersMiddleware",
    "corridor.core.charset.FormCharsetMiddleware",  # before anything reads a form
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "corridor.accounts.middleware.StaffSessionMiddleware",
    "corridor.vault.session.VaultMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "corridor.urls"
# Each field rendered with its help text and errors under the ids aria-describedby names (0027).
FORM_RENDERER = "corridor.core.form_renderer.CorridorFormRenderer"
WSGI_APPLICATION = "corridor.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
OTP_TOTP_ISSUER = env("CORRIDOR_TOTP_ISSUER", "Corridor")
LOGIN_REDIRECT_URL = "core:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "corridor.core.context_processors.corridor",
                "corridor.reports.context_processors.nav_badge",
            ],
        },
    },
]

# Connections live 60 s; each request first checks that its connection still works
# (CONN_HEALTH_CHECKS), so one closed under it (a database restart, an idle connection cut
# by the server or a proxy) is reopened instead of failing that request.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'corridor.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA secure_delete=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords: Argon2id first; the others only to verify hashes that would be upgraded.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 14},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Sessions live in the database but hold nothing useful alone: the key that opens the
# user's private key is in the browser's cookie (see corridor.vault.session).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "corridor_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CORRIDOR_IDLE_TIMEOUT = env_int("CORRIDOR_IDLE_TIMEOUT", 15 * 60)
# An alert nobody took ("I am on it") within this many minutes is readdressed to the
# coordinator on duty (decision 0034).
CORRIDOR_ALERT_ESCALATE_MINUTES = env_int("CORRIDOR_ALERT_ESCALATE_MINUTES", 30)

# E-mail notices with no content ("something needs you in Corridor"), off unless the
# organisation names its SMTP server and a sender (corridor.notices, decision 0039).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("CORRIDOR_SMTP_HOST")
EMAIL_PORT = env_int("CORRIDOR_SMTP_PORT", 587)
EMAIL_HOST_USER = env("CORRIDOR_SMTP_USER")
EMAIL_HOST_PASSWORD = env("CORRIDOR_SMTP_PASSWORD")
EMAIL_USE_TLS = env("CORRIDOR_SMTP_SECURITY", "starttls") == "starttls"
EMAIL_USE_SSL = env("CORRIDOR_SMTP_SECURITY", "starttls") == "tls"
EMAIL_TIMEOUT = env_int("CORRIDOR_SMTP_TIMEOUT", 10)
CORRIDOR_NOTICE_FROM = env("CORRIDOR_NOTICE_FROM")
CORRIDOR_NOTICE_MIN_MINUTES = env_int("CORRIDOR_NOTICE_MIN_MINUTES", 60)
SESSION_COOKIE_AGE = env_int("CORRIDOR_SESSION_MAX_AGE", 12 * 60 * 60)
CORRIDOR_REAUTH_WINDOW = env_int("CORRIDOR_REAUTH_WINDOW", 5 * 60)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"

# Argon2id cost of the key that wraps a user's private key (libsodium "moderate" by default).
CORRIDOR_KDF_OPSLIMIT = env_int("CORRIDOR_KDF_OPSLIMIT", 3)
CORRIDOR_KDF_MEMLIMIT = env_int("CORRIDOR_KDF_MEMLIMIT", 256 * 1024 * 1024)

# Evidence files, sealed under their records' data keys (decision 0020).
CORRIDOR_EVIDENCE_DIR = Path(env("CORRIDOR_EVIDENCE_DIR", str(VAR_DIR / "evidence")))
# The largest evidence file the receive screen takes, in bytes (decision 0035); the proxy's
# limit for /evidence/items/new/ must allow it (deploy/nginx).
CORRIDOR_EVIDENCE_UPLOAD_MAX = env_int("CORRIDOR_EVIDENCE_UPLOAD_MAX", 200 * 1024 * 1024)
# RFC 3161 timestamps of package signatures (decision 0036): the PEM file of the CA (or the
# TSA certificates) the organisation trusts, and optionally intermediates and the TSA's own
# certificate when responses do not carry them; checked with the stock `openssl ts`.
CORRIDOR_TSA_CA_FILE = env("CORRIDOR_TSA_CA_FILE")
CORRIDOR_TSA_UNTRUSTED_FILE = env("CORRIDOR_TSA_UNTRUSTED_FILE")
CORRIDOR_OPENSSL = env("CORRIDOR_OPENSSL", "openssl")

# Audit checkpoint signing key (Ed25519 seed, 32 bytes hex). See docs/decisions/0003.
CORRIDOR_AUDIT_SIGNING_KEY = env("CORRIDOR_AUDIT_SIGNING_KEY")
CORRIDOR_AUDIT_SIGNING_KEY_PATH = Path(
    env("CORRIDOR_AUDIT_SIGNING_KEY_PATH", str(VAR_DIR / "audit-signing.key"))
)
# The pinned public half (64 hex digits; comma-separated while rotating): checkpoints verify
# only against it, never against the key stored beside them in the database (decision 0013).
# init_org prints it; in the demo it pins it itself, in the file named by the _PATH setting.
CORRIDOR_AUDIT_PUBLIC_KEY = env("CORRIDOR_AUDIT_PUBLIC_KEY")
CORRIDOR_AUDIT_PUBLIC_KEY_PATH = env(
    "CORRIDOR_AUDIT_PUBLIC_KEY_PATH", "" if PRODUCTION else str(VAR_DIR / "audit-public.key")
)
# A copy of every checkpoint, outside the database: deleting the stored rows hides nothing.
CORRIDOR_AUDIT_CHECKPOINT_LOG = env(
    "CORRIDOR_AUDIT_CHECKPOINT_LOG", str(VAR_DIR / "audit-checkpoints.jsonl")
)

# Intake codename pepper: keys the stored codename hashes, so a database without this secret
# cannot even test a guess (docs/decisions/0009). Changing it orphans every codename. The
# demo falls back to a fixed, public value; production refuses to take a request without it.
CORRIDOR_INTAKE_PEPPER = env("CORRIDOR_INTAKE_PEPPER")
# What a requester who chose "I am in danger now" is told at once, instead of "come back in a
# day or two" (decision 0031): the organisation's emergency contact (a hotline, a messenger
# handle) and, optionally, its own advice in each language; without advice a general text is
# shown. Shown on the page that gives the codename, never stored with the request.
CORRIDOR_EMERGENCY_CONTACT = env("CORRIDOR_EMERGENCY_CONTACT")
CORRIDOR_EMERGENCY_ADVICE = {
    "ru": env("CORRIDOR_EMERGENCY_ADVICE_RU"),
    "en": env("CORRIDOR_EMERGENCY_ADVICE_EN"),
}
# Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the
# peer for the public form's per-peer flood limits; any other X-Forwarded-For is ignored
# (corridor/intake/flood.py, decision 0015). Per-peer limits: CORRIDOR_INTAKE_FLOOD (a dict).
CORRIDOR_TRUSTED_PROXIES = [p for p in env("CORRIDOR_TRUSTED_PROXIES").split(",") if p]
# Index secret: keys every stored search hash together with the compartment's own index key,
# so guessing a phone offline needs this secret and a member's key (docs/decisions/0011).
# Changing it orphans the stored hashes until `manage.py index_rebuild`. Demo: a fixed value.
CORRIDOR_INDEX_SECRET = env("CORRIDOR_INDEX_SECRET")
# Cross-compartment duplicate checks one desk member may run an hour (distinct requests).
CORRIDOR_CROSSCHECK_PER_HOUR = env_int("CORRIDOR_CROSSCHECK_PER_HOUR", 300)
# A request that decrypts a record it does not audit fails (tests, DEBUG); otherwise the read
# is audited after the view as `vault.read_unaudited` and a warning logged (decision 0017).
CORRIDOR_READ_AUDIT_STRICT = env_bool("CORRIDOR_READ_AUDIT_STRICT", DEBUG)

SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: under no-referrer browsers send `Origin: null` and no Referer
# on form posts, and Django's CSRF check refuses every form. Other origins still get nothing
# (docs/decisions/0005-referrer-policy-and-vault-hot-path.md).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "corridor" / "locale"]
LANGUAGE_COOKIE_NAME = "corridor_lang"
LANGUAGE_COOKIE_SAMESITE = "Strict"
LANGUAGE_COOKIE_HTTPONLY = True
USE_I18N = True
# The organisation's time zone: every time is shown in it, labelled; storage stays UTC.
TIME_ZONE = env("CORRIDOR_TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

# Logs: never a request body, an address or a user agent, and no time finer than the hour.
# Deny by default (corridor/core/logs.py, decision 0015): only Corridor's loggers and
# Django's request errors reach the handlers; the filters are declared here, on each handler,
# so that every django.setup() (runserver runs two) builds them again with the handlers.
LOG_FILE = env("CORRIDOR_LOG_FILE", str(VAR_DIR / "corridor.log"))
LOGGING_CONFIG = "corridor.core.logs.logging_configure"
_LOG_FILTERS = ["intake", "policy"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "intake": {"()": "corridor.intake.logfilter.IntakeLogFilter"},
        "policy": {"()": "corridor.core.logs.LogPolicyFilter"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "datefmt": "%Y-%m-%d %H:00",
        }
    },
    "handlers": {
        "file": {
            "class": "logging.FileHandler",
            "filename": LOG_FILE,
            "formatter": "plain",
            "filters": _LOG_FILTERS,
        },
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": _LOG_FILTERS,
        },
    },
    "root": {"handlers": ["file", "console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (the DEBUG console, mail to ADMINS with the request attached,
        # runserver's request lines with their time) are replaced by the two above.
        "django": {"handlers": []},
        "django.request": {"filters": ["intake"]},
        "django.server": {"handlers": [], "filters": ["intake"], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # Pillow logs every EXIF tag's value at DEBUG: not even built (the policy drops it).
        "PIL": {"level": "WARNING"},
    },
}
VAR_DIR.mkdir(parents=True, exist_ok=True)
