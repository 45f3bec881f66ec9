"""Large result arrays: ordinary pages, reused only once no array uses them, zeros when asked."""
import numpy as np

from gradsim.core import buffers, get_surface, run_ensemble

SHAPE = (301, 1000, 2)  # 4.8 MB: above the size that is mapped


def test_a_mapping_is_reused_only_after_every_view_of_it_is_gone():
    buffers.release()
    first = buffers.empty(SHAPE)
    first[...] = 7.0
    view = first[10:20]
    address = first.__array_interface__["data"][0]
    del first
    second = buffers.empty(SHAPE)  # the view still holds the first mapping
    assert second.__array_interface__["data"][0] != address and np.all(view == 7.0)
    del view
    third = buffers.zeros(SHAPE)  # now free: reused, and zeroed as asked
    assert third.__array_interface__["data"][0] == address and not third.any()
    del second, third
    buffers.release()


def test_idle_mappings_beyond_the_limit_are_unmapped(monkeypatch):
    buffers.release()
    in_use = list(buffers._mappings)  # by arrays other tests still hold, if any
    monkeypatch.setattr(buffers, "IDLE_LIMIT", 0)
    array = buffers.empty(SHAPE)
    del array
    buffers.empty((2,))  # small: plain NumPy, no mapping kept
    other = buffers.empty((302, 1000, 2))
    assert buffers._mappings == [*in_use, other.base.base.obj]  # the idle one was unmapped
    del other
    buffers.release()
    assert buffers._mappings == in_use


def test_a_trace_in_reused_memory_reads_zeros_where_the_optimizer_wrote_none():
    buffers.release()
    in_use = len(buffers._mappings)
    leftovers = [buffers.empty(SHAPE) for _ in range(8)]  # memory a dropped trace leaves, not zero
    for array in leftovers:
        array.fill(1.0)
    del leftovers, array
    starts = np.random.default_rng(0).uniform(-1, 1, size=(1000, 2))
    trace = run_ensemble(get_surface("rosenbrock"), "adam", {"lr": 1e-3}, starts, 300, keep="trace").trace
    assert len(buffers._mappings) == in_use + 8  # all reused
    assert not trace.state["v_max"].any() and np.isfinite(trace.params).all() and trace.state["v"].all()
    del trace
    buffers.release()
