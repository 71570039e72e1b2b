"""WSGI entry point: `gunicorn wsgi:app` (production reads FLASK_CONFIG=production)."""

import os

from rumah_kemasan import create_app

app = create_app(os.environ.get("FLASK_CONFIG", "production"))
