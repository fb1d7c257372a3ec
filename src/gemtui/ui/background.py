"""Background runs in the app: the draft sent as one, the jobs screen, and what finishing says.

The polling is :class:`gemtui.core.jobs.JobBoard`'s; here is only what the user sees. A run is
not a turn of the conversation until it is opened from the jobs screen: then it is shown (and
chained onto) like any interaction opened by id (:func:`gemtui.ui.reopen.show_interaction`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gemtui.api.errors import GemtuiApiError
from gemtui.core.attachments import AttachmentError, check_items
from gemtui.core.conversation import Turn
from gemtui.core.jobs import Job, JobChange
from gemtui.core.safety import escape_markup, redact_secrets
from gemtui.ui.chat_items import NoticeItem
from gemtui.ui.widgets.jobs import JobsScreen, one_line, short_id

if TYPE_CHECKING:
    from gemtui.ui.app import GemtuiApp

__all__ = ["job_changed", "open_jobs", "send_background"]

STATELESS = (
    "Background runs are stored at the server and polled there; this chat is stateless. "
    "F6 switches to stateful."
)


def send_background(app: GemtuiApp) -> None:
    """Send the composer's draft (and its attachments) as a background run.

    The draft goes once the server has accepted the run; if the create fails it stays, and the
    error is shown in the conversation.
    """
    text = app.composer.text
    attachments = [chip.item for chip in app.attachment_bar.attachments]
    if not text.strip() and not attachments:
        app.notify("Nothing to send: type a prompt first.", severity="warning")
        return
    if not app.conversation.settings.stateful:
        app.notify(STATELESS, severity="warning", timeout=8)
        return
    try:
        check_items(attachments)
    except AttachmentError as error:
        app.notify(escape_markup(str(error)), severity="error", timeout=10)
        return
    turn = Turn(prompt=text, attachments=attachments)
    app.run_worker(_start(app, turn), group="background-create", exit_on_error=False)


async def _start(app: GemtuiApp, turn: Turn) -> None:
    request = app.conversation.build_request(turn)
    try:
        job = await app.jobs.start(request, prompt=turn.prompt)
    except GemtuiApiError as error:
        cause = redact_secrets(str(error), app.connection.secrets)
        app.view.add_item(
            NoticeItem(f"The background run was not started: {cause}", error.hint, level="error")
        )
        return
    app.accept_draft(turn)
    app.notify(escape_markup(f"Running in the background as {short_id(job.id)}. F4 lists runs."))


def job_changed(app: GemtuiApp, job: Job, change: JobChange) -> None:
    """Keep the status bar's count; say when a run has ended."""
    app.status.set(jobs_running=app.jobs.running)
    if change != "finished":
        return
    severity = "information" if job.status == "completed" else "warning"
    app.notify(
        escape_markup(f"Background run {job.status}: {one_line(job.prompt, 40)} (F4 opens it)"),
        severity=severity,
    )


def open_jobs(app: GemtuiApp) -> None:
    """Show the jobs screen; from it, F4 closes it again."""
    if isinstance(app.screen, JobsScreen):
        app.screen.dismiss(None)
    elif len(app.screen_stack) == 1:
        app.push_screen(JobsScreen(app.jobs), lambda job: _open_result(app, job))


def _open_result(app: GemtuiApp, job: Job | None) -> None:
    """Open a finished run into the conversation, which then continues from it."""
    if job is None:
        return
    from gemtui.ui.reopen import show_interaction, start_reopen

    start_reopen(app, show_interaction(app, job.id))
