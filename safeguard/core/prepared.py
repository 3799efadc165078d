"""Queries built once and run many times with new parameters.

Building a Django query (``filter``, ``annotate``, ``Exists``...) and compiling it to SQL
costs far more than running it when the query is an index lookup for one child: the
incremental re-check of one child and the access rule of every page were almost all ORM
construction (docs/performance.md). `run_prepared` builds a queryset once per *shape*,
compiles it once, and afterwards only substitutes the parameters and executes the SQL.

    rows = run_prepared(
        ("visits", as_of, thresholds),              # everything the SQL text depends on
        lambda p: Placement.objects.filter(child_id__in=p["child_ids"], ...).values_list(...),
        child_ids=[42],                              # late-bound parameters
    )

How the parameters are late-bound: the builder is called once with *sentinels* in their
place (impossible ids, dates in the year 1111), the query is compiled, and the positions
where the sentinels landed in the SQL parameters are recorded. Each later run copies the
parameter tuple, puts the real values at those positions (adapted for the engine as Django
would have: dates are text on SQLite), executes the SQL on the same connection and converts
the rows with the compiler's own converters (dates, JSON, decimals), so the rows are the
ones the queryset would have returned.

Rules for a builder (checked where they can be):
  - it depends only on the key and the named parameters: anything else that changes the
    query (a threshold, the as-of date) belongs in the key;
  - it does not read the database (a query run while building is detected, and the
    result is then not cached);
  - it returns a `values_list` queryset (tuples, or flat values), or a queryset of model
    instances (with `select_related` if need be, but no `prefetch_related`): the instances
    are then made from the rows as Django's own ModelIterable makes them.
If a sentinel is not found exactly among the SQL parameters (say it was folded into the
SQL text) nothing is cached and the query runs the ordinary way, so a builder can never get
the wrong rows from the cache. `prepared_disabled()` switches caching off (the equivalence
tests compare both ways on generated data).

On PostgreSQL the cached SQL is also prepared on the server, once per connection, with the
parameters bound there, so the server does not plan it again on every run
(`SAFEGUARD_PREPARED_ON_SERVER`, on by default; see `_fetch_server_prepared`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

_MAX_ENTRIES = 2048
# Lists of more ids than this are not late-bound (each length compiles its own IN (...)):
# large lists are sweeps of many children, where building costs little next to running.
MAX_LIST = 64
_SENTINEL_INT = -9_111_000_000_000
_SENTINEL_DAY = dt.date(1111, 1, 1)
_SENTINEL_MOMENT = dt.datetime(1111, 1, 1, 11, 11, 11, 111111, tzinfo=dt.UTC)

_state = threading.local()
_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()
stats = {"hits": 0, "misses": 0, "uncacheable": 0}


@contextlib.contextmanager
def prepared_disabled():
    """Build and compile every query afresh in this thread (the straightforward way)."""
    previous = getattr(_state, "disabled", False)
    _state.disabled = True
    try:
        yield
    finally:
        _state.disabled = previous


def clear() -> None:
    with _lock:
        _cache.clear()


@dataclass(frozen=True)
class _Entry:
    sql: str
    params: tuple
    # (position in params, parameter name, index within a list parameter or None, kind)
    slots: tuple[tuple[int, str, int | None, str], ...]
    compiler: object
    flat: bool
    model: bool = False
    # What `results_iter` and `_instances` work out from the compiler on every run, worked
    # out once: the converters of the select list, and for model instances the plan.
    converters: dict | None = None
    plan: tuple | None = None


class _Uncacheable(Exception):
    pass


def _sentinel_for(name_index: int, value):
    """A sentinel of the value's kind (and, for a list, one per element)."""
    if isinstance(value, (list, tuple)):
        return [_sentinel_for(name_index * MAX_LIST + i + 1, v) for i, v in enumerate(value)]
    if isinstance(value, bool):
        raise _Uncacheable("booleans are part of the shape: put them in the key")
    if isinstance(value, int):
        return _SENTINEL_INT - name_index
    if isinstance(value, dt.datetime):
        return _SENTINEL_MOMENT + dt.timedelta(seconds=name_index)
    if isinstance(value, dt.date):
        return _SENTINEL_DAY + dt.timedelta(days=name_index)
    raise _Uncacheable(f"cannot late-bind a {type(value).__name__}")


def _kind(value) -> str:
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    return "int"


def _adapt(connection, kind: str, value):
    ops = connection.ops
    if kind == "datetime":
        return ops.adapt_datetimefield_value(value)
    if kind == "date":
        return ops.adapt_datefield_value(value)
    return value


def _shape(params: dict) -> tuple:
    """What of the parameters changes the SQL text: which are None and list lengths."""
    return tuple(
        (name, None if v is None else len(v) if isinstance(v, (list, tuple)) else -1)
        for name, v in sorted(params.items())
    )


def _rows(queryset: QuerySet) -> list:
    return list(queryset)


def run_prepared(key: Hashable, build: Callable[[dict], QuerySet], **params) -> list:
    """The rows of `build(params)`, compiled once per key and parameter shape."""
    for value in params.values():
        if isinstance(value, (list, tuple)) and len(value) > MAX_LIST:
            return _rows(build(params))
        if any(_out_of_range(v) for v in (value if isinstance(value, (list, tuple)) else [value])):
            # Django turns an id no column can hold into "no rows"; the driver would raise.
            return _rows(build(params))
    if getattr(_state, "disabled", False):
        return _rows(build(params))
    connection = connections["default"]
    full_key = (connection.alias, connection.vendor, key, _shape(params))
    entry = _cache.get(full_key)
    if entry is None:
        try:
            entry = _compile(connection, build, params)
        except _Uncacheable:
            stats["uncacheable"] += 1
            return _rows(build(params))
        with _lock:
            _cache[full_key] = entry
            while len(_cache) > _MAX_ENTRIES:
                _cache.popitem(last=False)
        stats["misses"] += 1
    else:
        stats["hits"] += 1
    return _execute(connection, entry, params)


def _compile(connection, build, params: dict) -> _Entry:
    names = sorted(params)
    sentinels = {}
    for index, name in enumerate(names):
        value = params[name]
        if value is None:
            sentinels[name] = None
        else:
            sentinels[name] = _sentinel_for(index + 1, value)

    def refuse_queries(execute, sql, params_, many, context):
        raise _Uncacheable("the builder read the database")

    with connection.execute_wrapper(refuse_queries):
        queryset = build(sentinels)
    if not isinstance(queryset, QuerySet) or queryset._iterable_class not in (
        ValuesListIterable,
        FlatValuesListIterable,
        ModelIterable,
    ):
        raise _Uncacheable("only values_list and model querysets are prepared")
    if queryset._iterable_class is ModelIterable and (
        queryset._prefetch_related_lookups or queryset._known_related_objects
    ):
        raise _Uncacheable("prefetches and related managers' querysets are not prepared")
    if queryset.db != connection.alias:
        raise _Uncacheable("another database")
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, sql_params = compiler.as_sql()
    except EmptyResultSet:
        raise _Uncacheable("no SQL: the query is empty whatever the data") from None
    sql_params = tuple(sql_params)
    # Where each sentinel landed, in the engine's adapted form.
    wanted = {}
    for name in names:
        value = sentinels[name]
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            kind = _kind(item)
            wanted[_adapt(connection, kind, item)] = (
                name,
                i if isinstance(value, list) else None,
                kind,
            )
    slots = []
    found = set()
    for position, param in enumerate(sql_params):
        try:
            hit = wanted.get(param)
        except TypeError:  # unhashable (a list parameter): not a sentinel slot
            hit = None
            if isinstance(param, (list, tuple)) and any(_hashable_in(p, wanted) for p in param):
                raise _Uncacheable("a list parameter holds sentinels") from None
        if hit is not None:
            slots.append((position, *hit))
            found.add(param)
    for adapted in wanted:
        text = str(adapted)
        if text in sql:
            raise _Uncacheable("a sentinel was written into the SQL text")
    slotted = {position for position, *_ in slots}
    for position, param in enumerate(sql_params):
        if position not in slotted and _looks_derived(param):
            # A value computed from a sentinel (a day before it, an id plus one) or adapted
            # in a form not foreseen: the cached SQL would hold it. Build afresh instead.
            raise _Uncacheable("a parameter derived from a sentinel")
    # A sentinel the builder did not use is fine (that parameter does not change the
    # rows); one used but hidden from the parameters was refused above.
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    if compiler.has_composite_fields(fields):
        raise _Uncacheable("composite fields")
    model = queryset._iterable_class is ModelIterable
    return _Entry(
        sql=sql,
        params=sql_params,
        slots=tuple(slots),
        compiler=compiler,
        flat=queryset._iterable_class is FlatValuesListIterable,
        model=model,
        converters=compiler.get_converters(fields),
        plan=_instance_plan(connection, compiler) if model else None,
    )


def _out_of_range(value) -> bool:
    return isinstance(value, int) and not -(2**63) <= value < 2**63


def _looks_derived(param) -> bool:
    if isinstance(param, bool):
        return False
    if isinstance(param, int):
        return param <= _SENTINEL_INT + 10_000_000
    if isinstance(param, (str, dt.date)):
        text = str(param)
        return any(year in text for year in ("1110-", "1111-", "1112-"))
    if isinstance(param, (list, tuple)):
        return any(_looks_derived(p) for p in param)
    return False


def _hashable_in(value, mapping) -> bool:
    try:
        return value in mapping
    except TypeError:
        return False


def _execute(connection, entry: _Entry, params: dict) -> list:
    values = list(entry.params)
    for position, name, index, kind in entry.slots:
        value = params[name]
        if index is not None:
            value = value[index]
        values[position] = _adapt(connection, kind, value)
    if connection.vendor == "postgresql" and _server_prepare_on():
        rows = _fetch_server_prepared(connection, entry, values)
    else:
        rows = _fetch(connection, entry.sql, values)
    if entry.converters:
        rows = list(entry.compiler.apply_converters(rows, entry.converters))
    if entry.model:
        return _instances(connection, entry.plan, rows)
    if entry.flat:
        return [row[0] for row in rows]
    return [tuple(row) for row in rows]


def _fetch(connection, sql: str, values: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


# PostgreSQL: a cached query is also prepared on the server (once per connection), so that
# it is not planned again on every run. Planning was three quarters of the database time
# of a child's re-check (61 checks' correlated subqueries: about 56 ms planning against
# 18 ms executing). Django binds parameters on the client and never prepares (for the
# sake of transaction-mode connection poolers: SAFEGUARD_PREPARED_ON_SERVER = False turns
# this off); here only the cached queries are bound on the server. A statement the
# server refuses with server-side parameters (a parameter whose type it cannot infer) is
# noted and runs the client-bound way from then on.
_server_refused: set[str] = set()
_server_accepted: set[str] = set()
_SERVER_PREPARED_MAX = 1024  # statements kept prepared per connection (psycopg's LRU)


def _server_prepare_on() -> bool:
    from django.conf import settings

    if not getattr(settings, "SAFEGUARD_PREPARED_ON_SERVER", True):
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3  # psycopg 2 has no server-side binding


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Binds on the server and prepares every statement it runs."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def _server_cursor(connection):
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # None (Django's default) disables preparing altogether; a threshold nothing
        # reaches prepares only what asks to be (prepare=True): the cached queries.
        raw.prepare_threshold = 2**31 - 1
        raw.prepared_max = _SERVER_PREPARED_MAX
    # Through Django's cursor wrapper: execute wrappers, query logging, error translation.
    return connection._prepare_cursor(_preparing_cursor_class()(raw))


def _fetch_server_prepared(connection, entry: _Entry, values: list) -> list:
    from django.db import DatabaseError, transaction

    if entry.sql in _server_refused:
        return _fetch(connection, entry.sql, values)
    if entry.sql in _server_accepted:
        with _server_cursor(connection) as cursor:
            cursor.execute(entry.sql, values)
            return cursor.fetchall()
    try:
        # The first time, in a savepoint: a refusal must not break the caller's transaction.
        with transaction.atomic(using=connection.alias), _server_cursor(connection) as cursor:
            cursor.execute(entry.sql, values)
            rows = cursor.fetchall()
    except DatabaseError:
        _server_refused.add(entry.sql)
        return _fetch(connection, entry.sql, values)
    _server_accepted.add(entry.sql)
    return rows


def _instance_plan(connection, compiler) -> tuple:
    """How to make model instances from the rows, as Django's ModelIterable does (the
    compiler kept from compiling holds the select list and where each related model's
    columns are): worked out once per prepared query."""
    select, klass_info = compiler.select, compiler.klass_info
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    related_populators = get_related_populators(klass_info, select, connection.alias)
    return (
        klass_info["model"],
        start,
        end,
        init_list,
        related_populators,
        tuple(compiler.annotation_col_map.items()) if compiler.annotation_col_map else (),
    )


def _instances(connection, plan: tuple, rows) -> list:
    """Model instances from the (converted) rows, following the plan."""
    db = connection.alias
    model_cls, start, end, init_list, related_populators, annotations = plan
    objects = []
    for row in rows:
        obj = model_cls.from_db(db, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, obj)
        for attr_name, col_pos in annotations:
            setattr(obj, attr_name, row[col_pos])
        objects.append(obj)
    return objects


def ids(values: Sequence[int] | None) -> list[int] | None:
    """A sorted list of ids (or None): the form `run_prepared` late-binds."""
    return None if values is None else sorted(set(values))
