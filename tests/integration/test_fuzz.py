"""Property-based fuzzing of every route, method, role, form field and query parameter.

The routes and roles are those of the access matrix (a new route fails that test until it
is added there, and is then fuzzed here). What each route reads is found by running it:
the request's `args` and `form` record every key a view or a form asks for, first with
the values of the forms the app renders (so a form is valid apart from the field under
attack and the attack reaches the database), then Hypothesis sends generated text in those
keys and in the URL's own parts: control characters, NUL, invalid UTF-8 as percent-escapes,
huge and negative numbers, very long strings, bidi marks, SQL, FTS5 and template syntax.

The properties, on SQLite and on PostgreSQL:
- no answer is a 500 or a 503 (RAISE_SERVER_ERRORS: a 500 shows its traceback);
- a refused request (4xx, or a form shown again with errors) changes no row of any table
  (the attempt counters of the sign-in and /track throttles excepted);
- no control character (other than tab, newline, CR) is ever stored.

Bounded by a Hypothesis profile: "ci" (the default; fixed examples, derandomized) or
"fuzz" (`make fuzz`: many more examples, a random seed). docs/input.md tells more.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict

from rumah_kemasan.accounts.models import LoginAttempt
from rumah_kemasan.notifications.models import TrackAttempt
from rumah_kemasan.security import Request, has_forbidden_chars
from tests.conftest import login
from tests.integration.security_world import ROLES, build_world, fill, snapshot
from tests.integration.test_access_matrix import DATA, MATRIX, OVERRIDES

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
    derandomize=False,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

# Signing out ends the role's session for the rest of the run: not fuzzed.
SKIPPED = {("/auth/logout", "POST")}
# Counters that count refused attempts on purpose.
THROTTLE_TABLES = {LoginAttempt.__table__.name, TrackAttempt.__table__.name}

# --- what the routes read --------------------------------------------------------------------

_read: set[tuple[str, str]] | None = None  # ("args" or "form", key)


class _Recording(ImmutableMultiDict):
    """A MultiDict that notes every key asked for."""

    where = "args"

    def _note(self, key):
        if _read is not None and isinstance(key, str):
            _read.add((self.where, key))

    def get(self, key, default=None, type=None):
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self._note(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    @property
    def args(self):
        d = self.__dict__
        if "_recording_args" not in d:
            d["_recording_args"] = _Recording(Request.args.fget(self))
        return d["_recording_args"]

    @property
    def raw_args(self):
        d = self.__dict__
        if "_recording_raw_args" not in d:
            d["_recording_raw_args"] = _Recording(Request.raw_args.fget(self))
        return d["_recording_raw_args"]

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if not isinstance(self.__dict__["form"], _Recording):
            self.__dict__["form"] = _Recording(self.__dict__["form"])
            self.__dict__["form"].where = "form"


class _Forms(HTMLParser):
    """Every form on a page: its action, method and default values (what a browser sends)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action") or "", "method": (a.get("method") or "get").upper()}
                | {"fields": {}}
            )
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                fields.setdefault(name, a.get("value") or "y")
            elif kind not in ("submit", "file", "button"):
                fields[name] = a.get("value") or DEFAULTS.get(kind, "Teks uji")
        elif tag == "textarea" and name:
            fields[name] = "Catatan uji"
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            fields.setdefault(self._select, a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


DEFAULTS = {
    "tel": "0812-3456-7890",
    "email": "uji@example.com",
    "number": "1",
    "password": "x",  # never a working password: no fuzzed post deletes or takes an account
    "date": "2026-01-01",
}


def _forms_on(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


# --- generated input -------------------------------------------------------------------------

NOTABLE = [
    "\x00",
    "a\x00b",
    "\x00\x01\x02\x1b[31m\x7f",
    "\u202eexe.png",
    "\u200fمرحبا\u200e",
    "'; --",
    "' OR '1'='1",
    '"',
    "{{7*7}}",
    "{% raw %}",
    "%s%s%n",
    "%",
    "_",
    "\\",
    "*",
    "NEAR(",
    '"a" OR "b"',
    "-1",
    "0",
    "2147483648",
    "99999999999999999999",
    "-99999999999999999999",
    "1e309",
    "NaN",
    "²",
    "١٢٣",
    "1_000",
    "../../etc/passwd",
    "//evil.example",
    "/\t/evil.example",
    "x" * 5000,
    "\U0001f600" * 300,
    "",
    " ",
]
# Raw bytes sent percent-escaped as they are: invalid UTF-8 among them.
RAW = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"a\xffb"]

texts = st.one_of(
    st.sampled_from(NOTABLE),
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x2070), max_size=12),
    st.integers().map(str),
    st.builds(lambda a, b: a + b, st.sampled_from(NOTABLE), st.text(max_size=8)),
)
values = st.one_of(
    texts.map(lambda s: s.encode("utf-8")),
    st.sampled_from(RAW),
    st.binary(max_size=12),
)


def _encode(pairs: dict[str, bytes]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote_from_bytes(v, safe='')}" for k, v in pairs.items())


# --- the world -------------------------------------------------------------------------------


def _survey(clients, url, method, data) -> dict[str, set[tuple[str, str]]]:
    """What the route at `url` reads as each role, given `data`."""
    global _read
    found = {}
    for role in ROLES:
        _read = set()
        resp = clients[role].open(url, method=method, data=data)
        resp.close()
        found[role] = {k for k in _read if k[1] != "csrf_token"}
    _read = None
    return found


@pytest.fixture
def fuzz_app(app):
    app.config["RAISE_SERVER_ERRORS"] = True
    app.request_class = RecordingRequest
    return app


@dataclass
class Target:
    """The fuzzed app: signed-in clients, routes, their URLs, form baselines, keys read."""

    world: object
    clients: dict
    routes: list[tuple[str, str]]
    urls: dict[tuple[str, str], str]
    baseline: dict[str, dict[str, str]]
    # (where, key) each route reads, by role: "args" or "form", and the key
    keys: dict[tuple[str, str], dict[str, set[tuple[str, str]]]]

    def read_by_any(self, rule: str, method: str) -> set[tuple[str, str]]:
        return set().union(*self.keys[(rule, method)].values())

    def base(self, rule: str, method: str) -> dict[str, str]:
        """Valid form data for a POST (what the rendered form would send)."""
        data = dict(self.baseline.get(self.urls[(rule, method)], {})) if method == "POST" else {}
        if (rule, method) in DATA:
            data |= DATA[(rule, method)](self.world)
        return data


@pytest.fixture
def target(fuzz_app, make_user, make_request, make_business, add_file, other_unit) -> Target:
    app = fuzz_app
    world = build_world(make_user, make_request, make_business, add_file, other_unit)
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        if world.users[role] is not None:
            assert login(clients[role], world.users[role]).status_code == 302

    routes = sorted(set(MATRIX) - SKIPPED)
    urls = {
        (rule, method): fill(rule, world, OVERRIDES[rule](world) if rule in OVERRIDES else None)
        for rule, method in routes
    }

    # The forms the app renders, by the address they post to: a valid baseline.
    baseline: dict[str, dict[str, str]] = {}
    pages = {url for (rule, method), url in urls.items() if method == "GET"}
    pages |= {f"/requests/{r.code}" for r in (world.req, world.done, world.req_b)}
    for role in ROLES:
        for page in sorted(pages):
            resp = clients[role].get(page)
            if resp.status_code == 200 and resp.mimetype == "text/html":
                for form in _forms_on(resp.get_data(as_text=True)):
                    action = urlsplit(form["action"]).path or urlsplit(page).path
                    baseline.setdefault(action, {}).update(form["fields"])
            resp.close()
    for fields in baseline.values():
        fields.pop("csrf_token", None)
    t = Target(world, clients, routes, urls, baseline, {})

    # What each route reads, found by running it (query keys on every route, form keys too).
    for rule, method in routes:
        t.keys[(rule, method)] = _survey(
            clients, urls[(rule, method)], method, t.base(rule, method)
        )
    read_anything = [route for route in routes if t.read_by_any(*route)]
    assert len(read_anything) >= 25, t.keys  # the survey works (forms, filters, next, lang)
    assert ("args", "q") in t.read_by_any("/requests", "GET")
    assert ("args", "before") in t.read_by_any("/audit", "GET")
    assert {("form", "name"), ("form", "area_id")} <= t.read_by_any(
        "/account/businesses/new", "POST"
    )
    return t


def _ignore(table, row) -> bool:
    return table in THROTTLE_TABLES


def _stored_controls(tables: dict) -> list:
    return [
        (table, value)
        for table, rows in tables.items()
        if table not in THROTTLE_TABLES
        for row in rows
        for value in row
        if has_forbidden_chars(value, multiline=True)
    ]


def test_every_field_of_every_form_refuses_a_nul(target):
    """Deterministic: each key each POST route reads gets "a\x00b" in an otherwise valid
    form, as every role: never a 500/503 (PostgreSQL refuses NUL in text), never stored."""
    t = target
    sent = 0
    for rule, method in t.routes:
        if method != "POST":
            continue
        for where, key in sorted(t.read_by_any(rule, method)):
            if where != "form":
                continue
            before = snapshot(_ignore)
            for role in ROLES:
                if (where, key) not in t.keys[(rule, method)][role]:
                    continue  # this role's form has no such field: an extra key is ignored
                data = t.base(rule, method) | {key: "Teks\x00uji"}
                resp = t.clients[role].post(t.urls[(rule, method)], data=data)
                resp.close()
                sent += 1
                assert resp.status_code not in (500, 503), (role, rule, key)
            after = snapshot(_ignore)
            stored = _stored_controls(after)
            assert not stored, (rule, key, stored[:3])
            if key != "next":  # /lang: `next` is only a redirect target
                changed = [n for n in before if before[n] != after.get(n)]
                # A NUL in a field the view reads refuses the whole post.
                assert not changed, (rule, key, changed)
    assert sent > 150


def test_no_input_crashes_or_changes_anything_when_refused(target):
    t = target
    world, clients, routes, urls, keys = t.world, t.clients, t.routes, t.urls, t.keys
    outage_log = []

    class _Outage(logging.Handler):
        def emit(self, record):
            outage_log.append(self.format(record))

    handler = _Outage(level=logging.ERROR)
    logging.getLogger("rumah_kemasan").addHandler(handler)
    path_params = {"code", "token", "side", "file_id", "request_id", "business_id"}
    path_params |= {"notification_id"}

    @settings(settings.get_profile(PROFILE))
    @given(data=st.data())
    def attack(data):
        sent.append(1)
        role = data.draw(st.sampled_from(ROLES), label="role")
        rule, method = data.draw(st.sampled_from(routes), label="route")
        url = urls[(rule, method)]
        names = re.findall(r"<(?:[^>:]+:)?([^>]+)>", rule)
        hostile_path = [n for n in names if n in path_params and n != "filename"]
        if hostile_path and data.draw(st.integers(0, 4), label="path?") == 0:
            name = data.draw(st.sampled_from(hostile_path), label="path param")
            value = data.draw(values, label="path value")
            overrides = (OVERRIDES[rule](world) if rule in OVERRIDES else {}) | {
                name: quote_from_bytes(value, safe="") or "x"
            }
            url = fill(rule, world, overrides)
        read = keys[(rule, method)][role]
        base = t.base(rule, method)
        sent_data = {
            "args": {},
            "form": {k: str(v).encode() for k, v in base.items()},
        }
        candidates = sorted(set(read) | {("form", k) for k in base}) or [("args", "q")]
        attacked = data.draw(
            st.lists(st.sampled_from(candidates), min_size=1, max_size=3, unique=True),
            label="keys",
        )
        for where, key in attacked:
            sent_data[where][key] = data.draw(values, label=f"{where}:{key}")
        hostile_text = any(
            has_forbidden_chars(sent_data[w][k].decode("utf-8", "replace"), multiline=True)
            for w, k in attacked
        )
        pairs = sent_data
        before = snapshot(_ignore)
        outage_log.clear()
        query = _encode(sent_data["args"])
        resp = clients[role].open(
            f"{url}?{query}" if query else url,
            method=method,
            data=_encode(sent_data["form"]) if method == "POST" else None,
            content_type="application/x-www-form-urlencoded" if method == "POST" else None,
        )
        status = resp.status_code
        body = resp.get_data(as_text=True) if resp.mimetype == "text/html" else ""
        resp.close()
        note(f"{role} {method} {url} {pairs!r} -> {status}")
        assert status not in (500, 503), f"{status}: {outage_log}"
        after = snapshot(_ignore)
        refused = status >= 400 or (
            method == "POST" and status == 200 and 'aria-invalid="true"' in body
        )
        if refused:
            changed = [t for t in before if before[t] != after.get(t)]
            assert not changed, f"refused ({status}) but changed {changed}"
        if hostile_text:
            stored = _stored_controls(after)
            assert not stored, f"control characters stored: {stored[:3]}"

    sent: list[int] = []
    try:
        attack()
    finally:
        logging.getLogger("rumah_kemasan").removeHandler(handler)
    print(f"fuzz: {len(sent)} requests ({PROFILE} profile)")
