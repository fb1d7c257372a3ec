"""Command-line entry point.

Only the standard library is imported at module level so that ``gemtui --version`` and
``gemtui --help`` stay fast; each branch imports what it needs when it is taken.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gemtui import __version__

EXIT_USAGE = 2
SERVE_HOST = "127.0.0.1"
SERVE_PORT = 8000


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, declared in one place so ``--help`` shows everything."""
    parser = argparse.ArgumentParser(
        prog="gemtui",
        description="Keyboard-driven terminal client for the Gemini Interactions API.",
        epilog="With no API key set, use --demo to run against the built-in offline emulator.",
    )
    parser.add_argument("--version", action="version", version=f"gemtui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in offline emulator and use it (no API key needed)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="API endpoint (default: $GOOGLE_GEMINI_BASE_URL or Google's)",
    )
    parser.add_argument("--model", "-m", metavar="NAME", help="model for new conversations")
    parser.add_argument("--agent", metavar="NAME", help="managed agent instead of a model")
    parser.add_argument(
        "--config", type=Path, metavar="PATH", help="settings file (default: the user config dir)"
    )
    parser.add_argument("--api-version", choices=("v1beta", "v1"), help="API version")
    parser.add_argument("--theme", metavar="NAME", help="colour theme (e.g. ansi-dark)")
    parser.add_argument(
        "--stateless", action="store_true", help="resend the history each turn (store: false)"
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="serve the TUI in a web browser (textual-serve) instead of this terminal",
    )
    parser.add_argument(
        "--host",
        dest="serve_host",
        metavar="ADDRESS",
        help=f"address --serve binds (default: {SERVE_HOST}, this machine only)",
    )
    parser.add_argument(
        "--port",
        dest="serve_port",
        type=int,
        metavar="N",
        help=f"port --serve listens on (default: {SERVE_PORT})",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = subparsers.add_parser(
        "ask",
        help="ask one question headless and print the answer",
        description="Ask one question and print the answer on stdout (for scripts and pipes). "
        "Text piped on stdin is the question, or the context when a prompt is given too.",
        epilog="Exit codes: 0 completed, 1 API or network error, 2 usage error, 3 unfinished "
        "(function call, incomplete, cancelled or cut off), 130 interrupted.",
    )
    ask.add_argument("prompt", nargs="?", help="the question (piped stdin is sent before it)")
    # SUPPRESS keeps `gemtui --demo ask …` working: the top-level value is not overwritten.
    ask.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS, help="use the built-in emulator"
    )
    ask.add_argument("--base-url", metavar="URL", default=argparse.SUPPRESS, help="API endpoint")
    ask.add_argument(
        "--config", type=Path, metavar="PATH", default=argparse.SUPPRESS,
        help="settings file, for its function tools (default: the user config dir)",
    )  # fmt: skip
    ask.add_argument(
        "--model", "-m", metavar="NAME", default=argparse.SUPPRESS, help="model to ask"
    )
    ask.add_argument("--agent", metavar="NAME", help="ask a managed agent instead of a model")
    ask.add_argument("--system", metavar="TEXT", help="system instruction")
    ask.add_argument(
        "--attach", "-a", metavar="FILE|URL", action="append", default=[],
        help="send a file, or an http(s) URL, with the question (repeatable)",
    )  # fmt: skip
    ask.add_argument(
        "--tool", action="append", default=[],
        choices=("google_search", "code_execution", "url_context"),
        help="enable a built-in tool (repeatable)",
    )  # fmt: skip
    ask.add_argument(
        "--function-decl", metavar="FILE",
        help="declare function tools (JSON list of {name, description, parameters}); only "
        "tools allow-listed in the config file run, a call to any other ends with exit code 3",
    )  # fmt: skip
    ask.add_argument(
        "--schema", metavar="FILE", help="structured output: answer JSON valid against this schema"
    )
    ask.add_argument(
        "--continue", dest="continue_id", nargs="?", const="", metavar="ID",
        help="continue from the last interaction, or from ID",
    )  # fmt: skip
    ask.add_argument(
        "--no-store", action="store_true", help="ask the server not to store the interaction"
    )
    ask.add_argument(
        "--background", action="store_true", help="start a background run, print its id, exit"
    )
    ask.add_argument(
        "--wait", nargs="?", const="", metavar="ID",
        help="wait for a background run (the last one, or ID) and print its result",
    )  # fmt: skip
    ask.add_argument(
        "--output-format", "-o", choices=("text", "json", "stream-json"), default="text",
        help="text (default): the answer; json: the final interaction; stream-json: every "
        "event as JSON Lines (a recording that `gemtui replay` reads)",
    )  # fmt: skip
    ask.add_argument(
        "--verbose", "-v", action="store_true",
        help="show thoughts, tool steps, status and usage on stderr",
    )  # fmt: skip
    ask.add_argument(
        "--no-history", action="store_true", help="do not save this interaction to the history"
    )
    ask.add_argument(
        "--retries", type=int, default=4, metavar="N",
        help="retries of a failed request (429, 5xx, connection) (default: 4)",
    )  # fmt: skip

    emulator = subparsers.add_parser("emulator", help="run the offline Interactions API emulator")
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    emulator.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    emulator.add_argument(
        "--delay-ms",
        type=float,
        default=None,
        help="pause between streamed chunks, in milliseconds (default: the emulator's own)",
    )
    emulator.add_argument(
        "--chunk-chars",
        type=int,
        default=None,
        help="characters per streamed text delta (default: the emulator's own)",
    )
    emulator.add_argument(
        "--persist",
        type=Path,
        metavar="PATH",
        help="keep interactions in this SQLite file between runs (default: in memory only; "
        "kept 55 days, as the API's paid tier)",
    )

    export = subparsers.add_parser(
        "export",
        help="export a conversation from the history as Markdown or JSON",
        description="Write a stored conversation: Markdown to read (thoughts and tool calls "
        "in collapsible sections), or JSON with the raw interactions of every turn.",
        epilog="Exit codes: 0 written, 1 no such conversation or interaction in the history (or "
        "it cannot be read, or FILE written), 2 an ID of none of these forms.",
    )
    export.add_argument(
        "id", metavar="ID",
        help='conversation id (see gemtui history), interaction id (v1_…, the conversation '
        'that holds it) or "last"',
    )  # fmt: skip
    export.add_argument(
        "--format", "-f", choices=("md", "json"), default="md", help="md (default) or json"
    )
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")

    history = subparsers.add_parser(
        "history",
        help="list the conversations in the history, or search them",
        description="List stored conversations, newest first, or with --search those whose "
        "prompts, answers, thoughts or tool results match, best match first, with the text "
        "that matched. `gemtui export ID` writes one out.",
        epilog="Exit codes: 0 listed (an empty list too), 1 the history cannot be read, "
        "2 usage error.",
    )
    history.add_argument(
        "--search", "-s", metavar="TEXT",
        help="only conversations where every word of TEXT occurs (the last as a prefix)",
    )  # fmt: skip
    history.add_argument(
        "--json", action="store_true", help="print one JSON array (for scripts) instead of a table"
    )
    history.add_argument(
        "--limit", "-n", type=int, default=20, metavar="N",
        help="list at most N conversations (default: 20; 0 lists all)",
    )  # fmt: skip
    history.add_argument("--archived", action="store_true", help="include archived conversations")

    show = subparsers.add_parser(
        "show",
        help="open an interaction by id (its steps, answer and event timeline)",
        description="Open a stored interaction by id in the TUI: the prompt, the answer and the "
        "step timeline of its events. Prints instead (the Interaction JSON, or the answer text) "
        "with --print or --output-format, or when stdout is not a terminal.",
        epilog="Exit codes when printing: 0 printed, 1 API or network error (no such "
        "interaction, expired, wrong key), 2 usage error.",
    )
    show.add_argument("id", metavar="ID", help="the interaction id")
    _add_print_options(show, "print the interaction instead of opening the TUI")
    show.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS, help="use the built-in emulator"
    )
    show.add_argument("--base-url", metavar="URL", default=argparse.SUPPRESS, help="API endpoint")

    replay = subparsers.add_parser(
        "replay",
        help="replay a recorded event stream in the TUI, offline",
        description="Replay a recording (JSON Lines, from Ctrl+S in the app or `gemtui ask "
        "--output-format stream-json`) through the same panes as a live answer. Prints what it "
        "assembles to instead with --print or --output-format, or when stdout is not a terminal.",
        epilog="Exit codes: 0 replayed, 2 the file is missing or holds no events.",
    )
    replay.add_argument("file", metavar="FILE", help="the recording")
    replay.add_argument(
        "--speed", type=_speed, default=1.0, metavar="N",
        help="N times the recorded pace (default 1; 0 replays at once)",
    )  # fmt: skip
    _add_print_options(replay, "print the replayed answer instead of opening the TUI")

    diff = subparsers.add_parser(
        "diff",
        help="compare two turns: their requests, their steps and their answers",
        description="Compare two turns: how their requests differ (model, config, tools, "
        "system instruction, input), their steps aligned by kind with durations, bytes and "
        "tokens, and a diff of their answers. Reads the history and files only.",
        epilog="A and B: an interaction id in the history, CONV:N (turn N of conversation "
        "CONV; -1 is the last), or a recording file (FILE#N for its N-th recording). "
        "Exit codes: 0 printed, 1 not found, 2 usage error.",
    )
    diff.add_argument("a", metavar="A", help="the first turn")
    diff.add_argument("b", metavar="B", help="the second turn")
    diff.add_argument("--json", action="store_true", help="print the comparison as JSON")

    proxy = subparsers.add_parser(
        "proxy",
        help="reverse proxy for the Gemini API that captures other programs' traffic",
        description="Forward every request to the upstream and every response back byte for "
        "byte, and keep each Interactions API exchange in the history. On a terminal it opens "
        "the inspector (as `gemtui inspect`); without one, or with --headless, it prints one "
        "line per exchange.",
        epilog="Point a program at it: GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:8788 (or the "
        "SDK's base URL option). Exit codes: 0 stopped, 1 cannot listen, 2 usage error.",
    )
    _add_proxy_options(proxy)
    proxy.add_argument(
        "--headless", action="store_true", help="print one line per exchange, even on a terminal"
    )
    proxy.add_argument(
        "--record", type=Path, metavar="FILE",
        help="append each exchange to FILE as a recording (gemtui replay FILE opens it)",
    )  # fmt: skip
    inspect = subparsers.add_parser(
        "inspect",
        help="the inspector: run the proxy inside the TUI and watch the captures live",
        description="Run `gemtui proxy` inside the TUI: each exchange appears in the captures "
        "pane as it happens, with the conversation, step timeline and raw JSON of its turn.",
    )
    _add_proxy_options(inspect)

    return parser


def _add_proxy_options(parser: argparse.ArgumentParser) -> None:
    from_here = "this machine only"
    parser.add_argument(
        "--upstream", metavar="URL|demo",
        help="where requests go (default: Google's endpoint; demo: the built-in emulator)",
    )  # fmt: skip
    parser.add_argument(
        "--host", default="127.0.0.1", help=f"address to listen on (default: loopback, {from_here})"
    )
    parser.add_argument("--port", type=int, default=8788, help="port (default: 8788; 0: any)")
    parser.add_argument(
        "--no-history", action="store_true", help="do not keep the exchanges in the history"
    )


def _add_print_options(parser: argparse.ArgumentParser, summary: str) -> None:
    parser.add_argument("--print", "-p", action="store_true", help=summary)
    parser.add_argument(
        "--output-format", "-o", choices=("text", "json"), default=None,
        help="what to print: text (the answer, default) or json (the interaction)",
    )  # fmt: skip


def _speed(value: str) -> float:
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not speed >= 0:
        raise argparse.ArgumentTypeError("must be 0 (at once) or more")
    return speed


def _tui_options(args: argparse.Namespace) -> dict[str, Any]:
    """How the TUI starts: demo, config file and the settings the flags override."""
    overrides = {
        "model": args.model,
        "agent": args.agent,
        "base_url": args.base_url,
        "api_version": args.api_version,
        "theme": args.theme,
        "stateful": False if args.stateless else None,
    }
    return {"demo": args.demo, "config": args.config, "overrides": overrides}


def _bad_endpoint(args: argparse.Namespace) -> bool:
    """Whether the TUI's endpoint (``--base-url``, else ``GEMTUI_BASE_URL`` or
    ``GOOGLE_GEMINI_BASE_URL``) is not an http(s) URL; if so, says why on stderr.

    Checked before the app starts: inside it the bad value would only be a warning, and every
    turn would then go to Google's endpoint instead of the one the user meant. With --demo the
    endpoint is not used, so it is not checked.
    """
    if args.demo:
        return False
    import sys

    from gemtui.core.credentials import TUI_BASE_URL_VARIABLES, BadBaseUrl, checked_base_url

    try:
        checked_base_url(args.base_url, variables=TUI_BASE_URL_VARIABLES)
    except BadBaseUrl as error:
        sys.stderr.write(f"gemtui: {error}\n")
        return True
    return False


def _run_tui(args: argparse.Namespace) -> int:
    if _bad_endpoint(args):
        return EXIT_USAGE
    if args.serve:
        from gemtui.ui.serve import serve

        return serve(args, args.serve_host or SERVE_HOST, args.serve_port or SERVE_PORT)
    from gemtui.ui.launch import run_tui

    return run_tui(**_tui_options(args))


def _run_show(args: argparse.Namespace) -> int:
    from gemtui.headless.show import run_show, wants_print

    if wants_print(args):
        return run_show(args)
    if _bad_endpoint(args):
        return EXIT_USAGE
    from gemtui.ui.reopen_launch import run_show as run_show_tui

    return run_show_tui(args.id, **_tui_options(args))


def _run_replay(args: argparse.Namespace) -> int:
    from gemtui.headless.show import read_recordings, run_replay_print, wants_print

    recordings = read_recordings(args.file)
    if recordings is None:
        return EXIT_USAGE
    if wants_print(args):
        return run_replay_print(args, recordings)
    from gemtui.ui.reopen_launch import run_replay

    return run_replay(recordings, speed=args.speed, **_tui_options(args))


def _run_ask(args: argparse.Namespace) -> int:
    from gemtui.headless.main import run_ask

    return run_ask(args)


def _run_emulator(args: argparse.Namespace) -> int:
    from gemtui.emulator.run import serve_forever

    return serve_forever(
        host=args.host,
        port=args.port,
        delay_ms=args.delay_ms,
        chunk_chars=args.chunk_chars,
        persist=args.persist,
    )


def _run_proxy(args: argparse.Namespace) -> int:
    import sys

    if args.headless or not sys.stdout.isatty():
        from gemtui.proxy.headless import run_proxy

        return run_proxy(args)
    return _run_inspect(args)


def _run_inspect(args: argparse.Namespace) -> int:
    from gemtui.ui.inspector.launch import run_inspect

    return run_inspect(args, **_tui_options(args))


def _run_diff(args: argparse.Namespace) -> int:
    from gemtui.headless.diff_command import run_diff

    return run_diff(args)


def _run_export(args: argparse.Namespace) -> int:
    from gemtui.headless.export_command import run_export

    return run_export(args)


def _run_history(args: argparse.Namespace) -> int:
    from gemtui.headless.history_command import run_history

    return run_history(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the branch it names; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.serve and args.command:
        parser.error("--serve serves the chat TUI; it does not combine with a command")
    if not args.serve and (args.serve_host or args.serve_port is not None):
        parser.error("--host and --port go with --serve")
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        None: _run_tui,
        "ask": _run_ask,
        "emulator": _run_emulator,
        "export": _run_export,
        "history": _run_history,
        "show": _run_show,
        "replay": _run_replay,
        "proxy": _run_proxy,
        "diff": _run_diff,
        "inspect": _run_inspect,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
