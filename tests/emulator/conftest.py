"""Fixtures of the emulator tests."""

from __future__ import annotations

import pytest
from emulator_wire import client


@pytest.fixture
def http(emulator, api_key):
    """A plain httpx client on the session emulator, with the fake key."""
    with client(emulator.base_url, api_key) as session:
        yield session
