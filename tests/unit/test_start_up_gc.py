"""``start_up_gc``: the collector held while gemtui starts, and how it is given back."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from gemtui.core import start_up_gc


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """Whatever a test does, the process's collector is as it was after it."""
    gc.unfreeze()
    yield
    start_up_gc.release()
    gc.unfreeze()
    gc.enable()


def test_hold_stops_the_collector_and_release_frees_what_start_up_left() -> None:
    start_up_gc.hold()
    assert not gc.isenabled()
    garbage = _Cycle()
    gone = weakref.ref(garbage)
    del garbage
    assert gone() is not None  # held: nothing collects it
    start_up_gc.release()
    assert gone() is None
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # not asked to freeze


def test_release_collects_before_it_freezes() -> None:
    """Start-up's garbage must not be frozen with the objects that live on."""
    start_up_gc.hold()
    garbage = _Cycle()
    gone = weakref.ref(garbage)
    del garbage
    kept = _Cycle()
    start_up_gc.release(freeze=True)
    assert gone() is None
    assert gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # frozen: out of its sight
    assert gc.isenabled()


def test_a_collector_someone_else_stopped_stays_stopped() -> None:
    gc.disable()
    start_up_gc.hold()
    start_up_gc.release(freeze=True)
    assert not gc.isenabled()
    assert gc.get_freeze_count() > 0  # the freeze still happens


def test_release_twice_collects_once() -> None:
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    start_up_gc.hold()
    gc.callbacks.append(count)
    try:
        start_up_gc.release()
        start_up_gc.release()
    finally:
        gc.callbacks.remove(count)
    assert collections == [2]
