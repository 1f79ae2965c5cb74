"""Settings of Stadtkern, read from the environment only.

Every value comes from an environment variable (or, for secrets, from a file named
by ``<NAME>_FILE``). A fresh checkout runs with none set: SQLite under ``var/``,
a generated secret key, debug off. A bad value stops the start with a message that
names the variable.
"""

import importlib.util
import os
import re
import secrets
import tempfile
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def _source_root() -> Path:
    # In a checkout (src layout) var/ lives next to pyproject.toml; installed
    # elsewhere, it lives in the working directory.
    root = PACKAGE_DIR.parent.parent
    return root if (root / "pyproject.toml").exists() else Path.cwd()


def env(name: str, default: str | None = None) -> str | None:
    """Return the variable, or the content of the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false).")


def envint(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} must be at least {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={value!r} must be at most {maximum}.")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


STADTKERN_ENV = env("STADTKERN_ENV", "development")
if STADTKERN_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"STADTKERN_ENV={STADTKERN_ENV!r} is unknown (use development or production)."
    )
PRODUCTION = STADTKERN_ENV == "production"


def _var_dir() -> Path:
    given = env("STADTKERN_VAR_DIR")
    try:
        return (Path(given).expanduser() if given else _source_root() / "var").resolve()
    except (OSError, RuntimeError) as exc:  # a loop of links, a name too long
        raise ImproperlyConfigured(f"STADTKERN_VAR_DIR={given!r} cannot be used: {exc}") from None


VAR_DIR = _var_dir()


def _folder(folder: Path) -> Path:
    """Create one of the instance's folders: one that cannot be made is the setting's fault."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ImproperlyConfigured(f"STADTKERN_VAR_DIR: {folder} is not a folder.") from None
    except OSError as exc:
        raise ImproperlyConfigured(
            f"STADTKERN_VAR_DIR: {folder} cannot be created ({exc.strerror})."
        ) from None
    return folder


def _scheme(name: str, url: str) -> str:
    """The scheme of a URL from the environment variable ``name``."""
    try:
        return urlsplit(url).scheme
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} cannot be read: {exc}") from None


def _secret(name: str, file_name: str) -> str:
    key = env(name)
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured(f"{name} must be at least 32 characters long.")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} (or {name}_FILE) is required when STADTKERN_ENV=production."
        )
    # The embedded default keeps one generated key in var/, so that sessions survive
    # a restart without anybody having to configure anything. The key is written to a
    # file of its own and linked into place whole: processes starting at once all read
    # the one key that was linked first, never a file still empty.
    key_file = VAR_DIR / file_name
    try:
        if not key_file.exists():
            with tempfile.NamedTemporaryFile("w", dir=_folder(VAR_DIR), delete=False) as new:
                new.write(secrets.token_urlsafe(50))  # readable by the owner only (mkstemp)
            try:
                os.link(new.name, key_file)
            except FileExistsError:
                pass  # another process was first: its key counts
            finally:
                os.unlink(new.name)
        key = key_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{key_file} cannot be used ({exc.strerror}).") from None
    if len(key) < 32:
        raise ImproperlyConfigured(
            f"{key_file} holds no key of at least 32 characters: remove it to have one made."
        )
    return key


SECRET_KEY = _secret("SECRET_KEY", "secret_key")
# Derives the keys that let a voter find and change their own ballot; kept apart from
# SECRET_KEY so that it can be held by fewer people (see participation/models.py).
BALLOT_SECRET = _secret("BALLOT_SECRET", "ballot_secret")
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
for origin in CSRF_TRUSTED_ORIGINS:
    if _scheme("CSRF_TRUSTED_ORIGINS", origin) not in {"http", "https"}:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entry {origin!r} needs http:// or https://."
        )


def _database() -> dict:
    import dj_database_url

    url = env("DATABASE_URL")
    if not url:
        url = f"sqlite:///{_folder(VAR_DIR) / 'stadtkern.sqlite3'}"
    scheme = _scheme("DATABASE_URL", url)
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite:/// or postgres://)."
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while one writer writes; IMMEDIATE transactions and a
        # busy timeout turn "database is locked" into a short wait.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
        }
        # Tests run on a file too, not on Django's shared in-memory database, whose
        # locks fail at once where a file's wait: concurrent writers behave as in use.
        config["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"stadtkern-test-{os.getpid()}.sqlite3")
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
        # PostgreSQL's JIT compiles queries whose estimated cost is high, which costs about
        # 100 ms even when the query itself takes a few (an hour's aggregates of a year in
        # a table of millions): the application's short queries run without it.
        # A request waits for a row lock at most DATABASE_LOCK_TIMEOUT seconds, then
        # answers 503 with Retry-After (core/middleware.py) instead of hanging.
        lock_timeout = envint("DATABASE_LOCK_TIMEOUT", 20, minimum=1)
        config.setdefault("OPTIONS", {})["options"] = (
            f"-c jit=off -c lock_timeout={lock_timeout * 1000}"
        )
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "stadtkern.core",
    "stadtkern.strategy",
    "stadtkern.data",
    "stadtkern.sensors",
    "stadtkern.participation",
    "stadtkern.indicators",
    "stadtkern.steering",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "stadtkern.core.middleware.SecurityHeadersMiddleware",
    "stadtkern.core.middleware.BusyDatabaseMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "stadtkern.core.middleware.ApiLanguageMiddleware",
    "stadtkern.core.pagecache.AnonymousPageCache",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stadtkern.core.middleware.RememberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "stadtkern.urls"
WSGI_APPLICATION = "stadtkern.wsgi.application"

# The API's own documentation page (Swagger UI) comes with django-ninja. Its templates and
# assets are found by path instead of listing "ninja" as an app: an app is imported when
# Django starts, and ninja with pydantic would add a tenth of a second to every command.
NINJA_DIR = Path(importlib.util.find_spec("ninja").submodule_search_locations[0])

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stadtkern.core.context_processors.site",
            ],
        },
    },
]

AUTH_USER_MODEL = "core.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
# Every login path counts its attempts first (core/throttle.py), then checks passwords.
AUTHENTICATION_BACKENDS = ["stadtkern.core.throttle.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOGIN_FAILURE_WINDOW = envint("LOGIN_FAILURE_WINDOW", 900, minimum=1)
LOGIN_ADDRESS_LIMIT = envint("LOGIN_ADDRESS_LIMIT", 50, minimum=1)  # over all names
# Per connection and hour: wrong voting codes, and answers to one survey without an
# account (a town hall's kiosk or a shared connection sends several honest ones).
VOTING_CODE_FAILURE_LIMIT = envint("VOTING_CODE_FAILURE_LIMIT", 20, minimum=1)
SURVEY_ANSWER_LIMIT = envint("SURVEY_ANSWER_LIMIT", 30, minimum=1)

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Europe/Berlin")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"TIME_ZONE={TIME_ZONE!r} is no time zone (e.g. Europe/Berlin)."
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static", NINJA_DIR / "static"]
_folder(STATIC_ROOT)
# Assets are served by the instance itself (no CDN); WhiteNoise reads them straight
# from the apps, so no collectstatic step is needed to run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Browsers keep to HTTPS for a year once they have seen the instance (0 turns it off).
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000)

# `stadtkern serve`: open connections at most, seconds a silent connection stays open,
# and the address of a reverse proxy whose X-Forwarded-For/-Proto headers are believed.
SERVE_CONNECTION_LIMIT = envint("SERVE_CONNECTION_LIMIT", 1000, minimum=10)
SERVE_IDLE_TIMEOUT = envint("SERVE_IDLE_TIMEOUT", 30, minimum=1)


def _available_cores() -> int:
    """The cores this process may use: those it is pinned to, and no more than a
    container's CPU quota (cgroup v2 ``cpu.max``), not all the host has."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores or 1, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores or 1)


# Server processes of `stadtkern serve`: one per core, so that every core answers requests
# (Python runs one thread at a time per process); each thread may hold a database
# connection, which `serve` checks against PostgreSQL's max_connections.
SERVE_PROCESSES = envint("SERVE_PROCESSES", _available_cores(), minimum=1)
TRUSTED_PROXY = env("TRUSTED_PROXY", "") or ""

# Long work runs as jobs in `stadtkern worker` (core/jobs.py): django-tasks with its
# database backend, so the queue needs no server of its own on either database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# How often the worker checks whether indicators' sources changed, and recomputes all.
JOBS_SCHEDULE_SECONDS = envint("STADTKERN_JOBS_SCHEDULE_SECONDS", 60, minimum=5)
INDICATORS_RECOMPUTE_HOURS = envint("STADTKERN_INDICATORS_RECOMPUTE_HOURS", 24, minimum=1)

# The licence under which the indicators' published values appear in the DCAT-AP.de
# catalogue (an identifier of the DCAT-AP.de licence list).
INDICATORS_LICENSE = env("STADTKERN_INDICATORS_LICENSE") or "dl-by-de/2.0"
# The font of charts rendered as PNG (indicators' chart downloads).
CHART_FONT = env("STADTKERN_CHART_FONT") or "DejaVu Sans"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Visitors' pages (core/pagecache.py), in each server process's memory: kept at most
# PAGE_CACHE_SECONDS (what shows sensor readings, or depends on the time, is at most that
# old; every other change ends it at once; 0 turns the cache off), in at most
# PAGE_CACHE_MB together. The data version is read from the database at most every
# PAGE_VERSION_SECONDS.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 30, minimum=0)
PAGE_CACHE_BYTES = envint("PAGE_CACHE_MB", 64, minimum=1) * 2**20
PAGE_VERSION_SECONDS = 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": (env("LOG_LEVEL") or "WARNING").upper()},
}
if LOGGING["root"]["level"] not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOGGING['root']['level']!r} is unknown (use DEBUG, INFO, WARNING, ERROR"
        " or CRITICAL)."
    )

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# Urban data platform: upload limits (bytes), the SQL endpoint's limits, the base map.
DATASTORE_UPLOAD_DIR = VAR_DIR / "uploads"
# How long an uploaded file is kept for its preview's commit (days since its last upload).
DATASTORE_UPLOAD_KEEP_DAYS = envint("DATASTORE_UPLOAD_KEEP_DAYS", 7, minimum=1)
DATASTORE_MAX_UPLOAD = envint("DATASTORE_MAX_UPLOAD_MB", 200, minimum=1) * 2**20
DATASTORE_MAX_UNPACKED = envint("DATASTORE_MAX_UNPACKED_MB", 1000, minimum=1) * 2**20
DATASTORE_MAX_ZIP_RATIO = envint("DATASTORE_MAX_ZIP_RATIO", 100, minimum=2)
# Workbooks: the most cells a sheet may span, and the memory and CPU time of the child
# process that reads it (readers.read_workbook): a hostile file kills only that child.
DATASTORE_MAX_COLUMNS = envint("DATASTORE_MAX_COLUMNS", 1000, minimum=1)
DATASTORE_MAX_CELLS = envint("DATASTORE_MAX_CELLS", 20_000_000, minimum=1)
DATASTORE_PARSE_MEMORY_MB = envint("DATASTORE_PARSE_MEMORY_MB", 2048, minimum=64)
DATASTORE_PARSE_SECONDS = envint("DATASTORE_PARSE_SECONDS", 300, minimum=1)
DATASTORE_SQL_TIMEOUT_MS = envint("DATASTORE_SQL_TIMEOUT_MS", 5000, minimum=100)
DATASTORE_SQL_MAX_ROWS = envint("DATASTORE_SQL_MAX_ROWS", 10000, minimum=1)
DATASTORE_SQL_MAX_MB = envint("DATASTORE_SQL_MAX_MB", 20, minimum=1)
# User SQL running at once on this instance (all processes, on PostgreSQL): what one query
# may hold of memory and CPU is bounded, not small, so the sum is bounded too.
DATASTORE_SQL_CONCURRENCY = envint("DATASTORE_SQL_CONCURRENCY", 2, minimum=1)
# PostgreSQL role (no login) that user SQL runs as: it may read dataset tables only.
DATASTORE_SQL_ROLE = env("DATASTORE_SQL_ROLE", "stadtkern_sql_reader") or "stadtkern_sql_reader"
# A tile URL such as https://tiles.example.org/{z}/{x}/{y}.png; empty: shapes on a plain
# background, so that no visitor data goes to a third party unless the operator decides.
MAP_TILE_URL = env("MAP_TILE_URL", "") or ""
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "") or ""
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 2**20

# E-mail (invitations): an SMTP server when EMAIL_HOST is set; otherwise the mails are
# written to the server's console, where the operator (or a demo) reads the link.
EMAIL_HOST = env("EMAIL_HOST", "") or ""
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "stadtkern@localhost") or "stadtkern@localhost"
INVITATION_DAYS = envint("INVITATION_DAYS", 7, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 2**20

# Public address of the instance, for absolute links in the DCAT-AP.de catalogue and
# OGC API documents; taken from the request when empty.
SITE_URL = (env("STADTKERN_SITE_URL", "") or "").rstrip("/")
CATALOG_TITLE = env("CATALOG_TITLE", "Stadtkern – Urbane Datenplattform") or ""
CATALOG_DESCRIPTION = (
    env("CATALOG_DESCRIPTION", "Offene Daten der Kommunen auf dieser Stadtkern-Instanz.") or ""
)
CATALOG_PUBLISHER = env("CATALOG_PUBLISHER", "Stadtkern") or ""

# SensorThings: the most entities one response (with every $expand level and every
# part of a $batch) may carry; larger pages are cut and continue by their nextLink.
STA_MAX_ENTITIES = envint("STA_MAX_ENTITIES", 100_000, minimum=100)
# ... and the longest its queries may run (a $filter across several navigations can
# otherwise keep the database busy for minutes).
# (at most what PostgreSQL's statement_timeout takes, about 24 days)
STA_QUERY_TIMEOUT_MS = envint("STA_QUERY_TIMEOUT_MS", 10_000, minimum=100, maximum=2**31 - 1)

# MQTT (SensorThings MQTT extension): the broker the `stadtkern mqtt` worker bridges,
# e.g. mqtt://127.0.0.1:1883; empty: no MQTT, and the web process records no
# notifications for it. The worker logs in with MQTT_USERNAME / MQTT_PASSWORD.
MQTT_URL = env("MQTT_URL", "") or ""
# mqtts:// checks the broker's certificate against this file of CA certificates (PEM);
# empty: against the system's.
MQTT_CA_FILE = env("MQTT_CA_FILE", "") or ""
MQTT_USERNAME = env("MQTT_USERNAME", "") or ""
# The worker's own password, fixed (MQTT_PASSWORD, or a file of its own by the *_FILE
# convention): it never changes when the broker's files are rewritten.
MQTT_PASSWORD = env("MQTT_PASSWORD", "") or ""
if re.match(r"[^:\n]+:\$[0-9]+\$", MQTT_PASSWORD) or "\n" in MQTT_PASSWORD.strip():
    # What a Mosquitto password file holds (user:$7$...), or several lines: the worker
    # was given the broker's file instead of a password of its own.
    raise ImproperlyConfigured(
        "MQTT_PASSWORD (or the file MQTT_PASSWORD_FILE names) holds a Mosquitto password "
        "file, not the worker's own password. Mosquitto's files are "
        "MQTT_BROKER_PASSWORD_FILE and MQTT_BROKER_ACL_FILE."
    )
if os.environ.get("MQTT_ACL_FILE"):
    raise ImproperlyConfigured(
        "MQTT_ACL_FILE is now MQTT_BROKER_ACL_FILE (and the broker's password file "
        "MQTT_BROKER_PASSWORD_FILE; MQTT_PASSWORD_FILE is the worker's own password)."
    )
# Where the worker writes Mosquitto's password and ACL files (empty: the broker's access
# is configured elsewhere) and the broker's pid file, to make it reload them.
MQTT_BROKER_PASSWORD_FILE = env("MQTT_BROKER_PASSWORD_FILE", "") or ""
MQTT_BROKER_ACL_FILE = env("MQTT_BROKER_ACL_FILE", "") or ""
MQTT_BROKER_PID_FILE = env("MQTT_BROKER_PID_FILE", "") or ""
# The group the broker runs in (Debian: mosquitto): the access files are written 0640
# in it, so the broker reads them and nobody else; the worker's user must belong to it.
MQTT_BROKER_GROUP = env("MQTT_BROKER_GROUP", "") or ""
# mosquitto.conf, read by `stadtkern mqtt --check`.
MQTT_BROKER_CONFIG = env("MQTT_BROKER_CONFIG", "/etc/mosquitto/mosquitto.conf") or ""
# A login for everyone who only subscribes (the broker admits no anonymous client); it
# may be published, as it can read only what is public.
MQTT_PUBLIC_USERNAME = env("MQTT_PUBLIC_USERNAME", "") or ""
MQTT_PUBLIC_PASSWORD = env("MQTT_PUBLIC_PASSWORD", "") or ""
# The largest message the worker stores; larger ones become dead letters (the broker's
# message_size_limit must not be larger: `stadtkern mqtt --check`).
MQTT_MAX_PAYLOAD = envint("MQTT_MAX_PAYLOAD_KB", 64, minimum=1) * 1024
