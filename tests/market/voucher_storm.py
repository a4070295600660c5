"""A grab storm: several OS processes, each with a pool of threads, grabbing vouchers of one type.

Used by tests/market/test_voucher_concurrency.py (the proof) and bench/bench_vouchers.py (the numbers).
Each process binds its own engine to the database URL, as an app process does. Every grab's outcome
is recorded as "ok", the name of the ``ServiceError`` subclass it raised, or ``!`` + the class of
anything else (a leak: a defect).
"""
from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from services.core.permissions import Actor, permissions_for

Outcome = tuple[str, float]   # (outcome, seconds)


def enterprise_actor(account_id: int, org_id: int) -> Actor:
    """The actor of an enterprise account (as sign-in builds it), for processes that did not sign in."""
    roles = frozenset({"enterprise"})
    return Actor(account_id, f"acct{account_id}", f"acct{account_id}", roles, permissions_for(roles), org_id=org_id)


def _grab_once(actor: Actor, type_id: int) -> Outcome:
    from services.core.errors import ServiceError
    from services.market import vouchers
    start = time.perf_counter()
    try:
        vouchers.grab(actor, type_id)
        outcome = "ok"
    except ServiceError as exc:
        outcome = type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - recorded: the test fails on any of these
        outcome = f"!{type(exc).__name__}: {exc}"[:300]
    return outcome, time.perf_counter() - start


def _plain_once(_: object, type_id: int) -> Outcome:
    """The baseline: one bare conditional decrement in its own transaction, no service around it."""
    from sqlalchemy import text

    from db.engine import get_engine
    start = time.perf_counter()
    with get_engine().begin() as conn:
        done = conn.execute(text("UPDATE voucher_type SET remaining = remaining - 1 WHERE id = :id AND remaining > 0"),
                            {"id": type_id}).rowcount
    return ("ok" if done == 1 else "Conflict"), time.perf_counter() - start


def storm_process(url: str, type_id: int, actors: Sequence[Actor | None], threads: int, start_at: float,
                  plain: bool = False) -> tuple[list[Outcome], float]:
    """In one process: bind the engine to ``url``, wait for ``start_at`` (time.time()), then grab once
    for each actor in ``actors`` from ``threads`` threads (``plain``: the bare UPDATE baseline instead);
    return the outcomes in order and when the last one finished (time.time())."""
    from db import engine
    engine.configure(url)
    with engine.get_engine().connect():            # connect before the start line, not on it
        pass
    once = _plain_once if plain else _grab_once
    time.sleep(max(0.0, start_at - time.time()))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = list(pool.map(lambda a: once(a, type_id), actors))
    return outcomes, time.time()


def storm(url: str, type_id: int, actors: Sequence[Actor | None], processes: int, threads: int,
          lead_seconds: float = 4.0, plain: bool = False) -> tuple[list[Outcome], float]:
    """Spread one grab per entry of ``actors`` over ``processes`` spawned processes × ``threads``
    threads, all starting together; return (every outcome, wall seconds from the start line)."""
    ctx = multiprocessing.get_context("spawn")
    shares = [list(actors[i::processes]) for i in range(processes)]
    start_at = time.time() + lead_seconds
    with ctx.Pool(processes) as pool:
        parts = pool.starmap(storm_process, [(url, type_id, share, threads, start_at, plain) for share in shares])
    wall = max(finished for _, finished in parts) - start_at
    return [o for part, _ in parts for o in part], wall


def storm_threads(type_id: int, actors: Sequence[Actor], threads: int) -> list[Outcome]:
    """The same storm from threads of this process, on the engine already configured."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda a: _grab_once(a, type_id), actors))
