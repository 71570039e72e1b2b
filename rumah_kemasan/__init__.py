"""Rumah Kemasan: service tracker for public packaging houses."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, errors, i18n, logs, models, personal_data, templating  # noqa: F401
from .accounts.admin_views import bp as admin_bp
from .accounts.auth import init_login
from .accounts.recovery_views import bp as recovery_bp
from .accounts.views import account_bp, auth_bp
from .admin_calendar.views import bp as admin_calendar_bp
from .audit.views import bp as audit_bp
from .database import configure_engine, engine_options
from .database import init_app as init_database
from .designs import cli as designs_cli
from .designs import storage
from .designs.views import bp as designs_bp
from .extensions import csrf, db, migrate
from .notifications.views import bp as notifications_bp
from .onboarding.views import bp as admin_import_bp
from .public.views import bp as public_bp
from .reports.national_views import bp as admin_overview_bp
from .reports.views import bp as reports_bp
from .security import BoundedInt, Request, init_security
from .service_requests.catalog_views import bp as admin_catalog_bp
from .service_requests.views import bp as requests_bp
from .service_requests.views import desk_bp
from .static_assets import init_app as init_static_assets
from .units.views import admin_units_bp, units_bp

ROOT = Path(__file__).resolve().parent.parent

# Every page of the app, in the order Flask matches overlapping rules.
BLUEPRINTS = (
    public_bp,
    auth_bp,
    account_bp,
    recovery_bp,
    requests_bp,
    notifications_bp,
    desk_bp,
    reports_bp,
    audit_bp,
    designs_bp,
    admin_import_bp,
    admin_overview_bp,
    admin_units_bp,
    units_bp,
    admin_catalog_bp,
    admin_bp,
    admin_calendar_bp,
)


def create_app(config: str | dict | None = None) -> Flask:
    """Build the application: `config` is a name from config.CONFIGS or a dict of overrides."""
    app = _configured_flask(config)
    logs.init_app(app)  # first, so every later hook and line has the request id
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    init_login(app)
    i18n.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config)
    init_security(app)
    errors.init_app(app)
    personal_data.connect_receivers()
    init_static_assets(app)
    app.url_map.converters["int"] = BoundedInt  # ids past 2**31 are 404s, not overflows
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    storage.init_app(app)
    designs_cli.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def _configured_flask(config: str | dict | None) -> Flask:
    """The Flask object with its configuration read, checked (production) and overridden."""
    # config.py sits at the repository root, outside the package: it is read when an app is
    # built, so importing a module of the package never needs the root on sys.path.
    from config import CONFIGS, INSTANCE_DIR, ProductionConfig

    name = config if isinstance(config, str) else os.environ.get("FLASK_CONFIG", "development")
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.request_class = Request  # query strings without control characters (security.py)
    app.config.from_object(CONFIGS[name])
    app.config["CONFIG_NAME"] = name
    if isinstance(config, dict):
        app.config.update(config)
    if name == "production":
        ProductionConfig.validate(app.config)
        # Flask's documented way to add WSGI middleware; mypy refuses assigning to a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=1, x_proto=1, x_host=1
        )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return app
