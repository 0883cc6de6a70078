"""Newsdesk settings: one module, read from the environment.

Environment:
  DJANGO_SECRET_KEY      required unless DJANGO_DEBUG is on
  DJANGO_DEBUG           "1"/"true" turns debug on; off by default
  DJANGO_ALLOWED_HOSTS   comma-separated; defaults to localhost names
  DATABASE_URL           postgres://...; unset = the embedded PostgreSQL under .pgdata/
  NEWSDESK_DATA_DIR      where the embedded PostgreSQL keeps its files (default .pgdata/)
  DJANGO_SECURE          "1" (default when debug is off): HTTPS-only cookies, HSTS, redirects
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from newsdesk.env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # One line and exit status 1, as for a malformed DATABASE_URL below.
        raise SystemExit(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(for local work, `make run` and `make test` set what they need)."
        )
    SECRET_KEY = "django-insecure-local-debug-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    # Before whitenoise: its runserver starts while the database is down (management/).
    "newsdesk",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "axes",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "newsdesk.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

AUTHENTICATION_BACKENDS = [
    "newsdesk.auth_backends.LoginThrottleBackend",  # first: refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsdesk.urls"
WSGI_APPLICATION = "newsdesk.wsgi.application"

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
            ],
        },
    },
]


def _database_from_url(url: str) -> dict:
    """DATABASE_URL as Django settings; a malformed one stops the process with one line.

    A traceback through Django's settings machinery hides the one fact that matters, so
    this raises SystemExit, whose message Python prints alone (exit status 1), for
    manage.py, gunicorn workers and the WSGI module alike. The URL itself is never
    echoed: it holds the password.
    """
    expected = "expected postgres://USER:PASSWORD@HOST:PORT/NAME, special characters %-encoded"
    try:
        database = dj_database_url.parse(url, conn_max_age=60)
    except dj_database_url.UnknownSchemeError:
        problem = f"unknown scheme {url.split('://', 1)[0]!r}" if "://" in url else "not a URL"
        raise SystemExit(f"DATABASE_URL is malformed: {problem} ({expected}).") from None
    except ValueError:
        raise SystemExit(f"DATABASE_URL is malformed ({expected}).") from None
    if "postgresql" not in database["ENGINE"] and "postgis" not in database["ENGINE"]:
        raise SystemExit(f"DATABASE_URL must name a PostgreSQL database ({expected}).")
    if not database["NAME"]:
        raise SystemExit(f"DATABASE_URL names no database ({expected}).")
    return database


DATABASE_URL = env_str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": _database_from_url(DATABASE_URL)}
else:
    from newsdesk.embedded_db import embedded_database_settings

    EMBEDDED_DATA_DIR = Path(env_str("NEWSDESK_DATA_DIR", default=str(BASE_DIR / ".pgdata")))
    DATABASES = {"default": embedded_database_settings(EMBEDDED_DATA_DIR)}

# --- Read replicas (newsdesk/db_router.py) --------------------------------------------
# DATABASE_REPLICA_URLS: comma-separated postgres:// URLs of streaming replicas. Each
# becomes DATABASES["replica_N"]; ReplicaRouter then sends reads to a random replica and
# writes, migrations, the admin, transactions and reads after a write to "default".
# Tests mirror "default" (no replica needed). Unset: one database, no router, as before.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", default=[])
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    DATABASES[f"replica_{_number}"] = {
        **_database_from_url(_url),
        "TEST": {"MIRROR": "default"},
    }
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["newsdesk.db_router.ReplicaRouter"]
# --- end of read replicas -------------------------------------------------------------

# No JIT compiling: it pays off for long analytic queries, while a search finishes in
# less time than compiling takes; at archive scale the planner's cost estimates pass
# jit_above_cost and PostgreSQL (which enables JIT by default) would compile anyway.
for _database in DATABASES.values():
    _options = _database.setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()

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
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names so browsers may cache forever; whitenoise serves them.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Largest file the importer accepts, and the largest admin upload Django buffers.
NEWSDESK_IMPORT_MAX_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security. Debug is off by default, so these are the defaults too; `DJANGO_SECURE=0`
# serves plain HTTP without debug (a local gunicorn, the load test).
SECURE = env_bool("DJANGO_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Pages need nothing from elsewhere and no inline code: article text can never run.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container healthcheck speaks plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Login throttling (django-axes): 5 failed logins for one username from one IP address
# lock that pair out for 15 minutes; a successful login clears its failures. Keyed on
# the pair, so an attacker elsewhere cannot lock an editor out of the office. Failures
# live in the database, shared by every gunicorn worker. Behind a reverse proxy
# REMOTE_ADDR is the proxy's address: set AXES_CLIENT_IP_CALLABLE (or install
# django-ipware) to read the client's address from the proxy's header.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_MESSAGE = (
    "Too many failed logins: this account is locked on this connection for 15 minutes."
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", default="WARNING")},
}
