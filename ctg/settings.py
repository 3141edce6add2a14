"""Settings for ctg. Everything that differs between machines comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# Without DEBUG the key must come from the environment: it stays empty here, so management
# commands that need no key (migrate, makemigrations) still run, while the WSGI/ASGI entry
# points refuse to serve (see `require_secret_key`) and Django refuses to sign anything.
SECRET_KEY = os.environ.get("SECRET_KEY", "") or ("dev-only-insecure-key-do-not-use-in-production" if DEBUG else "")


def require_secret_key():
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY doit être défini quand DEBUG est désactivé.")


ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "axes",
    "ctg",
    "conventions",
    "actions",
    "governance",
    "evaluation",
    "documents",
    "agenda",
    "exchange",
    "people",
    "portfolio",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ctg.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "ctg.middleware.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A write that waited too long for SQLite's lock: « réessayez » (503), not a 500.
    "ctg.middleware.DatabaseBusyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as axes asks: turns a locked-out login into its answer (ctg.login.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ctg.urls"
WSGI_APPLICATION = "ctg.wsgi.application"

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
                "people.context_processors.navigation",
                "ctg.pagecache.context",
            ],
            "builtins": ["ctg.templatetags.ctg_tags"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Each gunicorn worker keeps its connection from one request to the next: opening one costs
        # PostgreSQL a process, about 10 ms a page (bench/scale.py). Not in development, where
        # runserver serves each request on a new thread.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0" if DEBUG else "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A small office server: WAL lets readers work during a write, IMMEDIATE takes the write
    # lock at BEGIN so concurrent writers queue instead of failing, the timeout makes them wait.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: a locked-out login is refused before ModelBackend hashes its password.
    "ctg.login.ThrottledBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portfolio:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, ctg/login.py): LOGIN_FAILURE_LIMIT failed logins for one
# username, or from one address, lock logins out for LOGIN_COOLOFF_MINUTES. A refused try during
# the lock writes nothing and does not extend it; a successful login clears the failures.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
# « Mot de passe oublié » requests per hour, for one e-mail typed and from one address (ctg/login.py).
PASSWORD_RESET_LIMIT_PER_EMAIL = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_EMAIL", "3"))
PASSWORD_RESET_LIMIT_PER_ADDRESS = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "ctg.login.lockout_response"
AXES_CLIENT_IP_CALLABLE = "ctg.login.client_ip"

# Page cache (ctg/pagecache.py): pages kept under the revision tokens of what they show, so never
# older than the data. Off by default in development, where templates change under the cache.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "0" if DEBUG else "600"))
# Each worker keeps its own pages in memory (a page of 60 fiches weighs about 200 KB): correct with
# several servers too, since a key holds the tokens read from the database at each request.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PAGE_CACHE_ENTRIES", "300"))},
    }
}

# Revision stamps (ctg/revisions.py) behind the page cache (ctg/pagecache.py): the root whose pages
# are cached, the apps whose rows stamp it through their foreign keys, the tables every root shows
# and the columns whose change stamps root 0 (a new row shows nowhere until a root's row names it),
# and the tables that stamp nothing.
REVISION_ROOT = "conventions.Convention"
REVISION_APPS = ["conventions", "actions", "governance", "evaluation", "documents"]
REVISION_SHARED = {
    "conventions.Organisation": ["name", "kind", "code", "population"],
    "auth.User": ["username", "first_name", "last_name", "email", "is_active"],
}
REVISION_UNLINKED = [
    "conventions.Membership",  # who sees what: the cache key holds the user's CTGs and rights
    "governance.CalendarToken",
    "governance.Reminder",
]
AXES_DISABLE_ACCESS_LOG = True  # successful logins are not kept (addresses are personal data)
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # ctg/admin.py shows the failed logins only
# Proxies in front of the application that append the client's address to X-Forwarded-For (a
# proxy HTTPS in production: 1); 0 reads the address of the connection itself.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Kept PDFs (`documents.storage`): MEDIA_ROOT/pdf/ by default; with several web servers, an
    # object store they share (django-storages) in their place.
    "documents": {"BACKEND": "documents.storage.KeptFileStorage"},
    # Signed originals, scanned PDFs the Caf deposits (`conventions.originals`): MEDIA_ROOT/originaux/
    # by default, served by the application only; an object store (django-storages) in production.
    "originals": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Large PDFs are laid out by a separate `manage.py render_document` process ("process"), or in
# the requesting process ("inline": tests).
DOCUMENT_WORKER = os.environ.get("DOCUMENT_WORKER", "process")
# Limits of each worker process (`documents.workers`): wall-clock seconds per document, and the
# address space of the process (a layout of 300 pages needs about 300 Mo).
DOCUMENT_TIME_LIMIT = int(os.environ.get("DOCUMENT_TIME_LIMIT_SECONDS", "600"))
DOCUMENT_MEMORY_LIMIT = int(os.environ.get("DOCUMENT_MEMORY_LIMIT_MB", "1024")) * 1024 * 1024
# The largest signed original (a scanned PDF) accepted, in bytes; SIGNED_ORIGINAL_MAX_MB in Mo.
SIGNED_ORIGINAL_MAX_SIZE = int(os.environ.get("SIGNED_ORIGINAL_MAX_MB", "20")) * 1024 * 1024

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ctg@localhost")
# With EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend: the SMTP server (invitations,
# password resets, reminders).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10

# A session ends after SESSION_IDLE_MINUTES without a request (`ctg.middleware.SessionIdleMiddleware`
# pushes the end back as the user works), and when the browser closes.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# An invitation's link (`people`) opens an account during INVITATION_VALIDITY_DAYS, once.
INVITATION_VALIDITY = timedelta(days=int(os.environ.get("INVITATION_VALIDITY_DAYS", "7")))
# A password reset link, as long (Django's PASSWORD_RESET_TIMEOUT, in seconds).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_HOURS", "24")) * 3600

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_below_500": {"()": "ctg.logs.OneLineBelow500"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # A refusal (403) or a bad request (400) is one line, without the traceback Django adds.
        "django.request": {"filters": ["one_line_below_500"]},
        # Axes logs each login at INFO; its warnings (failures, lockouts) stay.
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every page it lays out: documents.queue counts them, the log does not.
        "weasyprint.progress": {"level": "WARNING", "propagate": False},
    },
}
