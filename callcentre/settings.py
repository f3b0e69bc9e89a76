"""Settings for the contact centre, read from the environment (12-factor).

With nothing set, the embedded defaults run the whole product on one machine
with no services: SQLite, an in-memory channel layer, eager Celery, local
files and a local-memory cache. Setting DATABASE_URL, REDIS_URL and the S3
variables switches each part to the real thing. The README's "Configuration" table lists
every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: run `make run` once, then `. ./.local.env` in this shell "
            "(or export SECRET_KEY yourself)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The base URL Vonage (or the sandbox) uses to reach this app; NCCO eventUrls are built from it.
PUBLIC_URL = env_str("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "channels",
    "axes",
    "callcentre",
    "accounts",
    "conversations",
    "routing",
    "agents",
    "ai",
    "reports",
    "compliance",
    "webhooks",
    "desktop",
    "workspace",
    "supervision",
    "speech",
    "sandbox",
]

MIDDLEWARE = [
    # First: a webhook's whole time in the database is bounded (callcentre.deadline).
    "callcentre.deadline.WebhookDeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "callcentre.urls"
WSGI_APPLICATION = "callcentre.wsgi.application"
ASGI_APPLICATION = "callcentre.asgi.application"

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

# Database: SQLite file by default, PostgreSQL (psycopg 3) with DATABASE_URL.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The development server answers requests in threads of their own: transactions begin
    # IMMEDIATE so concurrent writers (webhooks, the desktop, the embedded beat) wait for
    # each other instead of failing on a lock upgrade ("database is locked"). The wait is
    # short, so a webhook still answers within Vonage's budget when the file stays locked.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": env_int("SQLITE_LOCK_TIMEOUT_SECONDS", 2)}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that costs no round trip (callcentre.postgresql).
    DATABASES["default"]["ENGINE"] = "callcentre.postgresql"
    # Fail fast when the database is unreachable so a webhook can still answer in time
    # (psycopg waits 2 s at least, whatever is asked). Keepalives find a dead server or link
    # under an idle pooled connection; tcp_user_timeout ends a connection whose sent data goes
    # unacknowledged. Neither helps when the server's kernel still answers for a process that
    # does not (a stopped or hung server): that is the webhook deadline's (callcentre.deadline).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 2))
    options.setdefault("keepalives", 1)
    options.setdefault("keepalives_idle", 30)
    options.setdefault("keepalives_interval", 5)
    options.setdefault("keepalives_count", 3)
    options.setdefault("tcp_user_timeout", 10_000)
    # Connections come from a pool per process (callcentre.postgresql.pool; Django's psycopg
    # pool), so a process holds at most DATABASE_POOL_MAX_SIZE whatever its threads do:
    # docs/architecture.md, "Database connections", sizes max_connections from it.
    if env_bool("DATABASE_POOL", True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # a request gives its connection back
        options.setdefault(
            "pool",
            {
                "min_size": env_int("DATABASE_POOL_MIN_SIZE", 1),
                "max_size": env_int("DATABASE_POOL_MAX_SIZE", 8),
                # Seconds a thread waits for a free connection (a webhook: its deadline).
                "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
                # Idle connections above min_size are closed after this many seconds.
                "max_idle": env_int("DATABASE_POOL_MAX_IDLE", 60),
            },
        )
# Prepared statements for the hot queries (callcentre.db.first_row). Off for a pooler that
# cannot keep them in transaction mode (pgbouncer before 1.21, or max_prepared_statements 0).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
# Statement and lock timeout applied inside webhook transactions (milliseconds), by the server.
WEBHOOK_DATABASE_TIMEOUT_MS = env_int("WEBHOOK_DATABASE_TIMEOUT_MS", 1500)
# A webhook's database work ends by then, measured by us: past it the connection is shut
# down and the webhook gives its safe answer (callcentre.deadline). Longer than the server's
# own timeouts, so they speak first while the server is alive; within Vonage's 3 s.
WEBHOOK_DATABASE_DEADLINE_MS = env_int("WEBHOOK_DATABASE_DEADLINE_MS", 2000)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: channel layer, Celery broker and cache when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
REDIS_SOCKET_TIMEOUT = 0.5

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "callcentre.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
    # A websocket's consumer waits for its next message with a blocking pop that Redis ends
    # after 5 s (channels_redis's brpop_timeout). redis-py 8 gives every read the same 5 s
    # socket timeout, so an idle consumer's read timed out first and its websocket closed
    # (redis/redis-py#4091). The read waits longer than the pop; a dead Redis still shows.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "callcentre.channel_layer.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: Redis broker when configured, otherwise tasks run inline (eager).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
# With inline Celery and no beat process, the development server runs the beat schedule
# itself (callcentre.embedded_beat); `make run` turns this on.
EMBEDDED_BEAT = env_bool("EMBEDDED_BEAT", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# With acks_late, a task a killed worker held goes back to the queue after the visibility
# timeout (Redis's default: an hour). It must outlast the longest a task can be held unacked:
# waiting in a busy worker's prefetch for one time limit, then running for another.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
    "visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT + 60,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# The live call path (ringing the agent who accepted, hanging up agents' legs) has a queue of
# its own, so it never waits behind the post-call pipeline: in a load run on one shared queue
# the agent's ring waited up to 80 s behind CDRs and surveys (docs/benchmarks.md). A worker
# without -Q consumes both; production runs one worker for each (docker-compose.yml).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_CALLS_QUEUE = "calls"
CELERY_TASK_QUEUES = [
    Queue(CELERY_TASK_DEFAULT_QUEUE, routing_key=CELERY_TASK_DEFAULT_QUEUE),
    Queue(CELERY_CALLS_QUEUE, routing_key=CELERY_CALLS_QUEUE),
]
CELERY_TASK_ROUTES = {
    "routing.connect_agent": {"queue": CELERY_CALLS_QUEUE},
    "routing.callback_dial": {"queue": CELERY_CALLS_QUEUE},
    "routing.hang_up_agent_legs": {"queue": CELERY_CALLS_QUEUE},
}
# Routing's entries expire when a run is missed (a worker was down): the next run does it all.
CELERY_BEAT_SCHEDULE = {
    "replay-webhook-spool": {
        "task": "webhooks.replay_spool",
        "schedule": 60.0,
    },
    # Calls whose post-call pipeline a lost trigger or an unavailable recording left unfinished.
    # The replay store's expired webhook tokens (callcentre.SeenWebhookToken).
    "prune-seen-webhook-tokens": {
        "task": "callcentre.prune_seen_webhook_tokens",
        "schedule": 600.0,
        "options": {"expires": 600.0},
    },
    "reports-post-call-sweep": {
        "task": "reports.post_call_sweep",
        "schedule": 120.0,
        "options": {"expires": 120.0},
    },
    # The historical reports' roll-ups: today's (and yesterday's) every 5 minutes; every hour
    # the days first-contact resolution may still change (REPORTS_FCR_DAYS back).
    "reports-rollup-recent": {
        "task": "reports.rollup_recent",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    "reports-rollup-settling": {
        "task": "reports.rollup_settling",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    # An offer times out after its queue's offer_timeout_seconds (at least 5 s).
    "routing-expire-offers": {
        "task": "routing.expire_offers",
        "schedule": 2.0,
        "options": {"expires": 2.0},
    },
    "routing-wake-agents": {
        "task": "routing.wake_agents",
        "schedule": 5.0,
        "options": {"expires": 5.0},
    },
    "routing-escalate": {
        "task": "routing.escalate",
        "schedule": 5.0,
        "options": {"expires": 5.0},
    },
    # Queues announce every announce_interval_seconds (60 by default); this is the precision.
    "routing-announce": {
        "task": "routing.announce",
        "schedule": 5.0,
        "options": {"expires": 5.0},
    },
    "routing-reap": {
        "task": "routing.reap",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    # Queue alert thresholds (supervision.alerts), and monitoring sessions whose call ended.
    "supervision-evaluate-alerts": {
        "task": "supervision.evaluate_alerts",
        "schedule": float(env_int("ALERTS_EVALUATE_SECONDS", 15)),
        "options": {"expires": float(env_int("ALERTS_EVALUATE_SECONDS", 15))},
    },
    # Yesterday's calls against Vonage's Reports API, once it has run without an error.
    "supervision-reconcile-yesterday": {
        "task": "supervision.reconcile_yesterday",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    "supervision-close-monitoring": {
        "task": "supervision.close_monitoring",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
}

# Object storage: local files by default, S3-compatible (MinIO, AWS) with a bucket name.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    DEFAULT_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Vonage. Everything that speaks Vonage lives in callcentre/vonage/.
VONAGE_APPLICATION_ID = env_str("VONAGE_APPLICATION_ID")
VONAGE_PRIVATE_KEY = env_str("VONAGE_PRIVATE_KEY")  # PEM text or a path to a PEM file
VONAGE_SIGNATURE_SECRET = env_str("VONAGE_SIGNATURE_SECRET")
VONAGE_API_KEY = env_str("VONAGE_API_KEY")
VONAGE_API_SECRET = env_str("VONAGE_API_SECRET")
VONAGE_NUMBERS = env_list("VONAGE_NUMBERS")
VONAGE_API_HOST = env_str("VONAGE_API_HOST", "api.nexmo.com")
VONAGE_REST_HOST = env_str("VONAGE_REST_HOST", "rest.nexmo.com")
# Signed-webhook verification: on unless explicitly switched off (logged at start-up).
VONAGE_VERIFY_SIGNATURES = env_bool("VONAGE_VERIFY_SIGNATURES", True)
VONAGE_SIGNATURE_MAX_AGE = env_int("VONAGE_SIGNATURE_MAX_AGE", 300)
# The agents' softphone (docs/softphone.md): the Client SDK's token lifetime (the page renews
# it before it runs out), and where the Client SDK connects when not to its default region.
# The transport follows VONAGE_API_HOST: a Vonage host -> the Client SDK; any other host (the
# sandbox) -> the sandbox's softphone websocket at SANDBOX_HOST:SANDBOX_CONTROL_PORT.
SOFTPHONE_TOKEN_SECONDS = env_int("SOFTPHONE_TOKEN_SECONDS", 900)
VONAGE_CLIENT_API_URL = env_str("VONAGE_CLIENT_API_URL")
VONAGE_CLIENT_WEBSOCKET_URL = env_str("VONAGE_CLIENT_WEBSOCKET_URL")

# Live transcription (speech/, docs/transcription.md). SPEECH_ENGINE: "pocketsphinx" (offline,
# the model inside the pocketsphinx wheel), "deepgram" (Deepgram's streaming API; needs
# DEEPGRAM_API_KEY) or "off". Vonage connects its websocket leg to MEDIA_STREAM_URL
# (default: PUBLIC_URL with ws(s):// and /ws/media/).
SPEECH_ENGINE = env_str("SPEECH_ENGINE", "pocketsphinx")
DEEPGRAM_API_KEY = env_str("DEEPGRAM_API_KEY")
DEEPGRAM_URL = env_str("DEEPGRAM_URL", "wss://api.deepgram.com").rstrip("/")
DEEPGRAM_MODEL = env_str("DEEPGRAM_MODEL", "nova-3")
MEDIA_STREAM_URL = env_str("MEDIA_STREAM_URL", PUBLIC_URL.replace("http", "ws", 1) + "/ws/media/")

# Durable local spool for webhook payloads that could not be stored right away.
SPOOL_DIR = Path(env_str("SPOOL_DIR", str(VAR_DIR / "spool")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # `Authorization: Token <key>`, checked against the key's hash (accounts.ApiToken).
        "accounts.authentication.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "callcentre.openapi.ApiSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": None,
}

# The OpenAPI 3 schema of the REST API (/api/schema, browsable at /api/docs/, staff only;
# docs/api.md). Only /api/ is described: the webhooks are Vonage's, not a client's, API.
SPECTACULAR_SETTINGS = {
    "TITLE": "Contact centre API",
    "DESCRIPTION": "The agents' API (/api/agent/) and the supervisors' (/api/supervisor/, "
    "/api/conversations/, /api/dashboard/). Session or `Authorization: Token <key>`.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"],
    "SCHEMA_PATH_PREFIX": "/api/",
    "PREPROCESSING_HOOKS": ["callcentre.openapi.only_the_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "callcentre.openapi.nullable_as_openapi_31",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AgentStatusEnum": "agents.models.Agent.Status",
        "MemberStateEnum": "conversations.models.Member.State",
        "ConversationStateEnum": "conversations.models.Conversation.State",
        "MemberKindEnum": "conversations.models.Member.Kind",
        "EventKindEnum": "conversations.models.Event.Kind",
        "CallStepKindEnum": "conversations.models.CallStep.Kind",
    },
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "callcentre/favicon.svg",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes), on /accounts/login/ and /admin/login/ alike: after
# LOGIN_FAILURE_LIMIT wrong passwords for one user name, or from one address, logins for it
# are refused (429) for LOGIN_LOCKOUT_MINUTES, even with the right password. Each lockout is in
# the audit trail. A supervisor can lift one early (admin, Axes, Access attempts).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
# The header the proxy in front sets to the client's address (deploy/nginx.conf: X-Real-IP).
# Set it only when every request comes through that proxy: a client could set it otherwise.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER")

# Email, for password resets. Without EMAIL_HOST (or another EMAIL_BACKEND) nothing can be
# sent, so the reset pages say so instead of pretending a link was sent (accounts.views).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "webmaster@localhost")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Security. Production behind a TLS-terminating proxy is the default; DEBUG relaxes it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Joining the browsers' HSTS preload list is the operator's decision, not a default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# Each Celery task's success (and retry) at INFO: the periodic tasks alone make dozens of lines
# a minute, so only on request. Failures are logged either way.
LOG_TASKS = env_bool("LOG_TASKS", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's default console handler (on with DEBUG) would print every django.* line,
        # each request among them, a second time: the root's handler prints them once.
        "django": {"handlers": [], "propagate": True},
        "celery.app.trace": {"level": "INFO" if LOG_TASKS else "WARNING"},
        # httpx logs each request at INFO; the sandbox logs each webhook it sends already.
        "httpx": {"level": "WARNING"},
    },
}

# What callers hear.
CALL_CENTRE_NAME = env_str("CALL_CENTRE_NAME", "the contact centre")
# The satisfaction survey texted after an answered call, and after a chat an agent closed
# ({centre} is CALL_CENTRE_NAME); an empty text sends none on that channel.
CSAT_SURVEY_TEXT = env_str(
    "CSAT_SURVEY_TEXT",
    "Thank you for calling {centre}. How did we do today? "
    "Reply with a number from 1 (poor) to 5 (excellent).",
)
CSAT_SURVEY_CHAT_TEXT = env_str(
    "CSAT_SURVEY_CHAT_TEXT",
    "Thank you for contacting {centre}. How did we do today? "
    "Reply with a number from 1 (poor) to 5 (excellent).",
)
# At most one survey per customer in this many hours (0: no limit). A day matches the 24 h
# in which a reply counts, so a reply never has two open surveys to choose from.
CSAT_SURVEY_MIN_INTERVAL_HOURS = env_int("CSAT_SURVEY_MIN_INTERVAL_HOURS", 24)
# Texted back to a customer whose reply answered a survey; empty sends none.
CSAT_SURVEY_THANKS_TEXT = env_str("CSAT_SURVEY_THANKS_TEXT", "Thank you for your feedback!")
# Historical reports (docs/reports.md): the time zone whose days, weeks and months they show,
# and first-contact resolution: a contact is resolved when the same customer (address) makes
# no other contact within this many days. Roll-ups cover those days again each night.
REPORTS_TIME_ZONE = env_str("REPORTS_TIME_ZONE", TIME_ZONE)
REPORTS_FCR_DAYS = env_int("REPORTS_FCR_DAYS", 7)
# The language of what callers hear outside a menu (menus have their own language).
IVR_LANGUAGE = env_str("IVR_LANGUAGE", "en-US")

# Routing engine.
ROUTING_REOFFER_COOLDOWN_SECONDS = env_int("ROUTING_REOFFER_COOLDOWN_SECONDS", 60)
ROUTING_MISSED_OFFERS_BEFORE_AWAY = env_int("ROUTING_MISSED_OFFERS_BEFORE_AWAY", 2)
# The queue customers' messages (SMS, WhatsApp, ...) wait in for an agent; empty: stored only.
MESSAGES_QUEUE = env_str("MESSAGES_QUEUE", "Support")
# Where agents' click-to-call contacts are filed (routing/outbound.py): their queue's wrap-up
# time and reports; no IVR option leads to it. '' switches click-to-call off.
OUTBOUND_QUEUE = env_str("OUTBOUND_QUEUE", "Outbound")
# Where a voicemail goes when neither a queue's branch nor the caller's menu names a queue
# (routing/voicemail.py: the safe answer's, a menu with no queue option); '' : kept only.
VOICEMAIL_QUEUE = env_str("VOICEMAIL_QUEUE", "Support")
# The live dashboard re-reads the board this often even when nothing is pushed (waits grow).
DASHBOARD_REFRESH_SECONDS = env_int("DASHBOARD_REFRESH_SECONDS", 5)
# The centre's policy: is an agent told (on their desktop) when a supervisor monitors them?
MONITORING_TELLS_AGENT = env_bool("MONITORING_TELLS_AGENT", False)

# The CRM lookup behind VIP routing (conversations.crm): a dotted path to a backend class,
# how long a webhook waits for it, and how long an answer is cached.
CRM_BACKEND = env_str("CRM_BACKEND", "conversations.crm.LocalCrmBackend")
CRM_TIMEOUT_MS = env_int("CRM_TIMEOUT_MS", 300)
CRM_CACHE_SECONDS = env_int("CRM_CACHE_SECONDS", 300)

# The built-in Vonage sandbox (`manage.py run_sandbox`, started by `make run`): where its
# HTTPS API and plain-HTTP control port (the browser phone) listen, how fast call time runs,
# and after how many seconds it answers agents' app legs ("off": only from the phone page).
SANDBOX_DIR = Path(env_str("SANDBOX_DIR", str(VAR_DIR / "sandbox")))
SANDBOX_HOST = env_str("SANDBOX_HOST", "127.0.0.1")
SANDBOX_PORT = env_int("SANDBOX_PORT", 8443)
SANDBOX_CONTROL_PORT = env_int("SANDBOX_CONTROL_PORT", 8090)
SANDBOX_SPEED = float(env_str("SANDBOX_SPEED", "1"))
SANDBOX_ANSWER_METHOD = env_str("SANDBOX_ANSWER_METHOD", "GET").upper()
SANDBOX_APP_ANSWER_DELAY = env_str("SANDBOX_APP_ANSWER_DELAY", "3")
