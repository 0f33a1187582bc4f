"""`collector_paused`: Python's cycle collector off while a knowledge base is loaded or indexed.

A load or an index build makes millions of small objects and no reference cycles; as they pile
up, the collector would walk all of them again and again (a third to half of the build time at
10,000 entries). Guarantees: the collector is off only while at least one `with
collector_paused:` block runs in any thread, on again when the last one ends (even on an
exception), and a collector that someone else turned off stays off. Memory is still freed as
usual: only cycles wait for the next collection.
"""

from __future__ import annotations

import gc
import threading


class _CollectorPause:
    """A context manager shared by every thread; counts the blocks that run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blocks = 0
        self._disabled = False  # by us

    def __enter__(self) -> None:
        with self._lock:
            if self._blocks == 0 and gc.isenabled():
                gc.disable()
                self._disabled = True
            self._blocks += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._blocks -= 1
            if self._blocks == 0 and self._disabled:
                gc.enable()
                self._disabled = False


collector_paused = _CollectorPause()
