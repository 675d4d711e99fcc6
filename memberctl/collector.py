"""Python's cyclic garbage collector, paused around work that makes many objects in no cycle.

An import, an export or a report of a million rows allocates millions of small objects that
reference counting frees; the collector would walk every live one again and again (about 12%
of an import's time, 2.4 s of `report forecast`'s 6.7 s of row-making at a million members).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[Callable[[], object]]:
    """No cyclic collection in the block; the function yielded collects the young generation
    (for a caller that makes its objects in chunks). Nested, the outer block re-enables it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if enabled:
            gc.enable()
