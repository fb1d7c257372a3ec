"""Start the inspector (``gemtui inspect``, or ``gemtui proxy`` on a terminal).

The proxy's socket is bound here, before the TUI takes the terminal, so a port in use is said
plainly on stderr. The app is started as ``gemtui`` starts it (settings, key, history, logs),
with its endpoint set to the upstream: the inspector's own chats (a fork, a prompt after a
capture) go where the captured programs' requests go.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import Any

from gemtui.headless import exits
from gemtui.local_server import bind
from gemtui.proxy.headless import DEMO, UpstreamError, checked_upstream
from gemtui.proxy.run import EXPOSED_WARNING, exposed


def run_inspect(
    args: argparse.Namespace,
    *,
    demo: bool,
    config: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> int:
    """Run the inspector until the user quits; exit code 0, 1 when the proxy cannot listen,
    2 for a bad ``--upstream``."""
    try:
        upstream = checked_upstream(args.upstream)
    except UpstreamError as error:
        sys.stderr.write(f"gemtui inspect: {error}\n")
        return exits.USAGE
    from gemtui.proxy.record import ExchangeRecorder

    try:
        recorder = ExchangeRecorder(args.record) if args.record else None
    except OSError as error:
        sys.stderr.write(f"gemtui inspect: cannot write the recording {args.record}: {error}\n")
        return exits.USAGE
    try:
        sock = bind(args.host, args.port)
    except OSError as error:
        sys.stderr.write(f"gemtui inspect: cannot listen on {args.host}:{args.port}: {error}\n")
        if recorder is not None:
            recorder.close()
        return exits.API_ERROR
    if exposed(args.host):
        sys.stderr.write(EXPOSED_WARNING.format(host=args.host) + "\n")
    from gemtui.api.client import DEFAULT_BASE_URL
    from gemtui.ui.inspector.app import InspectorApp
    from gemtui.ui.launch import run_tui

    overrides = dict(overrides or {})
    demo = demo or upstream == DEMO
    if not demo:
        overrides["base_url"] = upstream or DEFAULT_BASE_URL
    factory = partial(InspectorApp, sock=sock, history=not args.no_history, recorder=recorder)
    try:
        return run_tui(demo=demo, config=config, overrides=overrides, app_factory=factory)
    finally:
        sock.close()
        if recorder is not None:
            recorder.close()
