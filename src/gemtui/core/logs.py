"""The log file and crash reports: written under the user state dir, never to the terminal.

A TUI cannot log to the screen it draws on, and over SSH the log is often the only trace of
what went wrong; so gemtui logs to a small rotating file (``gemtui.log``, 1 MB × 3) and writes
a crash report beside it when the app dies of an unexpected error. Both files are created
private (mode 0600) and every line passes through :func:`~gemtui.core.safety.redact_secrets`
at format time, so the API key cannot reach them even from a traceback or an error body.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import sys
import time
import traceback
from collections.abc import Iterable
from pathlib import Path

from gemtui.core.safety import redact_secrets

#: The loggers gemtui writes to; third-party loggers join only at debug level.
LOGGER_NAME = "gemtui"
LOG_FILE = "gemtui.log"
MAX_LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
LEVELS = ("debug", "info", "warning", "error")
#: Libraries whose debug output helps with network trouble (they never see the key: it only
#: travels in a header, and headers are not logged by them).
DEBUG_LOGGERS = ("httpx", "httpcore")


def log_dir() -> Path:
    """``$XDG_STATE_HOME/gemtui/log`` on Linux (the platform's user log dir elsewhere)."""
    from platformdirs import user_log_dir

    return Path(user_log_dir("gemtui"))


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, traceback included, not just the message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        # A list is kept, not copied: a key the user types later is added to it.
        self.secrets = secrets if isinstance(secrets, list) else list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(super().format(record), self.secrets)


def _touch_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    os.chmod(path, 0o600)


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """A rotating handler whose new files are also created with mode 0600."""

    def _open(self):  # the base class leaves it unannotated
        _touch_private(Path(self.baseFilename))
        return super()._open()


def start_logging(
    secrets: Iterable[str], level: str = "warning", directory: Path | None = None
) -> Path | None:
    """Send gemtui's log records to the log file; returns its path (None if it cannot be made).

    Logging must never stop the app: an unwritable directory just means no log.
    """
    path = (directory or log_dir()) / LOG_FILE
    try:
        handler = _PrivateRotatingHandler(
            path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(RedactingFormatter(secrets))
    numeric = getattr(logging, level.upper(), logging.WARNING)
    names = (LOGGER_NAME, *DEBUG_LOGGERS) if numeric <= logging.DEBUG else (LOGGER_NAME,)
    for name in names:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(numeric)
    logging.getLogger(LOGGER_NAME).info("gemtui started (log level %s)", level)
    return path


def stop_logging() -> None:
    """Detach and close the file handlers :func:`start_logging` added (tests start it often)."""
    for name in (LOGGER_NAME, *DEBUG_LOGGERS):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, _PrivateRotatingHandler):
                logger.removeHandler(handler)
                handler.close()


def crash_report_text(error: BaseException, secrets: Iterable[str]) -> str:
    """What a bug report needs: versions, platform and the traceback, with secrets removed."""
    from gemtui import __version__

    try:
        from importlib.metadata import version

        textual_version = version("textual")
    except Exception:  # a report must never fail for want of a version
        textual_version = "unknown"
    lines = [
        f"gemtui {__version__} crashed at {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"Python {sys.version.split()[0]} on {platform.platform()}; textual {textual_version}",
        "",
        *traceback.format_exception(error),
    ]
    return redact_secrets("\n".join(line.rstrip("\n") for line in lines) + "\n", list(secrets))


def write_crash_report(
    error: BaseException, secrets: Iterable[str], directory: Path | None = None
) -> Path | None:
    """Write the report to a new private file; returns its path (None if it cannot be written)."""
    secrets = list(secrets)
    folder = directory or log_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for attempt in range(100):
            path = folder / f"crash-{stamp}{f'-{attempt}' if attempt else ''}.txt"
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(crash_report_text(error, secrets))
            # Redacted here too: other handlers (the host's logging) see the record as it is.
            logging.getLogger(LOGGER_NAME).error(
                "crashed: %s; report in %s", redact_secrets(repr(error), secrets), path
            )
            return path
    except OSError:
        return None
    return None
