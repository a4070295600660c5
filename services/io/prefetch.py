"""Read ahead of a consumer: the producer's database work overlaps the consumer's Python.

``prefetched(rows)`` iterates ``rows`` in a worker thread and hands chunks through a small bounded
queue. The database drivers (sqlite3 stepping, psycopg waiting on the server) release the GIL, so
while the .xlsx writer formats one chunk the next chunk is being read — an export's wall time is
then about the larger of the two, not their sum. Memory stays bounded (``depth`` chunks). An error
in the producer is raised in the consumer; a consumer that stops early (an error while writing)
stops the producer and closes its iterator, so its transaction ends.

Only for iterators that open and use their own database session (the list sources' ``stream``
generators): the worker thread is the only one touching it.
"""
from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()


def prefetched(rows: Iterable[T], chunk: int = 2000, depth: int = 4) -> Iterator[T]:
    """Yield the items of ``rows`` in order, read ahead in a worker thread."""
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    source = iter(rows)

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            while not stop.is_set():
                part = list(islice(source, chunk))
                if not part or not put(part):
                    break
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=contextvars.copy_context().run, args=(produce,), name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            part = q.get()
            if part is _DONE:
                return
            if isinstance(part, BaseException):
                raise part
            yield from part
    finally:
        stop.set()
        worker.join()
