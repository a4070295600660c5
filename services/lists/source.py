"""What a list declaration may draw on: a *source*, registered in code by the service that owns the data.

A source names its fields (label, kind, whether it can be shown on a page, exported, sorted) and
the filters it accepts (type, label, allowed values), and supplies the queries. Every query of a
source is restricted to the actor's jurisdiction and permission *inside the source*: a declaration
only chooses among the fields and filters registered here, so it cannot widen what an actor sees.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

FILTER_TYPES = ("region", "industry", "select", "text", "year_range", "flag", "date",  # date: a day (None = the source's default)
                "date_range")
KINDS = ("text", "code", "number", "datetime")  # code: kept as text in exports (credit codes, adcodes)

# The modules that register sources; imported on first use (they import this module).
SOURCE_MODULES = ("services.cmmm.admin", "services.monitor.enterprises", "services.monitor.queue_list",
                  "services.monitor.queries", "services.monitor.report_queries", "services.monitor.reporting_queries",
                  "services.identity.accounts", "services.quality.admin")


@dataclass(frozen=True)
class Field:
    label: str
    kind: str = "text"
    sort: Any = None          # a SQL expression when the source can sort by the field; None = not sortable
    screen: bool = True       # present in a page's rows
    export: bool = True       # present in the export stream


@dataclass(frozen=True)
class Param:
    type: str                                         # one of FILTER_TYPES
    label: str
    choices: Callable[[], Mapping[Any, str]] | None = None   # select: allowed value → label (fixed or computed)


@dataclass(frozen=True)
class Order:
    """The sort a runner hands a source: SQL ``ORDER BY`` clauses (the source appends its tie-breakers)."""
    field: str | None = None
    descending: bool = False
    clauses: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Page:
    total: int
    items: list[Any]                                   # the source's own row objects (dicts or dataclasses)
    metrics: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """``page(actor, params, order, page_index, page_size) -> Page``;
    ``stream(actor, params, order) -> Iterator[item]`` yields the whole result for an export (streamed): mappings
    or objects by field key, or — the fast path, with ``stream_keys`` — plain sequences in that key order."""
    code: str
    permission: str
    fields: Mapping[str, Field]
    params: Mapping[str, Param]
    page: Callable[..., Page]
    stream: Callable[..., Iterator[Any]] | None = None
    stream_keys: tuple[str, ...] | None = None  # set when ``stream`` yields sequences (field keys in this order)


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Register ``source`` under its code (called by the owning service at import)."""
    for p in source.params.values():
        assert p.type in FILTER_TYPES, p
    for f in source.fields.values():
        assert f.kind in KINDS, f
    _SOURCES[source.code] = source
    return source


def sources() -> dict[str, Source]:
    """Return every registered source (importing the owning services first)."""
    for name in SOURCE_MODULES:
        importlib.import_module(name)
    return dict(_SOURCES)


def value(item: Any, key: str) -> Any:
    """Return field ``key`` of a source row (a mapping or an object with attributes)."""
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


# --- the two ways a source usually reads ----------------------------------------------------------
def computed(rows: Callable[[Any, dict[str, Any]], list[Any]]) -> tuple[Callable[..., Page], Callable[..., Iterator[Any]]]:
    """Return (page, stream) for a source whose whole result is computed at once by ``rows(actor, params)``
    — a row per group or per region, a few hundred at most: a page is a slice, the export all of it."""
    def page(actor: Any, p: dict[str, Any], order: Order, index: int, size: int) -> Page:
        found = rows(actor, p)
        return Page(len(found), found[index * size:(index + 1) * size])

    def stream(actor: Any, p: dict[str, Any], order: Order) -> Iterator[Any]:
        return iter(rows(actor, p))
    return page, stream


def queried(select: Callable[[Any, dict[str, Any], Order], tuple[Any, Any]],
            rows: Callable[[Any, list[Any]], list[Any]], chunk: int = 500
            ) -> tuple[Callable[..., Page], Callable[..., Iterator[Any]]]:
    """Return (page, stream) for a source read by SQL: ``select(actor, params, order)`` gives the ordered
    row query and its count query (both already inside the actor's jurisdiction); ``rows(session, found)``
    turns a slice of result rows into the source's items. A page is one LIMIT / OFFSET; the export reads
    the whole result in chunks of ``chunk`` in one read-only transaction (memory stays flat)."""
    from db.engine import session_scope

    def page(actor: Any, p: dict[str, Any], order: Order, index: int, size: int) -> Page:
        with session_scope(read=True) as session:
            query, count = select(actor, p, order)
            total = session.scalar(count) or 0
            return Page(int(total), rows(session, list(session.execute(query.offset(index * size).limit(size)))))

    def stream(actor: Any, p: dict[str, Any], order: Order) -> Iterator[Any]:
        with session_scope(read=True) as session:
            query, _ = select(actor, p, order)
            for part in session.execute(query.execution_options(yield_per=chunk)).partitions(chunk):
                yield from rows(session, list(part))
    return page, stream
