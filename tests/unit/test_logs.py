"""The log file and crash reports: private files, secrets redacted even inside tracebacks."""

from __future__ import annotations

import logging
import stat

import pytest

from gemtui.core.logs import (
    LOG_FILE,
    RedactingFormatter,
    crash_report_text,
    log_dir,
    start_logging,
    stop_logging,
    write_crash_report,
)

KEY = "AIza" + "SyTestNotARealKey" + "0" * 18  # shaped like a Google API key (39 chars)


@pytest.fixture
def logged(tmp_path):
    path = start_logging([KEY], "debug", tmp_path)
    yield path
    stop_logging()


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_records_reach_a_private_file_with_the_key_redacted(logged, tmp_path):
    assert logged == tmp_path / LOG_FILE
    log = logging.getLogger("gemtui.test")
    log.info("sending with key %s", KEY)
    try:
        raise RuntimeError(f"server echoed {KEY}")
    except RuntimeError:
        log.exception("request failed")
    text = logged.read_text()
    assert "sending with key ***" in text
    assert "RuntimeError: server echoed ***" in text  # the traceback is redacted too
    assert KEY not in text
    assert mode(logged) == 0o600


def test_debug_level_also_takes_the_http_library_records(logged):
    logging.getLogger("httpx").debug("HTTP Request: POST http://127.0.0.1/v1beta/interactions")
    assert "HTTP Request: POST" in logged.read_text()


def test_the_level_filters(tmp_path):
    path = start_logging([KEY], "warning", tmp_path)
    try:
        logging.getLogger("gemtui.test").info("chatter")
        logging.getLogger("gemtui.test").warning("worth knowing")
        logging.getLogger("httpx").warning("not ours at this level")
    finally:
        stop_logging()
    text = path.read_text()
    assert "worth knowing" in text
    assert "chatter" not in text and "not ours" not in text


def test_stop_detaches_the_file(tmp_path):
    path = start_logging([], "info", tmp_path)
    stop_logging()
    logging.getLogger("gemtui.test").warning("after stop")
    assert "after stop" not in path.read_text()


def test_an_unwritable_place_means_no_log_not_a_crash(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert start_logging([KEY], "info", blocker / "sub") is None


def test_the_default_place_is_the_user_state_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert log_dir() == tmp_path / "gemtui" / "log"


def failing() -> Exception:
    api_key = KEY  # a local that Textual's own traceback would print
    try:
        raise ValueError(f"bad request for {api_key}")
    except ValueError as error:
        return error


def test_crash_report_has_versions_and_traceback_without_the_key(tmp_path):
    path = write_crash_report(failing(), [KEY], tmp_path)
    assert path is not None and path.parent == tmp_path
    assert path.name.startswith("crash-") and path.suffix == ".txt"
    text = path.read_text()
    assert text.startswith("gemtui ")
    assert "Python 3." in text and "textual" in text
    assert "ValueError: bad request for ***" in text
    assert "in failing" in text
    assert KEY not in text
    assert mode(path) == 0o600


def test_two_crashes_in_the_same_second_get_two_files(tmp_path):
    first = write_crash_report(failing(), [KEY], tmp_path)
    second = write_crash_report(failing(), [KEY], tmp_path)
    assert first != second and first.exists() and second.exists()


def test_key_shaped_strings_are_redacted_even_when_not_given():
    text = crash_report_text(failing(), [])
    assert KEY not in text


def test_a_key_added_after_logging_started_is_redacted_too() -> None:
    """The app adds a key typed in the settings to the list it started logging with."""
    secrets = ["start-key-0123456789"]
    formatter = RedactingFormatter(secrets)
    secrets.append("later-key-0123456789")
    record = logging.LogRecord(
        "gemtui", logging.INFO, __file__, 1, "%s", ("later-key-0123456789",), None
    )
    assert "later-key" not in formatter.format(record)
