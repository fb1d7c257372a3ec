"""``gemtui proxy`` without a terminal (or with ``--headless``): for servers and CI.

It forwards like the inspector does, keeps every Interactions API exchange in the history,
prints one line per exchange on stdout as it ends (:func:`gemtui.proxy.line.exchange_line`),
and with ``--record FILE`` appends each one to a recording ``gemtui replay`` opens later.
Everything else it says goes to stderr. It runs until SIGINT or SIGTERM, then lets the open
exchanges end (they are cut after a moment) and writes what they had.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gemtui.api.base_url import InvalidBaseUrl, check_base_url
from gemtui.headless import exits

DEMO = "demo"
#: Seconds a thread may hold the GIL while another waits for it (see ``run_proxy``).
SWITCH_INTERVAL = 0.0005


@dataclass(frozen=True)
class ProxyOptions:
    """Where the proxy listens and forwards to, and what it keeps."""

    upstream: str | None
    host: str
    port: int
    record: Path | None = None
    history: bool = True

    @classmethod
    def of(cls, args: argparse.Namespace) -> ProxyOptions:
        return cls(
            upstream=args.upstream,
            host=args.host,
            port=args.port,
            record=args.record,
            history=not args.no_history,
        )


class UpstreamError(ValueError):
    """``--upstream`` is neither ``demo`` nor an http(s) URL; the text says why."""


def checked_upstream(value: str | None) -> str | None:
    """``value`` checked (``demo`` or an http(s) base URL); ``None``: the real API's."""
    if value is None or value == DEMO:
        return value
    try:
        return check_base_url(value)
    except InvalidBaseUrl as error:
        raise UpstreamError(f"--upstream {value!r} {error}") from None


@contextlib.contextmanager
def upstream_url(value: str | None) -> Iterator[str]:
    """The upstream base URL, starting the demo emulator for ``demo`` (stopped on exit)."""
    if value != DEMO:
        from gemtui.api.client import DEFAULT_BASE_URL

        yield value or DEFAULT_BASE_URL
        return
    from gemtui.core.data_dir import data_dir
    from gemtui.emulator.run import start_demo

    with start_demo(data_dir()) as emulator:
        yield emulator.base_url


def run_proxy(
    args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    """Serve until stopped; exit code 0, 1 when it cannot listen, 2 for a bad ``--upstream``."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    options = ProxyOptions.of(args)
    try:
        upstream = checked_upstream(options.upstream)
    except UpstreamError as error:
        err.write(f"gemtui proxy: {error}\n")
        return exits.USAGE
    from gemtui.core.logs import start_logging, stop_logging

    start_logging([], "warning")
    # The proxy's thread forwards; this one folds the captures. A thread that wants the GIL
    # back waits up to the switch interval (5 ms by default) while the other computes: a
    # shorter one keeps that wait off the forwarded events (bench/proxy.py, 20 streams).
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        with upstream_url(upstream) as url:
            return asyncio.run(_serve(options, url, out, err))
    finally:
        stop_logging()


async def _serve(options: ProxyOptions, upstream: str, out: IO[str], err: IO[str]) -> int:
    from gemtui.proxy.collector import Capture, Collector
    from gemtui.proxy.line import exchange_line
    from gemtui.proxy.record import ExchangeRecorder
    from gemtui.proxy.run import EXPOSED_WARNING, exposed, start_proxy
    from gemtui.proxy.wire import CaptureHub

    hub = CaptureHub()
    try:
        recorder = ExchangeRecorder(options.record) if options.record else None
    except OSError as error:
        err.write(f"gemtui proxy: cannot write the recording {options.record}: {error}\n")
        return exits.USAGE
    try:
        proxy = start_proxy(upstream, hub, options.host, options.port)
    except OSError as error:
        err.write(f"gemtui proxy: cannot listen on {options.host}:{options.port}: {error}\n")
        if recorder is not None:
            recorder.close()
        return exits.API_ERROR
    store = _open_history(err) if options.history else None

    def done(capture: Capture) -> None:
        out.write(exchange_line(capture) + "\n")
        out.flush()
        if recorder is not None:
            recorder.write(capture)

    def history_failed(error: Any) -> None:
        err.write(f"gemtui proxy: the history is not being saved: {error}\n")

    collector = Collector(store=store, on_done=done, on_history_failure=history_failed, keep=0)
    loop = asyncio.get_running_loop()
    hub.attach_loop(loop, collector.take)
    # Before the banner: whoever reads it may stop the proxy at once, and must stop it well.
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    err.write(f"gemtui proxy listening on {proxy.url}, forwarding to {upstream}\n")
    err.write(f"Point clients at it: export GOOGLE_GEMINI_BASE_URL={proxy.url}\n")
    if exposed(options.host):
        err.write(EXPOSED_WARNING.format(host=options.host) + "\n")
    err.flush()
    try:
        await stop.wait()
    finally:
        # The handlers stay while the open exchanges end: a second Ctrl+C changes nothing.
        await loop.run_in_executor(None, proxy.stop)
        await collector.drain()
        if recorder is not None:
            recorder.close()
        if store is not None:
            store.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    err.write("gemtui proxy stopped.\n")
    return exits.OK


def _open_history(err: IO[str]) -> Any:
    from gemtui.core.store import Store, StoreError

    try:
        return Store.open_default()
    except StoreError as error:
        err.write(f"gemtui proxy: history is off: {error.explained()}\n")
        return None
