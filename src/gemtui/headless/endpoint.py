"""Where a headless command sends its requests: the key and base URL from the environment and
flags, or the built-in emulator with ``--demo`` (started here, stopped when the block ends;
its interactions stay in the data dir, so the next ``--demo`` run can fetch and continue them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gemtui.core.credentials import BadBaseUrl, api_key_from_env, checked_base_url
from gemtui.headless.exits import UsageError

NO_KEY = (
    "no API key. Set GEMINI_API_KEY (or GOOGLE_API_KEY), or add --demo to use the built-in "
    "offline emulator."
)
DEMO_KEY = "demo-key"


@dataclass(frozen=True)
class Endpoint:
    api_key: str | None
    base_url: str | None


class NoEndpoint(Exception):
    """Neither a key, nor a base URL, nor --demo: there is nowhere to send the request."""


@contextmanager
def headless_endpoint(*, demo: bool, base_url: str | None) -> Iterator[Endpoint]:
    """The endpoint to use; raises :class:`NoEndpoint` (message :data:`NO_KEY`) when none, and
    :class:`~gemtui.headless.exits.UsageError` when ``--base-url`` or
    ``GOOGLE_GEMINI_BASE_URL`` is not an http(s) URL (with ``demo`` neither is used)."""
    api_key = api_key_from_env()
    if not demo:
        try:
            base_url = checked_base_url(base_url)
        except BadBaseUrl as error:
            raise UsageError(str(error)) from None
        if api_key is None and base_url is None:
            raise NoEndpoint(NO_KEY)
        yield Endpoint(api_key, base_url)
        return
    from gemtui.core.data_dir import data_dir
    from gemtui.emulator.run import start_demo

    with start_demo(data_dir()) as emulator:
        yield Endpoint(DEMO_KEY, emulator.base_url)
