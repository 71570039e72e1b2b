"""Rumah Kemasan: service tracker for public packaging houses."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | dict | None = None) -> Flask:
    """Build the application: `config` is a name from config.CONFIGS or a dict of overrides."""
    from config import CONFIGS, INSTANCE_DIR, ProductionConfig

    name = config if isinstance(config, str) else os.environ.get("FLASK_CONFIG", "development")
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .security import Request

    app.request_class = Request  # query strings without control characters (security.py)
    app.config.from_object(CONFIGS[name])
    app.config["CONFIG_NAME"] = name
    if isinstance(config, dict):
        app.config.update(config)
    if name == "production":
        ProductionConfig.validate(app.config)
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from .logs import init_app as init_logs  # first, so every later hook and line has the id

    init_logs(app)

    from . import errors, i18n, models, personal_data  # noqa: F401  (models: every table)
    from .accounts.auth import init_login
    from .database import configure_engine, engine_options
    from .database import init_app as init_database
    from .extensions import csrf, db, migrate
    from .security import init_security

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
    from .static_assets import init_app as init_static_assets

    init_static_assets(app)

    from .security import BoundedInt

    app.url_map.converters["int"] = BoundedInt  # ids past 2**31 are 404s, not overflows
    from .accounts.recovery_views import bp as recovery_bp
    from .accounts.views import account_bp, auth_bp
    from .public.views import bp as public_bp
    from .service_requests.views import bp as requests_bp
    from .service_requests.views import desk_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(recovery_bp)
    app.register_blueprint(requests_bp)
    from .notifications.views import bp as notifications_bp

    app.register_blueprint(notifications_bp)
    app.register_blueprint(desk_bp)
    from .reports.views import bp as reports_bp

    app.register_blueprint(reports_bp)
    from .audit.views import bp as audit_bp

    app.register_blueprint(audit_bp)

    from .designs import cli as designs_cli
    from .designs import storage
    from .designs.views import bp as designs_bp

    app.register_blueprint(designs_bp)
    storage.init_app(app)
    designs_cli.init_app(app)

    from . import cli, templating

    templating.init_app(app)
    cli.init_app(app)
    return app
