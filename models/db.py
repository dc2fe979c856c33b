"""The engine, sessions, and bringing a database up to the current schema."""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event, insert, select, text, update
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.base import Executable
from sqlmodel import Session, SQLModel, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do: it names the lock that serialises migrations between instances.
_MIGRATION_LOCK_ID = 0x4A7D17B0


def create_db_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        path = make_url(url).database
        if path and path != ":memory:":
            event.listen(engine, "connect", _FileIdentity(path).remember)
        return engine
    return create_engine(_without_jit(url), pool_pre_ping=True, pool_size=5, max_overflow=10)


def _without_jit(url: str) -> URL:
    """No JIT: Auditbot's queries are short, and PostgreSQL compiled the retention sweep's
    look-up of old DMs (a high estimate on a large outbox) for 280 ms to run it in 150. Added
    to the URL's own server options (a search_path, say), not in their place."""
    parsed = make_url(url)
    options = parsed.query.get("options")
    given = " ".join(options) if isinstance(options, tuple) else options
    return parsed.update_query_dict({"options": " ".join(filter(None, [given, "-c jit=off"]))})


class DatabaseFileGone(Exception):
    """The SQLite file this program opened was deleted or replaced while it ran: what is
    written now would not be there after a restart, so nothing may be confirmed."""


class _FileIdentity:
    """The SQLite file an engine works on, as first opened. Every connection remembers it,
    so a connection still open on a deleted file, or a new one on a file created in its place,
    is known to be on the wrong one (`ensure_database_file`)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.inode: int | None = None

    def remember(self, _dbapi_connection: object, record: Any) -> None:
        if self.inode is None:
            self.inode = _inode(self.path)
        record.info["database file"] = (self.path, self.inode)


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def ensure_database_file(connection: Connection) -> None:
    """Raise DatabaseFileGone when the connection's SQLite file is not the one first opened."""
    remembered = connection.connection.info.get("database file")
    if remembered is not None:
        path, inode = remembered
        if _inode(path) != inode:
            raise DatabaseFileGone(f"the database file {path} was deleted or replaced")


def _configure_sqlite(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Write-ahead logging: readers (a `serve` answering Slack) don't wait for a writer (the
    # sender, `auditbot tick`), and a commit costs one sync instead of several.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def upgrade_database(engine: Engine) -> None:
    """Migrate an empty or older database to the current schema (safe with several instances)."""
    with engine.begin() as connection:
        if _schema_revision(connection) != newest_revision():
            _migrate(connection)
        if connection.dialect.name == "sqlite" and _needs_first_statistics(connection):
            connection.execute(text("ANALYZE"))


def newest_revision() -> str:
    """The newest migration's revision, read from the file names (`0024_….py` is revision
    "0024"; tests/database hold this to Alembic's own head)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*.py"))


def _schema_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None for one never migrated. Read before Alembic is
    imported: a database already current, as nearly every start finds it, needs none of its
    9 MB (with Mako and Pygments) in a `tick` or `serve`."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _migrate(connection: Connection) -> None:
    from alembic import command

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    command.upgrade(alembic_config(connection), "head")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for these migrations (on `connection`, when given)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# Cases from which a SQLite database without statistics is given them when a command starts:
# below it the default plans do, and figures of a nearly empty database would mislead.
FIRST_STATISTICS_FROM_CASES = 1000


def _needs_first_statistics(connection: Connection) -> bool:
    """SQLite has no statistics until ANALYZE (PostgreSQL's autovacuum gathers its own).
    Without them it picks an index by its columns alone: the outbox's status index (half the
    table) over the one of what is still in Slack, say."""
    analysed = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    ).first()
    if analysed:
        return False
    cases = connection.execute(
        text('SELECT count(*) FROM (SELECT 1 FROM "case" LIMIT :enough)'),
        {"enough": FIRST_STATISTICS_FROM_CASES},
    ).scalar_one()
    return cases >= FIRST_STATISTICS_FROM_CASES


def refresh_statistics(session: Session) -> None:
    """SQLite: what the day's queries found stale or missing is analysed again (SQLite's
    recommended upkeep for long-lived connections; usually nothing to do). PostgreSQL's
    autovacuum does this itself."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA optimize"))


SessionFactory = Callable[[], Session]


def session_factory(engine: Engine) -> SessionFactory:
    def make_session() -> Session:
        return Session(engine, expire_on_commit=False)

    return make_session


T = TypeVar("T")
_MEMO = "auditbot.memo"


def transaction_memo(session: Session, key: tuple[Hashable, ...], load: Callable[[], T]) -> T:
    """`load()`, once per transaction for `key` (whose first item names the kind of look-up):
    for what every queued message asks, such as who is away, when a job queues hundreds.
    Whoever writes what a kind reads calls `forget_memo` for that kind."""
    memo = session.info.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = load()
    return memo[key]


def memo_entries(session: Session, kinds: Iterable[str]) -> dict[tuple[Hashable, ...], Any]:
    """What this transaction has read, of these kinds (to seed a later one: `seed_memo`)."""
    wanted = set(kinds)
    return {key: value for key, value in session.info.get(_MEMO, {}).items() if key[0] in wanted}


def seed_memo(session: Session, entries: dict[tuple[Hashable, ...], Any]) -> None:
    """Start this transaction with what an earlier one read, for kinds its caller knows do not
    change meanwhile (a writer's `forget_memo` still drops them)."""
    session.info.setdefault(_MEMO, {}).update(entries)


def forget_memo(session: Session, kind: str) -> None:
    memo = session.info.get(_MEMO, {})
    for key in [key for key in memo if key[0] == kind]:
        del memo[key]


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_memo_at_end(session: OrmSession, ended: SessionTransaction) -> None:
    if ended.parent is None:  # the outermost transaction: what it read may change now
        session.info.pop(_MEMO, None)
        session.info.pop(_DEFERRED, None)  # inserted at commit, or rolled back


def rows_by_id(session: Session, model: type[SQLModel], ids: Iterable[int | None]) -> dict:
    """The rows with these ids, in one query instead of a `session.get` each."""
    wanted = {row_id for row_id in ids if row_id is not None}
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}


# -- deferred inserts ------------------------------------------------------------------------------
# Rows nobody reads back at once (queued messages, audit-log entries) wait in the session and go
# in one executemany per table: before anything in the transaction reads or changes that table
# (any statement the ORM cannot place counts), when asked, and at commit; a rollback drops them.
# A busy day writes ~1,000 such rows, each otherwise a round trip to the server.

_DEFERRED = "auditbot.deferred_inserts"
DEFERRED_BATCH = 1000  # rows of one table held before they are sent


def defer_insert(
    session: Session, model: type[SQLModel], row: dict[str, Any], statement: Executable
) -> None:
    """Insert `row` with `statement` (an INSERT of `model`'s table) later in this transaction."""
    pending = session.info.setdefault(_DEFERRED, {})
    rows = pending.setdefault(model, (statement, []))[1]
    rows.append(row)
    if len(rows) >= DEFERRED_BATCH:  # bounded: a large draw's messages are not all held at once
        insert_deferred(session, model)


def insert_deferred(session: OrmSession, model: type[SQLModel] | None = None) -> None:
    """Send the rows waiting for `model`'s table now (all tables' when None), in order."""
    pending = session.info.get(_DEFERRED)
    if not pending:
        return
    for waiting in [model] if model is not None else list(pending):
        statement, rows = pending.pop(waiting, (None, None))
        if rows:
            session.connection().execute(statement, rows)


@event.listens_for(OrmSession, "do_orm_execute")
def _insert_deferred_before_their_table_is_used(state: ORMExecuteState) -> None:
    pending = state.session.info.get(_DEFERRED)
    if not pending:
        return
    mappers = state.all_mappers
    if not mappers:  # a statement the ORM cannot place: it may read any table
        insert_deferred(state.session)
    for mapper in mappers:
        if mapper.class_ in pending:
            insert_deferred(state.session, mapper.class_)


@event.listens_for(OrmSession, "before_commit")
def _insert_deferred_at_commit(session: OrmSession) -> None:
    insert_deferred(session)


M = TypeVar("M", bound=SQLModel)


def insert_all(session: Session, model: type[M], rows: list[dict[str, Any]], key: str) -> list[M]:
    """New rows of one table, given as their columns' values, in one INSERT … RETURNING, as
    persistent objects in the order given (matched by the column `key`, unique among them).
    The ORM's flush sends one INSERT a row on SQLite, which cannot tie the ids it returns to
    their rows; a draw writes a row per manager. Values, not model objects: SQLModel's
    constructor took a fifth of a millisecond a row (a re-audit's 20 fields)."""
    if not rows:
        return []
    values = [_with_defaults(model, row) for row in rows]
    stored = {
        getattr(obj, key): obj for obj in session.scalars(insert(model).returning(model), values)
    }
    return [stored[row[key]] for row in rows]


def _with_defaults(model: type[SQLModel], row: dict[str, Any]) -> dict[str, Any]:
    """The row with every other field's default, as the model's constructor would give it."""
    return {
        name: row[name] if name in row else field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
        if name != "id"
    }


@contextmanager
def transaction(make_session: SessionFactory) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with make_session() as session:
        try:
            yield session
            ensure_database_file(session.connection())
            session.commit()
        except BaseException:
            session.rollback()
            raise


def lock_row(session: Session, model: type[SQLModel], row_id: int) -> None:
    """Take `model` row `row_id`'s write lock before reading what to change.

    Two transactions that lock the same row run one after the other, and the second reads what
    the first committed: a quick double click or two instances make one change, not two.
    PostgreSQL locks the row (SELECT … FOR UPDATE); SQLite has no row locks, so a no-op UPDATE
    takes the database's write lock (SQLite starts a transaction only at the first write).
    """
    table = model.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())
    else:
        session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))
