"""``prefetched``: same items in the same order, the producer's error raised in the consumer, an early stop
closes the producer (so its transaction ends), and no more than ``depth`` chunks are read ahead."""
import threading
import time

import pytest

from services.io.prefetch import prefetched


def test_same_items_same_order() -> None:
    assert list(prefetched(range(10_007), chunk=100)) == list(range(10_007))
    assert list(prefetched([])) == []


def test_error_in_the_producer_reaches_the_consumer_after_the_items_before_it() -> None:
    def rows():  # type: ignore[no-untyped-def]
        yield from range(5)
        raise ValueError("源数据错误")
    seen = []
    with pytest.raises(ValueError, match="源数据错误"):
        for x in prefetched(rows(), chunk=2):
            seen.append(x)
    assert seen == [0, 1, 2, 3]  # the chunk holding 4 was cut short by the error


def test_consumer_stopping_early_closes_the_producer_and_bounds_read_ahead() -> None:
    made, closed = [], threading.Event()

    def rows():  # type: ignore[no-untyped-def]
        try:
            for i in range(1_000_000):
                made.append(i)
                yield i
        finally:
            closed.set()
    it = prefetched(rows(), chunk=10, depth=2)
    assert next(it) == 0
    time.sleep(0.2)
    assert len(made) <= 10 * (2 + 2)  # queue depth + the chunk being consumed + the one being built
    it.close()
    assert closed.wait(2)
    assert not any(t.name == "prefetch" and t.is_alive() for t in threading.enumerate())
