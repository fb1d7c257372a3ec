"""Command-line entry point.

Only the standard library (and ``start_up_gc`` and ``environment``, which use only it) is
imported at module level so that ``gemtui --version`` and ``gemtui --help`` stay fast; each
branch imports what it needs when it is taken.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from gemtui import __version__
from gemtui.core import start_up_gc
from gemtui.core.environment import skip_pydantic_plugins

EXIT_USAGE = 2
DEMO_AND_URL = "--demo answers from the built-in emulator, --base-url from URL: not both"
SERVE_HOST = "127.0.0.1"
SERVE_PORT = 8000


class CommandParser(argparse.ArgumentParser):
    """A parser that refuses an argument it does not know itself, with its own usage.

    argparse hands a command's unknown arguments up to the top-level parser, which printed
    ``gemtui``'s usage for ``gemtui ask --bogus``: not a word of ``ask``'s options. Commands'
    parsers are made of this class too (``add_subparsers`` uses the parent's class)."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        if getattr(parsed, "demo", False) and getattr(parsed, "base_url", None):
            self.error(DEMO_AND_URL)  # both given to this command: its own usage
        return parsed, extras


def build_parser(*, commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line, declared in one place so ``--help`` shows everything.

    ``commands`` names the commands whose arguments are declared; the others are listed with
    their summary only, which is all ``gemtui --help`` shows of them (``None``: all). :func:`main`
    passes the words of its command line, so the TUI declares no command and ``ask`` only its
    own: building the parser took 8.0 ms of their start, now 5.0 ms (the TUI) and 5.8 ms."""
    parser = CommandParser(
        prog="gemtui",
        description="Keyboard-driven terminal client for the Gemini Interactions API.",
        epilog="With no API key set, gemtui runs on the built-in offline emulator and says so; "
        "--demo asks for it.",
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
    parser.add_argument("--api-version", choices=("v1", "v1beta"), help="API version (default: v1)")
    parser.add_argument("--theme", metavar="NAME", help="colour theme (e.g. ansi-dark)")
    parser.add_argument(
        "--preset", metavar="NAME", help="start with the config file's [presets.NAME] applied"
    )
    parser.add_argument(
        "--stateless", action="store_true", help="resend the history each turn (store: false)"
    )
    parser.add_argument(
        "--continue",
        dest="continue_last",
        action="store_true",
        help="open the last conversation of the history and go on with it",
    )
    parser.add_argument(
        "--resume",
        nargs="?",
        const="",
        metavar="ID",
        help="open a stored conversation: a conversation number or an interaction id (v1_…); "
        "with no ID, the list of conversations",
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
        type=port_number,
        metavar="N",
        help=f"port --serve listens on (default: {SERVE_PORT})",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (summary, declare) in COMMANDS.items():
        if commands is None or name in commands:
            declare(subparsers, name, summary)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def _declare_ask(subparsers: Any, name: str, summary: str) -> None:
    ask = subparsers.add_parser(
        name,
        help=summary,
        description="Ask one question and print the answer on stdout (for scripts and pipes). "
        "Text piped on stdin is the question, or the context when a prompt is given too.",
        epilog="Exit codes: 0 completed, 1 API or network error, 2 usage error, 3 unfinished "
        "(function call, incomplete, cancelled or cut off), 130 interrupted.",
    )
    ask.add_argument(
        "prompt",
        nargs="?",
        help="the question (piped stdin is sent before it; - : stdin is the question)",
    )
    ask.add_argument(
        "--template", "-t", metavar="NAME",
        help="the prompt is templates/NAME.md beside the config file; PROMPT is its {{args}}",
    )  # fmt: skip
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
    ask.add_argument(
        "--agent-config", metavar="JSON",
        help='the agent\'s agent_config, e.g. \'{"visualization": "auto"}\' (its type comes '
        "from the agent's name when left out): deep-research, antigravity, code-mender, dynamic",
    )  # fmt: skip
    ask.add_argument(
        "--environment", metavar="JSON|remote|ID",
        help="where the agent runs: remote (a fresh sandbox), an environment id, or an "
        'environment object, e.g. \'{"sources": [...], "network": "disabled"}\'',
    )  # fmt: skip
    ask.add_argument("--system", metavar="TEXT", help="system instruction")
    ask.add_argument(
        "--attach", "-a", metavar="FILE|URL", action="append", default=[],
        help="send a file, or an http(s) URL, with the question (repeatable)",
    )  # fmt: skip
    ask.add_argument(
        "--tool", action="append", default=[], metavar="SPEC",
        help="enable a server-side tool (repeatable): google_search, code_execution, "
        "url_context, google_maps[:LAT,LNG], retrieval[:TYPES], computer_use[:ENV;exclude=F,G], "
        "file_search:STORE[,STORE][;top_k=N], mcp_server:NAME=URL[;tools=A,B][;header=Name: "
        "value], or the tool as a JSON object",
    )  # fmt: skip
    ask.add_argument(
        "--tool-choice", metavar="CHOICE",
        help="auto, any, none or validated; or MODE:NAME,NAME to allow only those tools",
    )  # fmt: skip
    ask.add_argument(
        "--function-decl", metavar="FILE",
        help="declare function tools (JSON list of {name, description, parameters}); only "
        "tools allow-listed in the config file run, a call to any other ends with exit code 3",
    )  # fmt: skip
    ask.add_argument(
        "--schema", metavar="FILE", help="structured output: answer JSON valid against this schema"
    )
    _add_output_options(ask)
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
    ask.add_argument(
        "--api-version", choices=("v1", "v1beta"), default="v1",
        help="API version (default: v1, as the google-genai SDK)",
    )  # fmt: skip


def _declare_emulator(subparsers: Any, name: str, summary: str) -> None:
    from gemtui.emulator.help_text import epilog  # plain strings: costs nothing

    emulator = subparsers.add_parser(
        name,
        help=summary,
        description="Serve an offline Interactions API on loopback. Its behaviour is chosen by "
        "the request: the directives and request fields below reach every path.",
        epilog=epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    emulator.add_argument(
        "--port", type=port_number, default=8080, help="port (0 picks a free one)"
    )
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
        "--hop-kb",
        type=float,
        default=None,
        metavar="KB",
        help="answers longer than KB arrive in hops ending requires_continuation, as at a "
        "per-request decode limit (default: only when a prompt says !hops N)",
    )
    emulator.add_argument(
        "--persist",
        type=Path,
        metavar="PATH",
        help="keep interactions in this SQLite file between runs (default: in memory only; "
        "kept 55 days, as the API's paid tier)",
    )


def _declare_export(subparsers: Any, name: str, summary: str) -> None:
    export = subparsers.add_parser(
        name,
        help=summary,
        description="Write a stored conversation: Markdown to read (thoughts and tool calls "
        "in collapsible sections), or JSON with the raw interactions of every turn.",
        epilog="Exit codes: 0 written, 1 no such conversation or interaction in the history (or "
        "it cannot be read, or FILE not written), 2 an ID of none of these forms.",
    )
    export.add_argument(
        "id", metavar="ID",
        help='conversation id (see gemtui history), interaction id (v1_…, the conversation '
        'that holds it) or "last"',
    )  # fmt: skip
    export.add_argument(
        "--format", "-f", choices=("md", "json"), default="md", help="md (default) or json"
    )
    export.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write to FILE (in a folder that exists) instead of stdout",
    )


def _declare_history(subparsers: Any, name: str, summary: str) -> None:
    history = subparsers.add_parser(
        name,
        help=summary,
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


def _declare_show(subparsers: Any, name: str, summary: str) -> None:
    show = subparsers.add_parser(
        name,
        help=summary,
        description="Open a stored interaction by id in the TUI: the prompt, the answer and the "
        "step timeline of its events. Prints instead (the Interaction JSON, or the answer text) "
        "with --print or --output-format, or when stdout is not a terminal.",
        epilog="Exit codes when printing: 0 printed, 1 API or network error (no such "
        "interaction, expired, wrong key) or the run failed, 2 usage error, 3 it has not "
        "ended (running, cancelled, waiting for function results).",
    )
    show.add_argument("id", metavar="ID", help="the interaction id")
    _add_print_options(show, "print the interaction instead of opening the TUI")
    show.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS, help="use the built-in emulator"
    )
    show.add_argument("--base-url", metavar="URL", default=argparse.SUPPRESS, help="API endpoint")


def _declare_replay(subparsers: Any, name: str, summary: str) -> None:
    replay = subparsers.add_parser(
        name,
        help=summary,
        description="Replay a recording (JSON Lines, from Ctrl+S in the app or `gemtui ask "
        "--output-format stream-json`) through the same panes as a live answer. Prints what it "
        "assembles to instead with --print or --output-format, or when stdout is not a terminal.",
        epilog="Exit codes: 0 replayed, 2 the file is missing or holds no events; when "
        "printing also 1 the run failed, 3 it had not ended (the recording stops early).",
    )
    replay.add_argument("file", metavar="FILE", help="the recording")
    replay.add_argument(
        "--speed", type=_speed, default=1.0, metavar="N",
        help="N times the recorded pace (default 1; 0 replays at once)",
    )  # fmt: skip
    _add_print_options(replay, "print the replayed answer instead of opening the TUI")


def _declare_diff(subparsers: Any, name: str, summary: str) -> None:
    diff = subparsers.add_parser(
        name,
        help=summary,
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


def _declare_proxy(subparsers: Any, name: str, summary: str) -> None:
    proxy = subparsers.add_parser(
        name,
        help=summary,
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


def _declare_inspect(subparsers: Any, name: str, summary: str) -> None:
    inspect = subparsers.add_parser(
        name,
        help=summary,
        description="Run `gemtui proxy` inside the TUI: each exchange appears in the captures "
        "pane as it happens, with the conversation, step timeline and raw JSON of its turn.",
    )
    _add_proxy_options(inspect)


def _declare_resources(subparsers: Any, name: str, summary: str) -> None:
    """``agents`` or ``environments``, whose actions live in their own module."""
    from gemtui.headless import resources_cli  # argparse only

    declare = resources_cli.add_agents if name == "agents" else resources_cli.add_environments
    declare(subparsers, name, summary, _add_resource_options)


#: Each command: what ``gemtui --help`` says of it, and what declares its arguments; in the
#: order the help lists them.
COMMANDS: dict[str, tuple[str, Callable[[Any, str, str], None]]] = {
    "ask": ("ask one question headless and print the answer", _declare_ask),
    "emulator": ("run the offline Interactions API emulator", _declare_emulator),
    "agents": ("list, show, create or delete custom agents", _declare_resources),
    "environments": (
        "list, show, create or delete agent environments and list their files",
        _declare_resources,
    ),
    "export": ("export a conversation from the history as Markdown or JSON", _declare_export),
    "history": ("list the conversations in the history, or search them", _declare_history),
    "show": ("open an interaction by id (its steps, answer and event timeline)", _declare_show),
    "replay": ("replay a recorded event stream in the TUI, offline", _declare_replay),
    "diff": ("compare two turns: their requests, their steps and their answers", _declare_diff),
    "proxy": (
        "reverse proxy for the Gemini API that captures other programs' traffic",
        _declare_proxy,
    ),
    "inspect": (
        "the inspector: run the proxy inside the TUI and watch the captures live",
        _declare_inspect,
    ),
}


def _add_output_options(ask: argparse.ArgumentParser) -> None:
    """What to ask for besides text, and how the request is served (``gemtui ask``)."""
    from gemtui.core import request_options as options  # standard library only

    ask.add_argument(
        "--modality", choices=options.MODALITIES,
        help="ask for an image, audio (speech), video or a document besides text",
    )  # fmt: skip
    ask.add_argument(
        "--save-media", metavar="DIR", type=Path,
        help="write the answer's pictures, audio, video and documents to DIR (never over a "
        "file) and print their paths on stderr",
    )  # fmt: skip
    ask.add_argument(
        "--aspect-ratio", choices=options.ASPECT_RATIOS, metavar="W:H",
        help=f"of a generated image: {', '.join(options.ASPECT_RATIOS)}",
    )  # fmt: skip
    ask.add_argument("--image-size", choices=options.IMAGE_SIZES, help="of a generated image")
    ask.add_argument("--voice", metavar="NAME", help="voice of spoken answers (speech_config)")
    ask.add_argument(
        "--transcribe-language", metavar="CODE", action="append", default=[],
        help="BCP-47 language of audio to transcribe (repeatable; transcription_config)",
    )  # fmt: skip
    ask.add_argument(
        "--transcribe-mode", choices=options.TRANSCRIPTION_MODES, help="verbatim or smart"
    )
    ask.add_argument(
        "--service-tier", choices=options.SERVICE_TIERS,
        help="flex is cheaper and may wait queued; priority is served first",
    )  # fmt: skip
    ask.add_argument(
        "--safety", metavar="CATEGORY=THRESHOLD", action="append", default=[],
        help="a safety setting, e.g. harassment=block_only_high (repeatable)",
    )  # fmt: skip
    ask.add_argument(
        "--label", metavar="KEY=VALUE", action="append", default=[],
        help="a label of the interaction (repeatable)",
    )  # fmt: skip


def _add_proxy_options(parser: argparse.ArgumentParser) -> None:
    from_here = "this machine only"
    parser.add_argument(
        "--upstream", metavar="URL|demo",
        help="where requests go (default: Google's endpoint; demo: the built-in emulator)",
    )  # fmt: skip
    parser.add_argument(
        "--host", default="127.0.0.1", help=f"address to listen on (default: loopback, {from_here})"
    )
    parser.add_argument(
        "--port", type=port_number, default=8788, help="port (default: 8788; 0: any)"
    )
    parser.add_argument(
        "--no-history", action="store_true", help="do not keep the exchanges in the history"
    )
    parser.add_argument(
        "--record", type=Path, metavar="FILE",
        help="append each exchange to FILE as a recording (gemtui replay FILE opens it)",
    )  # fmt: skip


def _add_print_options(parser: argparse.ArgumentParser, summary: str) -> None:
    parser.add_argument("--print", "-p", action="store_true", help=summary)
    parser.add_argument(
        "--output-format", "-o", choices=("text", "json"), default=None,
        help="what to print: text (the answer, default) or json (the interaction)",
    )  # fmt: skip


def _add_resource_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """What every ``gemtui agents|environments ACTION`` takes: where to go, what to print."""
    # SUPPRESS keeps `gemtui --demo agents list` working: the top-level value stays.
    parser.add_argument(
        "--demo", action="store_true", default=argparse.SUPPRESS,
        help="use the built-in emulator (no API key needed)",
    )  # fmt: skip
    parser.add_argument("--base-url", metavar="URL", default=argparse.SUPPRESS, help="API endpoint")
    parser.add_argument(
        "--output-format", "-o", choices=("text", "json"), default="text",
        help="text (default): a table or the details; json: the API's objects",
    )  # fmt: skip
    return parser


def port_number(value: str) -> int:
    """A ``--port``: 0 to 65535 (a bad one ended in a traceback from the socket)."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is a number from 0 to 65535")
    return port


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
    if args.continue_last or args.resume is not None:
        from gemtui.ui.reopen_launch import run_resume

        return run_resume(None if args.continue_last else args.resume, **_tui_options(args))
    from gemtui.ui.launch import run_tui

    return run_tui(**_tui_options(args), preset=args.preset)


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
        hop_kb=args.hop_kb,
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


def _run_resources(args: argparse.Namespace) -> int:
    from gemtui.headless.resources_command import run_resources

    return run_resources(args)


def _run_history(args: argparse.Namespace) -> int:
    from gemtui.headless.history_command import run_history

    return run_history(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the branch it names; returns the process exit code."""
    skip_pydantic_plugins()
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(commands={word for word in words if word in COMMANDS})
    args = parser.parse_args(argv)
    if args.serve and args.command:
        parser.error("--serve serves the chat TUI; it does not combine with a command")
    if not args.serve and (args.serve_host or args.serve_port is not None):
        parser.error("--host and --port go with --serve")
    if args.continue_last and args.resume is not None:
        parser.error("--continue opens the last conversation, --resume a given one: not both")
    if (args.continue_last or args.resume is not None) and args.command:
        parser.error("--continue and --resume start the chat TUI; they go without a command")
    if getattr(args, "demo", False) and getattr(args, "base_url", None):
        # Given at two levels (gemtui --demo ask --base-url URL): the emulator would answer
        # and the URL be ignored without a word.
        parser.error(DEMO_AND_URL)
    if args.command == "ask" or (args.command is None and not args.serve):
        start_up_gc.hold()  # released by the TUI's warm-up; by ask a second in, or at its end
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        None: _run_tui,
        "ask": _run_ask,
        "emulator": _run_emulator,
        "export": _run_export,
        "history": _run_history,
        "agents": _run_resources,
        "environments": _run_resources,
        "show": _run_show,
        "replay": _run_replay,
        "proxy": _run_proxy,
        "diff": _run_diff,
        "inspect": _run_inspect,
    }
    try:
        return handlers[args.command](args)
    except BrokenPipeError:
        # The reader stopped reading (`gemtui replay F -p | head`): it has what it wanted, so
        # stop quietly and successfully, as `gemtui ask` does.
        from gemtui.headless.output import silence

        silence(sys.stdout)
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
