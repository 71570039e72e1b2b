"""Configuration from environment variables.

`create_app()` picks a class by `FLASK_CONFIG` (development, testing, production) and then reads
overrides from the environment. Production refuses to start with unsafe settings; see
`ProductionConfig.validate`.
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'rumah_kemasan.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Fail fast when the database hangs (seconds; README "Concurrency and timeouts"). Pages get
    # DATABASE_STATEMENT_TIMEOUT; exports, the CLI and the outbox worker the long one. On SQLite
    # the lock timeout is busy_timeout: how long a writer waits for the write lock.
    DATABASE_CONNECT_TIMEOUT = float(os.environ.get("DATABASE_CONNECT_TIMEOUT", 5))
    DATABASE_STATEMENT_TIMEOUT = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", 15))
    DATABASE_LONG_STATEMENT_TIMEOUT = float(os.environ.get("DATABASE_LONG_STATEMENT_TIMEOUT", 300))
    DATABASE_LOCK_TIMEOUT = float(os.environ.get("DATABASE_LOCK_TIMEOUT", 10))
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT = float(
        os.environ.get("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", 60)
    )
    DATABASE_POOL_TIMEOUT = float(os.environ.get("DATABASE_POOL_TIMEOUT", 10))
    # A PostgreSQL call still unanswered this long after its statement timeout is cut off
    # client-side (the server is frozen or unreachable, so its own timeouts cannot fire).
    DATABASE_WATCHDOG_GRACE = float(os.environ.get("DATABASE_WATCHDOG_GRACE", 5))
    READYZ_TIMEOUT = float(os.environ.get("READYZ_TIMEOUT", 0.8))
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    BASE_URL = os.environ.get("BASE_URL")  # e.g. https://rumahkemasan.denpasarkota.go.id
    TRUSTED_HOSTS = [h for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h] or None
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 25 * 1024 * 1024))
    # Per file, per request (all its files together) and per image (pixels, read from the
    # header before decoding: a 12-megapixel phone photo passes, a decompression bomb not).
    UPLOAD_MAX_FILE_BYTES = int(os.environ.get("UPLOAD_MAX_FILE_BYTES", 20 * 1024 * 1024))
    UPLOAD_MAX_REQUEST_BYTES = int(os.environ.get("UPLOAD_MAX_REQUEST_BYTES", 200 * 1024 * 1024))
    UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", 40_000_000))

    # Sessions: Flask-Login's remember cookie and Flask's session cookie, both hardened.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)  # absolute lifetime
    SESSION_IDLE_TIMEOUT = timedelta(hours=2)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"
    LANGUAGES = ("id", "en")

    # Login throttling: failures counted in a sliding window, per account and per address.
    LOGIN_WINDOW = timedelta(minutes=15)
    LOGIN_MAX_PER_ACCOUNT = 5
    LOGIN_MAX_PER_ADDRESS = 20
    RESET_TOKEN_LIFETIME = timedelta(hours=2)
    SET_PASSWORD_TOKEN_LIFETIME = timedelta(days=3)
    # Account recovery at the counter: the supervisor's approval must be used within a day,
    # and the link it allows lives half an hour.
    RECOVERY_APPROVAL_LIFETIME = timedelta(days=1)
    RECOVERY_LINK_LIFETIME = timedelta(minutes=30)

    MAIL_FROM = os.environ.get("MAIL_FROM", "Rumah Kemasan <noreply@localhost>")
    # Outbox delivery (`flask outbox send`): SMTP server, retries with exponential backoff.
    MAIL_HOST = os.environ.get("MAIL_HOST", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_STARTTLS = _env_bool("MAIL_STARTTLS", False)
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", 20))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", 8))
    MAIL_RETRY_BASE_SECONDS = int(os.environ.get("MAIL_RETRY_BASE_SECONDS", 60))
    MAIL_RETRY_MAX_SECONDS = int(os.environ.get("MAIL_RETRY_MAX_SECONDS", 6 * 3600))
    # A worker's claim on a batch; renewed every third of it while the worker lives, so a dead
    # worker's messages are sent by another within lease + poll interval (under a minute).
    MAIL_CLAIM_LEASE_SECONDS = float(os.environ.get("MAIL_CLAIM_LEASE_SECONDS", 45))
    # Public status check: tries per address per minute.
    TRACK_MAX_PER_MINUTE = 20
    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret-change-me"
    DEBUG = _env_bool("FLASK_DEBUG", True)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # replaced per test run by the fixtures
    LOGIN_MAX_PER_ADDRESS = 1000


WEAK_KEYS = {"", "dev", "secret", "changeme", "change-me", "dev-only-not-secret-change-me"}


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"

    @staticmethod
    def validate(app_config) -> None:
        """Refuse to start with a missing or weak secret key, or with debug on."""
        key = app_config.get("SECRET_KEY") or ""
        if key in WEAK_KEYS or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY is missing or weak: set a random value of at least 32 characters "
                '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
            )
        if app_config.get("DEBUG"):
            raise RuntimeError("Debug mode must be off in production (unset FLASK_DEBUG).")
        if not app_config.get("TRUSTED_HOSTS") and not app_config.get("BASE_URL"):
            raise RuntimeError(
                "Set TRUSTED_HOSTS or BASE_URL so links are not built from the Host header."
            )
        # Both, not either: without TRUSTED_HOSTS any Host is answered, without BASE_URL links
        # in e-mails and PDFs would follow whichever trusted host the request came with.
        if not app_config.get("TRUSTED_HOSTS"):
            raise RuntimeError("Set TRUSTED_HOSTS: requests for any other host are refused.")
        if not app_config.get("BASE_URL"):
            raise RuntimeError("Set BASE_URL: links in e-mails, PDFs and WhatsApp texts use it.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
