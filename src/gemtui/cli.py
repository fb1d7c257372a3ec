"""Command-line entry point.

Only the standard library is imported at module level so that ``gemtui --version`` and
``gemtui --help`` stay fast; each branch imports what it needs when it is taken.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from gemtui import __version__

EXIT_USAGE = 2

#: Subcommands that later work will fill in. Until then they fail clearly with exit code 2.
RESERVED_SUBCOMMANDS = {
    "show": "open an interaction by id",
    "replay": "replay a recorded event stream",
}


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
        "--model", "-m", metavar="NAME", default=argparse.SUPPRESS, help="model to ask"
    )
    ask.add_argument("--agent", metavar="NAME", help="ask a managed agent instead of a model")
    ask.add_argument("--system", metavar="TEXT", help="system instruction")
    ask.add_argument(
        "--attach", "-a", metavar="FILE", action="append", default=[],
        help="send a file with the question (repeatable)",
    )  # fmt: skip
    ask.add_argument(
        "--tool", action="append", default=[],
        choices=("google_search", "code_execution", "url_context"),
        help="enable a built-in tool (repeatable)",
    )  # fmt: skip
    ask.add_argument(
        "--function-decl", metavar="FILE",
        help="declare function tools (JSON list of {name, description, parameters}); headless "
        "mode runs none, so a call ends the run with exit code 3",
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

    export = subparsers.add_parser(
        "export",
        help="export a conversation from the history as Markdown or JSON",
        description="Write a stored conversation: Markdown to read (thoughts and tool calls "
        "in collapsible sections), or JSON with the raw interactions of every turn.",
    )
    export.add_argument("id", metavar="ID", help='conversation id, or "last"')
    export.add_argument(
        "--format", "-f", choices=("md", "json"), default="md", help="md (default) or json"
    )
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")

    for name, summary in RESERVED_SUBCOMMANDS.items():
        reserved = subparsers.add_parser(name, help=f"{summary} (not available yet)")
        reserved.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _run_tui(args: argparse.Namespace) -> int:
    from gemtui.ui.launch import run_tui

    overrides = {
        "model": args.model,
        "agent": args.agent,
        "base_url": args.base_url,
        "api_version": args.api_version,
        "theme": args.theme,
        "stateful": False if args.stateless else None,
    }
    return run_tui(demo=args.demo, config=args.config, overrides=overrides)


def _run_ask(args: argparse.Namespace) -> int:
    from gemtui.headless import run_ask

    return run_ask(args)


def _run_emulator(args: argparse.Namespace) -> int:
    from gemtui.emulator.run import serve_forever

    return serve_forever(
        host=args.host, port=args.port, delay_ms=args.delay_ms, chunk_chars=args.chunk_chars
    )


def _run_export(args: argparse.Namespace) -> int:
    from gemtui.headless.export_command import run_export

    return run_export(args)


def _reserved(name: str) -> Callable[[argparse.Namespace], int]:
    def handler(_args: argparse.Namespace) -> int:
        print(
            f"gemtui {name}: not available yet in gemtui {__version__}. "
            "Run `gemtui --help` for what works today.",
            file=sys.stderr,
        )
        return EXIT_USAGE

    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the branch it names; returns the process exit code."""
    args = build_parser().parse_args(argv)
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        None: _run_tui,
        "ask": _run_ask,
        "emulator": _run_emulator,
        "export": _run_export,
        **{name: _reserved(name) for name in RESERVED_SUBCOMMANDS},
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
