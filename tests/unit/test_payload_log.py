"""A turn's payloads, packed in compressed batches, read back exactly as they came."""

from __future__ import annotations

import json

import pytest

from gemtui.core.payload_log import BATCH, PayloadLog


def test_payloads_read_back_in_and_across_batches():
    payloads = [
        json.dumps({"event_type": "step.delta", "delta": {"type": "text", "text": f"é {n} ✓"}})
        for n in range(3 * BATCH + 5)
    ]
    payloads[7] = ""  # an event that came without a text payload
    payloads[BATCH + 1] = '{"cut short \ud800'  # a dropped stream can end anywhere
    log = PayloadLog()
    for payload in payloads:
        log.append(payload)
    assert len(log) == len(payloads)
    assert [log[n] for n in range(len(log))] == payloads  # in order: one batch decoded at a time
    assert [log[n] for n in reversed(range(len(log)))] == payloads[::-1]
    assert log[BATCH + 1] == payloads[BATCH + 1] and log[len(log) - 1] == payloads[-1]
    for outside in (len(log), -1):
        with pytest.raises(IndexError):
            log[outside]


def test_complete_batches_are_held_compressed():
    log = PayloadLog()
    text = json.dumps({"event_type": "step.delta", "delta": {"type": "text", "text": "word " * 40}})
    for _ in range(4 * BATCH):
        log.append(text)
    held = sum(len(blob) for blob, _ in log._batches)
    assert not log._pending and held < 4 * BATCH * len(text) // 5
