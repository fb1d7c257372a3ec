"""The fault matrix for ``gemtui ask``: exit code, what stderr says, what stdout and the history
keep. In-process through ``run_ask`` (the real argument parser, client and store); a few cases
as real processes, where signals and the process's own streams matter."""

from __future__ import annotations

import asyncio
import io
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from fault_support import (
    SHORT_TIMEOUTS,
    UNRESOLVABLE_HOST,
    closed_port_url,
    fast_client,
    refusing_endpoint,
)
from support.cli_env import FAKE_KEY, clean_env, default_sigint, run_gemtui
from support.rawserver import ScriptedServer, sse_event, stream
from support.streams import COMPLETED, CREATED, OUTPUT_START, OUTPUT_STOP, STATUS, text_delta

from gemtui.api.client import Timeouts
from gemtui.cli import build_parser
from gemtui.core.store import Store
from gemtui.headless import exits, runner
from gemtui.headless.main import run_ask


@dataclass
class Result:
    code: int
    out: str
    err: str


class FakeTerminal(io.StringIO):
    """Stdin that says it is a terminal: nothing piped."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def ask(monkeypatch, tmp_path) -> Callable[..., Result]:
    """``ask(base_url, *argv, timeouts=None)``: ``run_ask`` in-process with the fake key.

    ``gemtui ask`` has no flag for time limits, so ``timeouts`` installs the real client with
    those limits in place of the default one.
    """
    monkeypatch.setenv("GEMINI_API_KEY", FAKE_KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_GEMINI_BASE_URL", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def run(base_url: str, *argv: str, timeouts: Timeouts | None = None) -> Result:
        if timeouts is not None:
            monkeypatch.setattr(
                runner,
                "make_client",
                lambda *, api_key, base_url, retries, api_version="v1": fast_client(
                    base_url, api_key, timeouts=timeouts, max_attempts=retries + 1
                ),
            )
        args = build_parser().parse_args(["ask", "--base-url", base_url, *argv])
        out, err = io.StringIO(), io.StringIO()
        code = run_ask(args, stdin=FakeTerminal(), stdout=out, stderr=err)
        result = Result(code, out.getvalue(), err.getvalue())
        assert FAKE_KEY not in result.out + result.err
        assert "Traceback" not in result.err
        return result

    return run


def history_turns():
    """Every turn ``gemtui ask`` saved in this test's history, oldest first."""
    with Store.open_default(read_only=True) as store:
        return [
            stored.turn
            for summary in reversed(store.list_conversations())
            for stored in store.load_turns(summary.id)
        ]


# --------------------------------------------------------------------------- before acceptance


@dataclass(frozen=True)
class Refusal:
    name: str
    endpoint: str
    prompt: str
    said: tuple[str, ...]
    #: whether running the same command again gets an answer
    again_succeeds: bool = False
    timeouts: Timeouts | None = None


def _status(status: int, attempts: int, *said: str) -> Refusal:
    return Refusal(
        f"http-{status}",
        "emulator",
        f"!fault {status}x{attempts} hello",
        (f"HTTP {status}", *said),
        again_succeeds=True,
    )


REFUSALS = [
    _status(400, 1, "invalid argument", "change what the message names"),
    _status(401, 1, "API key not valid", "GEMINI_API_KEY"),
    _status(403, 1, "permission", "check its project and permissions"),
    _status(404, 1, "not found", "expired"),
    _status(429, 2, "too_many_requests", "Rate limited: wait"),
    _status(500, 2, "internal error", "retry later"),
    _status(503, 2, "overloaded", "retry later"),
    Refusal("refused", "refused", "hello", ("connection refused", "Nothing is listening")),
    Refusal("dns", "dns", "hello", ("host name not resolved", "check the host name")),
    Refusal("tls", "tls", "hello", ("TLS handshake failed", "certificates")),
    Refusal(
        "no-first-byte",
        "silent",
        "hello",
        ("Timed out waiting for the response", "raise the timeout"),
        timeouts=SHORT_TIMEOUTS,
    ),
    Refusal("retry-after-too-long", "retry-after", "hello", ("HTTP 429", "wait 120 s")),
]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda case: case.name)
async def test_refused_request_exits_1_and_says_why(case, ask, emulator_factory, self_signed_cert):
    # A fresh emulator: its 'fail the first N identical requests' counts start at zero.
    emulator = emulator_factory()
    async with refusing_endpoint(case.endpoint, emulator, self_signed_cert) as base_url:
        # run_ask runs its own event loop, so it goes to a thread; the servers stay in this one.
        argv = (base_url, "--retries", "1", case.prompt)
        first = await asyncio.to_thread(ask, *argv, timeouts=case.timeouts)
        assert first.code == exits.API_ERROR
        assert first.out == ""
        for words in case.said:
            assert words.lower() in first.err.lower(), first.err
        assert len(first.err.splitlines()) <= 3  # the cause and the fix, not a dump
        again = await asyncio.to_thread(ask, *argv, timeouts=case.timeouts)
    if case.again_succeeds:
        assert again.code == exits.OK, again.err
        assert "## Answer: hello" in again.out
    else:
        assert again.code == exits.API_ERROR
    outcomes = [turn.reply.outcome for turn in history_turns()]
    assert outcomes == ["failed", "completed" if case.again_succeeds else "failed"]


async def test_each_retry_is_announced_on_stderr(ask, emulator_factory):
    emulator = emulator_factory()  # its count of failed identical requests starts at zero
    result = await asyncio.to_thread(ask, emulator.base_url, "!fault 503x2 hello")
    assert result.code == exits.OK, result.err
    assert result.out.startswith("## Answer: hello")
    # The emulator asks for 0.01 s (Retry-After); the default --retries 4 makes 5 attempts.
    assert result.err.splitlines() == [
        f"gemtui ask: HTTP 503 service_unavailable; retrying in 0.01 s (attempt {n} of 5)"
        for n in (2, 3)
    ]


@pytest.mark.parametrize(
    ("endpoint", "said"),
    [
        ("refused", ("connection refused", "gemtui emulator --port")),
        ("dns", ("host name not resolved (no such host)", "Check the host name")),
    ],
)
def test_what_a_retry_cannot_mend_is_not_retried(ask, endpoint, said):
    base_url = closed_port_url() if endpoint == "refused" else f"http://{UNRESOLVABLE_HOST}"
    result = ask(base_url, "hello")  # the default --retries 4
    assert result.code == exits.API_ERROR
    for words in said:
        assert words in result.err, result.err
    assert "retrying" not in result.err
    assert len(result.err.splitlines()) == 2  # the cause and the fix


# --------------------------------------------------------------------------- after acceptance


@dataclass(frozen=True)
class Breakage:
    name: str
    prompt: str
    code: int
    said: tuple[str, ...]
    outcome: str
    timeouts: Timeouts | None = None
    argv: tuple[str, ...] = ()


BREAKAGES = [
    # Cut off, then resumed from the last event received (the interaction is stored).
    Breakage(
        "drop-after",
        "!fault drop-after 12 hello",
        exits.OK,
        ("resuming it where it stopped",),
        "completed",
    ),
    Breakage(
        "drop-after-stateless",
        "!fault drop-after 12 hello",
        exits.UNFINISHED,
        ("interrupted after 12 events",),
        "interrupted",
        argv=("--no-store",),
    ),
    Breakage(
        "stall",
        "!fault stall 5000 hello",
        exits.UNFINISHED,
        ("Timed out waiting for more data", "stalled", "--wait v1_"),
        "interrupted",
        timeouts=Timeouts(connect=10, first_byte=10, idle=0.3),
    ),
    Breakage(
        "error-event",
        "!fault error-event hello",
        exits.API_ERROR,
        ("mid-stream", "Deadline expired", "run the command again"),
        "failed",
    ),
]


@pytest.mark.parametrize("case", BREAKAGES, ids=lambda case: case.name)
def test_broken_stream_keeps_the_partial_answer(case, ask, emulator):
    result = ask(emulator.base_url, *case.argv, case.prompt, timeouts=case.timeouts)
    assert result.code == case.code
    for words in case.said:
        assert words.lower() in result.err.lower(), result.err
    # What arrived was printed, and it is in the history with its steps.
    assert result.out.startswith("## Answer: hello")
    (turn,) = history_turns()
    assert turn.reply.outcome == case.outcome
    saved = "".join(
        block.text
        for step in turn.reply.state.steps
        if step.step.type == "model_output"
        for block in step.step.content or ()
    )
    assert saved and saved.strip() in result.out


def test_odd_but_complete_streams_exit_0(ask, emulator):
    for prompt in ("!fault malformed one", "!fault unknown two", "!fault no-done three"):
        result = ask(emulator.base_url, prompt)
        assert result.code == exits.OK, (prompt, result.err)
        assert result.out.startswith("## Answer:")
    assert [turn.reply.outcome for turn in history_turns()] == ["completed"] * 3


async def test_ten_megabyte_event_is_printed_whole(ask):
    big = "x" * (10 * 1024 * 1024)
    events = [CREATED, STATUS, OUTPUT_START, text_delta("start "), text_delta(big)]
    events += [text_delta(" end"), OUTPUT_STOP, COMPLETED]
    parts = [sse_event(event) for event in events] + [b"data: [DONE]\n\n"]
    async with ScriptedServer(stream(parts)) as server:
        result = await asyncio.to_thread(ask, server.base_url, "--no-history", "big")
    assert result.code == exits.OK, result.err
    assert result.out == f"start {big} end\n"


# --------------------------------------------------------------------------- real processes


def cli(base_url: str, *argv: str, tmp_path) -> subprocess.CompletedProcess[str]:
    env = clean_env(GEMINI_API_KEY=FAKE_KEY, XDG_STATE_HOME=str(tmp_path / "state"))
    return run_gemtui("ask", "--base-url", base_url, *argv, env=env)


def test_process_refused_connection(tmp_path):
    completed = cli(closed_port_url(), "--retries", "0", "hello", tmp_path=tmp_path)
    assert completed.returncode == exits.API_ERROR
    assert "connection refused" in completed.stderr
    assert "Nothing is listening" in completed.stderr


def test_process_bad_key(emulator, tmp_path):
    completed = cli(emulator.base_url, "!fault 401 hello", tmp_path=tmp_path)
    assert completed.returncode == exits.API_ERROR
    assert "API key not valid" in completed.stderr and "GEMINI_API_KEY" in completed.stderr


def test_process_dropped_stream(emulator, tmp_path):
    completed = cli(emulator.base_url, "!fault drop-after 12 hello", tmp_path=tmp_path)
    assert completed.returncode == exits.OK
    assert completed.stdout.startswith("## Answer: hello")
    assert "resuming it where it stopped" in completed.stderr


@contextmanager
def waiting_process(base_url: str, interaction_id: str, tmp_path) -> Iterator[subprocess.Popen]:
    env = clean_env(
        GEMINI_API_KEY=FAKE_KEY, XDG_STATE_HOME=str(tmp_path / "state"), PYTHONUNBUFFERED="1"
    )
    command = [sys.executable, "-m", "gemtui", "ask", "--base-url", base_url]
    process = subprocess.Popen(
        [*command, "-v", "--wait", interaction_id],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=default_sigint,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_never_completing_run_waits_until_interrupted(emulator, tmp_path):
    started = cli(
        emulator.base_url, "--background", "!fault never-complete hello", tmp_path=tmp_path
    )
    assert started.returncode == exits.OK, started.stderr
    interaction_id = started.stdout.strip()
    assert interaction_id.startswith("v1_")
    with waiting_process(emulator.base_url, interaction_id, tmp_path) as process:
        assert process.stderr is not None
        # The first poll has seen the run still going: now interrupt, as Ctrl+C would.
        for line in process.stderr:
            if "in_progress" in line:
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == exits.INTERRUPTED
    assert "interrupted" in err
    assert "Traceback" not in err
    assert FAKE_KEY not in out + err
