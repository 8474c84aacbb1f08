"""The feedback store: raters, items to review and append-only events, on SQLAlchemy 2.

A SQLite file by default (WAL journal, a busy timeout, so several processes and threads can write
at once), PostgreSQL for a ``postgresql://`` URL (driver: psycopg 3). The schema is made and
upgraded by the Alembic migrations shipped in ``rlcode/feedback/migrations``, run to head on
every open (under a lock, so two processes opening a fresh database do not race). Events are
only ever inserted: an edit is a new event, and ``events()`` numbers the versions."""

from __future__ import annotations

import fcntl
import hashlib
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event as sa_event, exists, select
from sqlalchemy.engine import Connection, Engine, make_url

from rlcode.errors import InputError, UsageError
from rlcode.feedback.events import ROLES, FeedbackEvent, now_iso, number_versions, validate
from rlcode.feedback.models import EventRow, ItemRow, MetaRow, RaterRow

DEFAULT_DB = "feedback.sqlite"
_MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK = 72_6354_12  # pg_advisory_lock key held while migrating


@dataclass
class Rater:
    name: str
    role: str
    token: str = ""  # the log-in token, known only when it was just issued or just presented


def token_digest(token: str) -> str:
    """What the store keeps of a token (migration 0003): its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Item:
    """One candidate to review, loaded from a scored.jsonl row."""

    task_id: str
    candidate_id: str
    language: str
    prompt: str
    code: str
    verdict: str
    tests_passed: int
    tests_total: int
    details: dict
    reward: float | None
    components: dict = field(default_factory=dict)  # (addition) the row's reward components
    id: int | None = None


def database_url(db: str) -> str:
    """A SQLAlchemy URL: a plain path -> SQLite; ``postgres(ql)://`` -> the psycopg 3 driver."""
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if "://" in db:
        return db
    return "sqlite:///" + str(Path(db).expanduser().resolve())


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: the message names it as given
        return url


class FeedbackStore:
    def __init__(self, url: str):
        self.url = database_url(url)
        try:
            parsed = make_url(self.url)
        except Exception as exc:
            raise UsageError(f"--db: not a database path or URL: {url!r} ({exc})") from None
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise UsageError(f"--db: unsupported database {self.dialect!r} (a SQLite path or postgresql://...)")
        if self.dialect == "sqlite":
            path = parsed.database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(self.url, connect_args={"timeout": 60, "check_same_thread": False},
                                                pool_size=8, max_overflow=32)
            sa_event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True, pool_size=8, max_overflow=32)
        try:
            self._migrate(parsed.database)
        except Exception as exc:
            self.engine.dispose()
            if isinstance(exc, (UsageError, InputError)):
                raise
            raise UsageError(f"--db {_redact(self.url)}: cannot open the feedback store: "
                             f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None

    # -- schema ---------------------------------------------------------------------------------
    def _migrate(self, database: str | None) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        with self._migration_lock(database):
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")

    @contextmanager
    def _migration_lock(self, database: str | None) -> Iterator[None]:
        if self.dialect == "postgresql":
            with self.engine.connect() as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({_PG_LOCK})")
                conn.commit()
                try:
                    yield
                finally:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_PG_LOCK})")
                    conn.commit()
        elif database and database != ":memory:":
            with open(database + ".migrate-lock", "a") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(f, fcntl.LOCK_UN)
        else:
            yield

    def revision(self) -> str | None:
        """The Alembic revision the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    # -- raters ---------------------------------------------------------------------------------
    def add_rater(self, name: str, role: str = "annotator") -> Rater:
        name = (name or "").strip()
        if not name:
            raise UsageError("rater name: empty")
        if role not in ROLES:
            raise UsageError(f"--role: unknown role {role!r} (one of {', '.join(ROLES)})")
        token = secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            if conn.execute(select(RaterRow.id).where(RaterRow.name == name)).first() is not None:
                raise UsageError(f"rater {name!r} exists already")
            conn.execute(RaterRow.__table__.insert().values(name=name, role=role, token=token_digest(token)))
        return Rater(name, role, token)

    def new_token(self, name: str) -> Rater:
        """Issues ``name`` a new token (the old one stops working at once): for a lost or leaked one."""
        token = secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            row = conn.execute(select(RaterRow.role).where(RaterRow.name == name)).first()
            if row is None:
                raise UsageError(f"no rater named {name!r}", hint="rlcode feedback raters list")
            conn.execute(RaterRow.__table__.update().where(RaterRow.name == name).values(token=token_digest(token)))
        return Rater(name, row.role, token)

    def rater_by_token(self, token: str) -> Rater | None:
        if not token:
            return None
        rater = self.rater_by_digest(token_digest(token))
        if rater is not None:
            rater.token = token
        return rater

    def rater_by_digest(self, digest: str) -> Rater | None:
        """The rater whose token has this digest (a web session holds the digest, never the token)."""
        if not digest:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(RaterRow.name, RaterRow.role, RaterRow.token)
                               .where(RaterRow.token == digest)).first()
        if row is None or not secrets.compare_digest(row.token, digest):
            return None
        return Rater(row.name, row.role)

    def raters(self) -> list[Rater]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(RaterRow.name, RaterRow.role).order_by(RaterRow.id)).all()
        return [Rater(r.name, r.role) for r in rows]

    # -- events ---------------------------------------------------------------------------------
    def add_event(self, event: FeedbackEvent) -> int:
        """Validates and appends one event (one INSERT in its own transaction); returns its id."""
        return self.add_events([event])[0]

    def add_events(self, events: list[FeedbackEvent], source: str = "event",
                   meta: dict[str, str] | None = None) -> list[int]:
        """Appends several events in one transaction (all or none), with ``meta`` records written in
        that same transaction (an import's mark lands with its events, or neither does); returns
        the events' ids in order."""
        rows = [_event_row(validate(e, source)) for e in events]
        ids = []
        with self.engine.begin() as conn:
            for row in rows:
                ids.append(conn.execute(EventRow.__table__.insert().values(**row)).inserted_primary_key[0])
            for key, value in (meta or {}).items():
                _put_meta(conn, key, value)
        for e, i in zip(events, ids):
            e.id = i
        return ids

    def events(self, kind: str | None = None, task_id: str | None = None,
               rater: str | None = None) -> list[FeedbackEvent]:
        """Every event (all versions, ``version`` set), in the order written."""
        q = select(EventRow.__table__).order_by(EventRow.id)
        if kind is not None:
            q = q.where(EventRow.kind == kind)
        if task_id is not None:
            q = q.where(EventRow.task_id == task_id)
        if rater is not None:
            q = q.where(EventRow.rater == rater)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return number_versions([_event_from_row(r) for r in rows])

    def count_events(self) -> int:
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(EventRow)).scalar_one()

    # -- items ----------------------------------------------------------------------------------
    def add_items(self, rows: list[dict], tasks: dict[str, str] | None = None, source: str = "items") -> int:
        """Scored rows as items; idempotent by (task_id, candidate_id). ``tasks`` maps task_id to
        prompt for rows that do not carry theirs. Returns how many were new."""
        values: dict[tuple[str, str], dict] = {}
        order: dict[str, int] = {}
        for n, row in enumerate(rows, 1):
            values.setdefault(*_item_values(source, n, row, order, tasks or {}))
        if not values:
            return 0
        table = ItemRow.__table__
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        new = 0
        batch = list(values.values())
        with self.engine.begin() as conn:
            for i in range(0, len(batch), 200):
                stmt = (insert(table).values(batch[i:i + 200])
                        .on_conflict_do_nothing(index_elements=["task_id", "candidate_id"]).returning(table.c.id))
                new += len(conn.execute(stmt).all())
        return new

    def items(self, task_id: str | None = None) -> list[Item]:
        q = select(ItemRow.__table__).order_by(ItemRow.id)
        if task_id is not None:
            q = q.where(ItemRow.task_id == task_id)
        with self.engine.connect() as conn:
            return [_item_from_row(r) for r in conn.execute(q).mappings().all()]

    def item(self, task_id: str, candidate_id: str) -> Item | None:
        q = select(ItemRow.__table__).where(ItemRow.task_id == task_id, ItemRow.candidate_id == str(candidate_id))
        with self.engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return _item_from_row(row) if row is not None else None

    def next_item(self, rater: str) -> Item | None:
        """The first item (in load order) this rater has not judged yet: where a review resumes."""
        judged = exists().where(EventRow.kind == "judgement", EventRow.rater == rater,
                                EventRow.task_id == ItemRow.task_id, EventRow.candidate_id == ItemRow.candidate_id)
        q = select(ItemRow.__table__).where(~judged).order_by(ItemRow.id).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return _item_from_row(row) if row is not None else None

    # -- the store's own records ---------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            _put_meta(conn, key, value)

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(MetaRow.value).where(MetaRow.key == key)).scalar_one_or_none()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "FeedbackStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _put_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(MetaRow.__table__.delete().where(MetaRow.key == key))
    conn.execute(MetaRow.__table__.insert().values(key=key, value=value))


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _event_row(e: FeedbackEvent) -> dict:
    return {"task_id": e.task_id, "candidate_id": e.candidate_id, "candidate_a": e.candidate_a,
            "candidate_b": e.candidate_b, "rater": e.rater, "kind": e.kind,
            "value": None if e.value is None else str(e.value), "dimension": e.dimension, "lines": e.lines,
            "label": e.label, "comment": e.comment, "code": e.code, "text": e.text, "time": e.time or now_iso(),
            "gold": bool(e.gold)}


def _event_from_row(r) -> FeedbackEvent:
    value: str | int | None = r["value"]
    if r["kind"] == "rating" and value is not None:
        value = int(value)
    return FeedbackEvent(task_id=r["task_id"], rater=r["rater"], kind=r["kind"], candidate_id=r["candidate_id"],
                         candidate_a=r["candidate_a"], candidate_b=r["candidate_b"], value=value,
                         dimension=r["dimension"], lines=list(r["lines"]) if r["lines"] is not None else None,
                         label=r["label"], comment=r["comment"], code=r["code"], text=r["text"], time=r["time"],
                         gold=bool(r["gold"]), id=r["id"])


def _item_values(source: str, n: int, row: Any, order: dict[str, int], tasks: dict[str, str]):
    if not isinstance(row, dict):
        raise InputError(source, n, None, f"expected a JSON object, got {type(row).__name__}")
    task_id = row.get("task_id")
    if not isinstance(task_id, (str, int)) or isinstance(task_id, bool) or str(task_id) == "":
        raise InputError(source, n, "task_id", "required (a string)")
    task_id = str(task_id)
    index = order.get(task_id, 0)
    order[task_id] = index + 1
    cid = row.get("candidate_id", index)
    if isinstance(cid, bool) or not isinstance(cid, (str, int)):
        raise InputError(source, n, "candidate_id", f"expected a string, got {cid!r}")
    details = row.get("details") if isinstance(row.get("details"), dict) else {}
    code = row.get("code") if isinstance(row.get("code"), str) else row.get("completion")
    if not isinstance(code, str):
        raise InputError(source, n, "code", "a scored row needs `code` or `completion`")
    reward = row.get("reward")
    if reward is not None and (isinstance(reward, bool) or not isinstance(reward, (int, float))):
        raise InputError(source, n, "reward", f"expected a number or null, got {reward!r}")
    passed, total = row.get("tests_passed", 0), row.get("tests_total", 0)
    for name, v in (("tests_passed", passed), ("tests_total", total)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise InputError(source, n, name, f"expected an integer, got {v!r}")
    prompt = row.get("prompt") if isinstance(row.get("prompt"), str) else tasks.get(task_id, "")
    language = row.get("language") or details.get("language") or "python"
    components = row.get("components") if isinstance(row.get("components"), dict) else {}
    return (task_id, str(cid)), {
        "task_id": task_id, "candidate_id": str(cid), "language": str(language), "prompt": prompt, "code": code,
        "verdict": str(row.get("verdict") or ""), "tests_passed": passed, "tests_total": total,
        "reward": None if reward is None else float(reward), "details": details, "components": components}


def _item_from_row(r) -> Item:
    return Item(task_id=r["task_id"], candidate_id=r["candidate_id"], language=r["language"], prompt=r["prompt"],
                code=r["code"], verdict=r["verdict"], tests_passed=r["tests_passed"], tests_total=r["tests_total"],
                details=r["details"] or {}, reward=r["reward"], components=r["components"] or {}, id=r["id"])


def open_store(db: str | None, settings=None) -> FeedbackStore:
    """The store at ``db``, else ``[feedback] db`` of the settings, else ./feedback.sqlite."""
    if not db and settings is not None:
        db = getattr(getattr(settings, "feedback", None), "db", None)
    return FeedbackStore(db or DEFAULT_DB)
