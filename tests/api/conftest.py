"""Fixtures for client tests: clients with recorded (not real) retry sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from gemtui.api.client import InteractionsClient, RetryPolicy, Timeouts

#: Generous safety limits: a broken test fails instead of hanging; no test relies on them.
SAFE_TIMEOUTS = Timeouts(connect=10, first_byte=10, idle=10, write=10, pool=10)


class RecordingSleep:
    """Stands in for ``asyncio.sleep`` in :class:`RetryPolicy`: records, does not wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
async def make_client(
    api_key: str, sleeps: RecordingSleep
) -> AsyncIterator[Callable[..., InteractionsClient]]:
    """``make_client(base_url, **kwargs)``; jitter off (``rand`` returns 0) so delays are exact."""
    clients: list[InteractionsClient] = []

    def make(base_url: str, **kwargs: Any) -> InteractionsClient:
        kwargs.setdefault("api_key", api_key)
        kwargs.setdefault("timeouts", SAFE_TIMEOUTS)
        kwargs.setdefault("retry", RetryPolicy(max_attempts=3, sleep=sleeps, rand=lambda: 0.0))
        client = InteractionsClient(base_url=base_url, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
