"""Settings: SQLite under var/ by default, PostgreSQL when DATABASE_URL is set.

Safe by default: debug output only when a developer sets CLEARINGHOUSE_DEBUG=1. The embedded
default keeps a secret key of its own under var/; CLEARINGHOUSE_PRODUCTION=1 is the one switch
for a deployment (docs/deployment.md): it refuses to start without CLEARINGHOUSE_SECRET_KEY and
CLEARINGHOUSE_ALLOWED_HOSTS, and turns on HTTPS-only cookies, HSTS and short sessions.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("CLEARINGHOUSE_VAR", Path.cwd() / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = os.environ.get("CLEARINGHOUSE_PRODUCTION", "0") == "1"
DEBUG = os.environ.get("CLEARINGHOUSE_DEBUG", "0") == "1" and not PRODUCTION


def _kept(name: str) -> str:
    """A random key made once and kept in var/``name``, readable by its owner alone."""
    kept = VAR_DIR / name
    if not kept.exists():  # written whole, then linked: a second process reads one key or none
        draft = VAR_DIR / f"{name}.{os.getpid()}"
        draft.touch(mode=0o600)
        draft.write_text(secrets.token_urlsafe(64))
        try:
            os.link(draft, kept)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return kept.read_text().strip()


def _secret_key() -> str:
    """CLEARINGHOUSE_SECRET_KEY; else (not in production) one made once and kept in var/."""
    key = os.environ.get("CLEARINGHOUSE_SECRET_KEY", "")
    if key or PRODUCTION:
        if len(key) < 50:
            raise ImproperlyConfigured("CLEARINGHOUSE_SECRET_KEY must be set to at least 50 "
                                       "random characters in production.")
        return key
    return _kept("secret_key")


SECRET_KEY = _secret_key()
# The key of the history chain's HMAC (core/chain.py, docs/audit.md): outside the database, so
# that write access to the database alone cannot recompute the chain. Its own key, not
# SECRET_KEY: rotating the session key must not break the history.
AUDIT_KEY = os.environ.get("CLEARINGHOUSE_AUDIT_KEY", "") or _kept("audit_key")
ALLOWED_HOSTS = [h for h in os.environ.get(
    "CLEARINGHOUSE_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
).split(",") if h]
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("CLEARINGHOUSE_ALLOWED_HOSTS must name the hosts served.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "clearinghouse.security",
    "clearinghouse.core",
    "clearinghouse.parties",
    "clearinghouse.catalogue",
    "clearinghouse.needs",
    "clearinghouse.pledges",
    "clearinghouse.logistics",
    "clearinghouse.planning",
    "clearinghouse.shipments",
    "clearinghouse.reports",
    "clearinghouse.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session entered a second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session that owes its second factor reaches only the sign-in pages (parties).
    "clearinghouse.parties.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "clearinghouse.core.web.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clearinghouse.urls"
WSGI_APPLICATION = "clearinghouse.wsgi.application"
AUTH_USER_MODEL = "parties.User"

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
                "clearinghouse.core.web.page",
                "clearinghouse.core.web.notices",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The web server and the worker write concurrently. Transactions take the write lock when
    # they begin (IMMEDIATE), so a writer waits up to `timeout` instead of failing at once
    # with "database is locked" when a read turns into a write; WAL lets reads go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    })
    DATABASES["default"]["TEST"] = {"NAME": None}

AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in path (page, admin, /api/token/, the API's session login)
    # once a username has failed AXES_FAILURE_LIMIT times from one address.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Scripts only from our own files (no inline script, no eval); inline style attributes stay
# allowed for the bars' widths and htmx's indicator style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "worker-src": [SELF, "blob:"],  # ReDoc
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The page for people, a JSON refusal with Retry-After for the API (its schema says so).
AXES_LOCKOUT_CALLABLE = "clearinghouse.parties.lockout.lockout_response"

# A second factor (TOTP, with recovery codes) is required of coordinators and administrators
# (parties/second_factor.py): always in production, and wherever CLEARINGHOUSE_REQUIRE_2FA=1;
# the embedded demo leaves it off. Anyone who set one up is asked for it in any case.
CLEARINGHOUSE_REQUIRE_2FA = (
    PRODUCTION or os.environ.get("CLEARINGHOUSE_REQUIRE_2FA", "0") == "1"
)
OTP_TOTP_ISSUER = "Clearinghouse"
# The admin never shows a device's secret key (its pages for devices are not registered).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from here after collectstatic
# Outside production WhiteNoise serves the apps' static files as they are (no collectstatic,
# and no DEBUG needed for `make run`).
WHITENOISE_USE_FINDERS = not PRODUCTION
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "clearinghouse.parties.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "clearinghouse.core.pagination.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "clearinghouse.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Sorting is declared in each filterset (`ordering`), never on arbitrary fields: sorting
    # by an undeclared field could reveal an anonymous donor.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "clearinghouse.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "clearinghouse.core.api.exception_handler",
    # Rate limits per client: signed-in users by account, anonymous callers (the token
    # endpoint) by address; over the limit answers 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("CLEARINGHOUSE_ANON_RATE", "30/minute"),
        "user": os.environ.get("CLEARINGHOUSE_USER_RATE", "1200/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Clearinghouse API",
    "DESCRIPTION": "Needs, pledges, stock positions and the parties that hold them. "
    "Every list and detail shows only what the caller may see.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClassificationEnum": "clearinghouse.security.roles.Classification",
        "NeedStateEnum": "clearinghouse.needs.models.NeedState",
        "PlanKindEnum": "clearinghouse.planning.models.PlanKind",
        "PlanRuleKindEnum": "clearinghouse.planning.models.RuleKind",
        "ShipmentStateEnum": "clearinghouse.shipments.models.ShipmentState",
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Reverting from the admin would write around the services' rules and version checks.
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# API keys live this long unless their owner asks for fewer days (parties/tokens.py).
CLEARINGHOUSE_TOKEN_DAYS = int(os.environ.get("CLEARINGHOUSE_TOKEN_DAYS", "30"))

# Long jobs (plan solves) go to a queue in the database; `clearinghouse worker` runs them. A
# plan whose worker sent no heartbeat for the lease is recovered (planning/tasks.py).
CLEARINGHOUSE_PLAN_LEASE_S = float(os.environ.get("CLEARINGHOUSE_PLAN_LEASE_S", "60"))
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Notices (core/notices, docs/notices.md): what each may point to, and the rows of that model a
# reader sees (a dotted user -> queryset; None: the model's visible_to). A notice is shown only
# while its record is among them for the reader.
CLEARINGHOUSE_NOTICE_RECORDS = {
    "needs.need": None,
    "pledges.pledge": None,
    "planning.plan": "clearinghouse.planning.queries.plans_for",
    "shipments.shipment": None,
    "parties.organisation": None,
}
# E-mail of new notices, off by default; the mail server is Django's (EMAIL_HOST...).
CLEARINGHOUSE_NOTIFY_EMAIL = os.environ.get("CLEARINGHOUSE_NOTIFY_EMAIL", "0") == "1"
CLEARINGHOUSE_SITE_URL = os.environ.get("CLEARINGHOUSE_SITE_URL", "")  # links in e-mails
EMAIL_HOST = os.environ.get("CLEARINGHOUSE_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("CLEARINGHOUSE_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CLEARINGHOUSE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CLEARINGHOUSE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("CLEARINGHOUSE_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("CLEARINGHOUSE_EMAIL_FROM", "clearinghouse@localhost")

if PRODUCTION:
    # Behind a TLS-terminating load balancer that sets X-Forwarded-Proto (docs/deployment.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_AGE = 8 * 3600  # a working day
    SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Movement data (docs/shipments.md): a shipment verified this many days ago falls back to its
# own classification and releasability; until then only the parties to its movement see it.
CLEARINGHOUSE_MOVEMENT_EMBARGO_DAYS = int(
    os.environ.get("CLEARINGHOUSE_MOVEMENT_EMBARGO_DAYS", "30"))
