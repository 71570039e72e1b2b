"""The production app for the benchmark, with an X-Query-Count header on every response.

Counting lives here, not in the app: production code carries no benchmark hooks.
"""

from __future__ import annotations

import contextvars

from flask import g
from sqlalchemy import event

from rumah_kemasan import create_app
from rumah_kemasan.extensions import db

app = create_app("production")
_count: contextvars.ContextVar[list | None] = contextvars.ContextVar("qcount", default=None)

with app.app_context():

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count_query(*_args):
        box = _count.get()
        if box is not None:
            box[0] += 1


@app.before_request
def _start_count():
    g.qbox = [0]
    _count.set(g.qbox)


@app.after_request
def _send_count(resp):
    box = getattr(g, "qbox", None)
    if box is not None:
        resp.headers["X-Query-Count"] = str(box[0])
    return resp
