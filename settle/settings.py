"""One env-driven settings module.

Local default: SQLite (WAL) under ./var, DEBUG on. `SETTLE_ENV=production` turns on every deploy check and
requires SECRET_KEY and ALLOWED_HOSTS from the environment. `CI=true` requires PostgreSQL and never falls back.
"""

import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SETTLE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("SETTLE_ENV", "local") == "production"
CI = env_bool("CI")
DEBUG = env_bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set (50+ characters) when SETTLE_ENV=production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when SETTLE_ENV=production")
else:
    SECRET_KEY = os.environ.get(
        "SECRET_KEY", "settle-local-development-key-not-for-production-use-0123456789"
    )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "settle.merchants",
    "settle.customers",
    "settle.ledger",
    "settle.cases",
    "settle.communications",
    "settle.worker",
    "settle.web",
    "settle.demo",
    "settle.apikit",
    "settle.imports",
    "settle.workdesk",
    "settle.integrations",
    "settle.webhooks_out",
    "settle.plans",
    "ninja",  # the API docs page uses ninja's bundled Swagger UI, not a CDN: self-hosted installs work offline
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "settle.urls"
WSGI_APPLICATION = "settle.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "settle" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "settle.web.navigation.nav",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
CI_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/settle"
DATABASE_URL = os.environ.get("DATABASE_URL") or (CI_DATABASE_URL if CI else "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "settle.sqlite3",
            # WAL lets the worker write while the web process reads.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
if CI and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("CI=true requires PostgreSQL (DATABASE_URL); refusing to fall back to SQLite")

# Several checkouts (worktrees) on one machine must not share one test database.
_checkout_tag = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SETTLE_TEST_DB", f"test_settle_{_checkout_tag}")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "web:login"

# --- I18n -----------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pl", _("Polish")), ("ru", _("Russian")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "settle" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
if not PRODUCTION:
    # Serve app static files straight from the source tree while developing; production uses collectstatic.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = DEBUG
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Security (production) -----------------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# --- Email ----------------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "settle@localhost")

# --- Settle ---------------------------------------------------------------------------------------------
# Apps declare their worker jobs in their AppConfig (see settle/worker/registry.py); this adds extra ones.
SETTLE_WORKER_JOBS = env_list("SETTLE_WORKER_JOBS")
SETTLE_WORKER_IDLE_SECONDS = float(os.environ.get("SETTLE_WORKER_IDLE_SECONDS", "5"))
SETTLE_PUBLIC_URL = os.environ.get("SETTLE_PUBLIC_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- imports --------------------------------------------------------------------------------------------
# Check a receivable chunk's foreign keys set-based instead of per row (see settle/ledger/bulk.py); needs a
# PostgreSQL role allowed to set session_replication_role.
SETTLE_IMPORT_SET_BASED_FK_CHECKS = env_bool("SETTLE_IMPORT_SET_BASED_FK_CHECKS")

# SETTLE_NOW freezes the clock for web and worker processes alike (demos, support reproductions).
from settle.core.clock import freeze_from_env  # noqa: E402

freeze_from_env()

# --- web (merchant app shell) ----------------------------------------------------------------------------
# settle/static is the project's own static folder (settle.css, vendored HTMX); it is not inside an app.
STATICFILES_DIRS = [BASE_DIR / "settle" / "static"]

# --- apikit ---------------------------------------------------------------------------------------------
# Problem+json for every error under /api/ (outer: it also covers errors in the idempotency step), then
# Idempotency-Key on POST under /api/v1/.
MIDDLEWARE += [
    "settle.apikit.middleware.ProblemDetailsMiddleware",
    "settle.apikit.middleware.IdempotencyMiddleware",
]

# --- communications (outreach) ---------------------------------------------------------------------------
SETTLE_OUTBOX_BATCH_SIZE = int(os.environ.get("SETTLE_OUTBOX_BATCH_SIZE", "200"))
SETTLE_MESSAGE_ID_DOMAIN = os.environ.get("SETTLE_MESSAGE_ID_DOMAIN", "settle.invalid")
TWILIO_BASE_URL = os.environ.get("TWILIO_BASE_URL", "")  # a loopback fake in tests; empty → api.twilio.com
ANYMAIL = {"WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", "")}  # basic auth for tracking webhooks
# --- integrations ---------------------------------------------------------------------------------------
# Fernet key(s) for stored shop credentials, comma-separated (first encrypts); unset: derived from SECRET_KEY.
# Set it in production, so rotating SECRET_KEY never makes stored shop credentials unreadable.
SETTLE_SECRETS_KEY = os.environ.get("SETTLE_SECRETS_KEY", "")
SETTLE_WEBHOOK_MAX_BYTES = int(os.environ.get("SETTLE_WEBHOOK_MAX_BYTES", str(1024 * 1024)))
SETTLE_WEBHOOK_CONNECTION_TTL = float(os.environ.get("SETTLE_WEBHOOK_CONNECTION_TTL", "5"))
SETTLE_STRIPE_API_BASE = os.environ.get("SETTLE_STRIPE_API_BASE", "")
SETTLE_RECONCILE_MINUTES = int(os.environ.get("SETTLE_RECONCILE_MINUTES", "60"))
# Narodowy Bank Polski's rates API: EUR mid rates convert Poland's EUR-fixed recovery compensation.
SETTLE_NBP_API = os.environ.get("SETTLE_NBP_API", "https://api.nbp.pl")
