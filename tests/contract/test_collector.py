"""memberctl.collector.paused: the cyclic collector is off inside, back on after (also when the
block raises), and a nested block leaves it to the outer one."""

from __future__ import annotations

import gc

import pytest

from memberctl import collector


def test_paused_turns_the_collector_off_and_back_on():
    assert gc.isenabled()
    with collector.paused() as collect:
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not turn it on under the outer one
        collect()
    assert gc.isenabled()


def test_paused_turns_it_back_on_when_the_block_raises():
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError
    assert gc.isenabled()


def test_paused_leaves_it_off_if_it_was_off():
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
