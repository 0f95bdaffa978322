"""Causeloop settings: everything comes from the environment (django-environ, optional `.env`).

Defaults are the safe production ones; the development commands switch `DEBUG` on explicitly.
"""

import ipaddress
import warnings
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from causeloop.core.logs import FORMATS as LOG_FORMATS
from causeloop.core.logs import configure_structlog, logging_config
from causeloop.core.ratelimits import RATE_LIMITS
from causeloop.openapi_settings import OPENAPI_SETTINGS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is not set")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"

# The key every token hash and every encrypted stored secret is derived from.
CAUSELOOP_MASTER_KEY = env.str("CAUSELOOP_MASTER_KEY", default="")
if not CAUSELOOP_MASTER_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("CAUSELOOP_MASTER_KEY is not set")
    CAUSELOOP_MASTER_KEY = "development-only-master-key"
# Master keys replaced by a rotation, still accepted: secrets sealed under them open, and
# credentials hashed under them are found (and hashed again under the current key when used).
CAUSELOOP_OLD_MASTER_KEYS = env.list("CAUSELOOP_OLD_MASTER_KEYS", default=[])
# Lets operators' scripts reach the platform API without a user (compared in constant time).
CAUSELOOP_ROOT_KEY = env.str("CAUSELOOP_ROOT_KEY", default="")
CAUSELOOP_REQUIRE_ORG_APPROVAL = env.bool("CAUSELOOP_REQUIRE_ORG_APPROVAL", default=False)
CAUSELOOP_PERSONAL_ORG = env.bool("CAUSELOOP_PERSONAL_ORG", default=False)
CAUSELOOP_INVITATION_DAYS = env.int("CAUSELOOP_INVITATION_DAYS", default=7)
CAUSELOOP_INVITE_CODE_DAYS = env.int("CAUSELOOP_INVITE_CODE_DAYS", default=7)
CAUSELOOP_TRIAL_DAYS = env.int("CAUSELOOP_TRIAL_DAYS", default=14)
# A run not finished within this many seconds stops counting as running (§9).
CAUSELOOP_RUN_TIMEOUT = env.int("CAUSELOOP_RUN_TIMEOUT", default=3600)
# Webhooks (§10). Private, loopback and link-local targets (and plain http) are refused unless
# this is on: for tests and development only, never in production.
CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = env.bool("CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE", default=False)
# How often each worker's scheduler relays new events and queues due attempts (seconds).
CAUSELOOP_WEBHOOKS_SCHEDULER_INTERVAL = env.float(
    "CAUSELOOP_WEBHOOKS_SCHEDULER_INTERVAL", default=0.2
)
CAUSELOOP_WEBHOOK_ENDPOINTS_LIMIT = env.int("CAUSELOOP_WEBHOOK_ENDPOINTS_LIMIT", default=20)
# The events feed (`GET …/events?after=`) shows an event once it is this old, so one whose
# transaction committed a moment late is never skipped by a client reading past it.
CAUSELOOP_EVENTS_SETTLE_SECONDS = env.float("CAUSELOOP_EVENTS_SETTLE_SECONDS", default=2.0)
# Verified domains (§11): the DNS server the TXT lookup asks ("host" or "host:port", several
# separated by commas; empty: the system's resolvers) and how long it waits for an answer.
CAUSELOOP_DNS_RESOLVER = env.str("CAUSELOOP_DNS_RESOLVER", default="")
CAUSELOOP_DNS_TIMEOUT = env.float("CAUSELOOP_DNS_TIMEOUT", default=5.0)

# Operations (§12). `/readyz` fails its workers check (TASKS_BACKEND=database only) when no
# worker renewed its heartbeat within this many seconds (workers renew it every 5 s).
CAUSELOOP_WORKER_STALE_SECONDS = env.int("CAUSELOOP_WORKER_STALE_SECONDS", default=60)
# `/metrics` answers a scraper sending `Authorization: Bearer <this>` (empty: no token), or one
# whose address is in these networks (the client's address behind CAUSELOOP_TRUSTED_PROXIES).
CAUSELOOP_METRICS_TOKEN = env.str("CAUSELOOP_METRICS_TOKEN", default="")
CAUSELOOP_METRICS_ALLOWED_IPS = [
    network.strip()
    for network in env.list("CAUSELOOP_METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])
    if network.strip()
]
for _network in CAUSELOOP_METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"CAUSELOOP_METRICS_ALLOWED_IPS: {_network!r} is not an address or a network"
        ) from None

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "allauth",
    "allauth.account",
    # Before django_tasks_db: its `db_worker` command is extended there (the webhook relay).
    "webhooks",
    "django_tasks_db",
    "causeloop",
    "directory",
    "memberships",
    "organizations",
    "onboarding",
]

MIDDLEWARE = [
    # /healthz, /readyz and /metrics, answered before the HTTPS redirect, the host check and the
    # tenancy transaction (why: causeloop.web.probes), and kept out of the request log and the
    # request metrics; then one log line per request (with its X-Request-ID) and the counters.
    "causeloop.web.probes.ProbeMiddleware",
    "causeloop.web.requestlog.RequestLogMiddleware",
    "causeloop.web.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Cross-origin calls to the API, from the origins CORS_ALLOWED_ORIGINS lists (none unless
    # set): their preflights are answered here, before anything asks who is calling.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Bad paths, query strings, forms and oversized bodies are refused before anything reads them.
    "causeloop.web.input_guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # PostgreSQL: one transaction per request with the tenant context row-level security keys on.
    "causeloop.web.middleware.TenancyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "causeloop.web.middleware.RequestContextMiddleware",
]

# N+1 detection (django-zeal), switched on for the whole test suite.
if env.bool("CAUSELOOP_ZEAL", default=False):
    INSTALLED_APPS.append("zeal")
    ZEAL_RAISE = True

ROOT_URLCONF = "causeloop.web.urls"
WSGI_APPLICATION = "causeloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "causeloop.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'causeloop.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)  # the embedded database's folder: not in a fresh clone
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Server-side parameter binding lets psycopg prepare the statements a process runs over
    # and over (every request's credential lookup, every provisioning insert).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["server_side_binding"] = env.bool("DATABASE_SERVER_SIDE_BINDING", default=True)
    # DATABASE_POOL_MODE=transaction: DATABASE_URL names a transaction pooler (PgBouncer with
    # pool_mode=transaction), which runs each transaction on whichever server connection is
    # free, shared with other clients; nothing may outlive a transaction. So no named prepared
    # statements (PgBouncer 1.18 cannot keep them), no server-side cursors (outside a
    # transaction `.iterator()` declares one WITH HOLD), and no session-level tenant context
    # (causeloop.core.tenancy refuses it): management commands and migrations connect to
    # PostgreSQL directly (or to a session-mode pool). `session` (the default): a connection
    # is ours for its lifetime (PostgreSQL directly, or a session-mode pool).
    DATABASES["default"]["POOL_MODE"] = env.str("DATABASE_POOL_MODE", default="session")
    if DATABASES["default"]["POOL_MODE"] not in {"session", "transaction"}:
        raise ImproperlyConfigured("DATABASE_POOL_MODE is `session` or `transaction`")
    _pooled = DATABASES["default"]["POOL_MODE"] == "transaction"
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = _pooled
    if _options["server_side_binding"]:
        # Statements run this many times on a connection are prepared (0/empty: never; never
        # through a transaction pooler either), and planned anew for their parameters at each
        # run (causeloop.core.db.plan_each_run: a generic plan is costed for an average tenant).
        _threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
        _options["prepare_threshold"] = None if _pooled else (_threshold or None)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate-limit counters (causeloop.core.ratelimits) and anything else cached, shared by every app
# process: Django's database cache (table `causeloop_cache`, made by `migrate`), or Redis when
# CACHE_URL names it (redis://…, with the `redis` package installed).
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://causeloop_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # Past this many rows the cache drops expired entries, then a third of the rest: keep it
    # far above the live counters, or filling the table would reset other people's.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 100_000)
# Keeps apart the keys of deployments (or test runs) that share one Redis (django-environ
# drops a `key_prefix` given in a redis:// URL).
if env.str("CACHE_KEY_PREFIX", default=""):
    CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX")
# Where sessions live: `db` (the django_session table), `cache` (the cache above: on Redis, N
# app processes share sessions without a database write per sign-in; a Redis that loses its
# data signs everyone out) or `cached_db` (read from the cache, written through to the table).
_session_store = env.str("SESSION_ENGINE", default="db")
if _session_store not in {"db", "cache", "cached_db"}:
    raise ImproperlyConfigured("SESSION_ENGINE is `db`, `cache` or `cached_db`")
SESSION_ENGINE = f"django.contrib.sessions.backends.{_session_store}"
# How many proxies the app stands behind, each appending to X-Forwarded-For. 0: the header is
# ignored and the connection's address is the client's (never trust it more than that).
CAUSELOOP_TRUSTED_PROXIES = env.int("CAUSELOOP_TRUSTED_PROXIES", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = CAUSELOOP_TRUSTED_PROXIES

AUTH_USER_MODEL = "memberships.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# django-allauth: email is the login, there is no username.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
# An account signs in once its address is verified (the mailed link, or an invitation to it).
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True  # only in the browser that signed up
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Choosing a password with a mailed link (a reset, or an onboarded owner's welcome) signs that
# browser in; every other session still ends (memberships.signals).
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_FORMS = {
    "signup": "memberships.forms.SignupForm",
    "change_password": "memberships.forms.ChangePasswordForm",
}
ACCOUNT_LOGOUT_ON_GET = False
# Every rate limit, the pages' and the API's, and our client address (causeloop.core.ratelimits).
ACCOUNT_RATE_LIMITS = RATE_LIMITS
ACCOUNT_ADAPTER = "causeloop.web.signin.AccountAdapter"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "causeloop" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without a collected STATIC_ROOT (development, tests) WhiteNoise serves from the apps' folders,
# so its warning about the missing directory says nothing useful.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
# Uploaded logos are served by the app unless a web server or bucket does it (SERVE_MEDIA=false).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# A JSON or form body above this is refused with 413 (web.parsers, web.input_guard).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A multipart upload (a logo, at most 1 MB, and its form) above this is refused with 413 from its
# Content-Length, before it is read.
CAUSELOOP_MAX_UPLOAD_BYTES = 1_048_576 + 262_144

_email = env.email_url("EMAIL_URL", default="consolemail://")
# Mail goes to the console until EMAIL_URL names a real server (the documented default), so the
# deploy check's "development-only backend" error is expected only while EMAIL_URL is unset.
SILENCED_SYSTEM_CHECKS = [] if "EMAIL_URL" in env.ENVIRON else ["mail.E001"]
_email_options = {
    "django.core.mail.backends.smtp.EmailBackend": {
        "host": _email.get("EMAIL_HOST"),
        "port": _email.get("EMAIL_PORT"),
        "username": _email.get("EMAIL_HOST_USER"),
        "password": _email.get("EMAIL_HOST_PASSWORD"),
        "use_tls": _email.get("EMAIL_USE_TLS", False),
        "use_ssl": _email.get("EMAIL_USE_SSL", False),
        "timeout": 10,
    },
    "django.core.mail.backends.filebased.EmailBackend": {
        "file_path": _email.get("EMAIL_FILE_PATH")
    },
}.get(_email["EMAIL_BACKEND"], {})
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Causeloop <no-reply@causeloop.local>")

TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[env.str("TASKS_BACKEND", default="immediate")],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "causeloop.web.authentication.BearerTokenAuthentication",
        "causeloop.web.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, refused when too large, too deep, or holding NUL characters or lone surrogates.
    "DEFAULT_PARSER_CLASSES": ["causeloop.web.parsers.GuardedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "causeloop.web.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "causeloop.web.errors.api_exception_handler",
    "DEFAULT_METADATA_CLASS": "causeloop.web.api.conventions.Metadata",
    "DEFAULT_SCHEMA_CLASS": "causeloop.web.api.schema.AutoSchema",
    # Throttles are the policy's (causeloop.web.throttling); DRF's own address rule matches ours.
    "NUM_PROXIES": CAUSELOOP_TRUSTED_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# CORS (django-cors-headers), for the API only and off by default: browsers on the origins
# listed may call it. Credentials go in headers (a token, an API key), never cookies, so no
# cookie crosses origins; the headers a client reads are exposed.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (
    *cors_default_headers,
    "x-api-key",
    "idempotency-key",
    "if-match",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Idempotent-Replayed",
    "X-Request-ID",
]

# The OpenAPI document (drf-spectacular): its own module, `causeloop/openapi_settings.py`.
SPECTACULAR_SETTINGS = OPENAPI_SETTINGS

# Security: safe by default, relaxed only when DEBUG is on.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# One JSON line per request (causeloop.web.requestlog) and per task (causeloop.core.tasklog);
# Django's, gunicorn's and every library's records as JSON lines too (causeloop.core.logs).
# LOG_FORMAT=console renders them for a developer's terminal instead.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT is one of {', '.join(LOG_FORMATS)}")
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), fmt=LOG_FORMAT)
configure_structlog()

# Absolute links in emails (invitations, password reset) start with this; and the API
# document's server, when `manage.py spectacular` writes it (causeloop.web.api.schema).
CAUSELOOP_BASE_URL = env.str("CAUSELOOP_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
