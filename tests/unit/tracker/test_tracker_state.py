"""HistoryStore slots and the JSON encoding of track arrays."""

from __future__ import annotations

import json

import numpy as np

from services.tracker.domain.state import HistoryStore, _decode, _encode, miss_streak


def test_history_slots_are_reused_and_grow() -> None:
    store = HistoryStore(length=3, capacity=2)
    a = store.alloc(2)
    store.write(a, 1.0, np.array([[1.0, 0, 0], [2.0, 0, 0]]))
    b = store.alloc(3)  # grows
    assert len(set(a.tolist()) | set(b.tolist())) == 5
    store.release(a[:1])
    c = store.alloc(1)
    assert c.tolist() == a[:1].tolist()
    assert store.read(int(c[0])) == []  # emptied on reuse
    assert store.read(int(a[1])) == [(1.0, (2.0, 0.0, 0.0))]


def test_history_ring_keeps_the_latest() -> None:
    store = HistoryStore(length=3)
    s = store.alloc(1)
    for k in range(5):
        store.write(s, float(k), np.array([[k, k, k]], float))
    assert [t for t, _ in store.read(int(s[0]))] == [2.0, 3.0, 4.0]


def test_encoding_is_json_safe_and_exact() -> None:
    arr = np.array([[0.1, np.nan], [1e-300, -2.5e17]])
    text = json.dumps(_encode(arr), allow_nan=False)
    back = _decode(json.loads(text))
    np.testing.assert_array_equal(back, arr)
    labels = np.array(["car", ""], dtype=object)
    assert _decode(json.loads(json.dumps(_encode(labels)))).tolist() == ["car", ""]


def test_miss_streak() -> None:
    bits = np.array([0b1, 0b10, 0b1100, 0], np.int64)
    assert miss_streak(bits).tolist() == [0, 1, 2, 62]
