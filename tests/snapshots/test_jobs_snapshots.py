"""How the jobs screen (F4) looks at 80×24 with a completed, a running, a failed and a cancelled
background run (SVG snapshot).

A fresh emulator gives the same ids every run; the board's clock is fixed and each run's start
and end are set to round figures, so the elapsed column never changes either.
"""

from __future__ import annotations

from support.chat_driver import make_app

from gemtui.ui.screens.jobs import JobsScreen

PROMPTS = [
    "Summarise the design notes",
    "Watch the deploy logs !fault never-complete",
    "Plan a trip to Riga !fault error-event",
    "Review the pull request !fault never-complete",
]
#: (started, finished) of each run on the fixed clock; None: still running.
TIMES = [(0.0, 12.4), (3.0, None), (4.0, 9.5), (6.0, 80.0)]
NOW = 125.0


def test_jobs_screen(snap_compare, emulator_factory):
    app = make_app(emulator_factory())

    async def run_jobs(pilot):
        board = app.jobs
        board.interval = 0.005
        board.max_interval = 0.05
        board.clock = lambda: NOW
        for prompt in PROMPTS:
            app.composer.load_text(prompt)
            await pilot.press("ctrl+b")
            await app.workers.wait_for_complete()
        done, _running, failed, to_cancel = board.jobs
        await board.cancel(to_cancel)
        await board.wait(done)
        await board.wait(failed)
        for job, (started, finished) in zip(board.jobs, TIMES, strict=True):
            job.started_at, job.finished_at = started, finished
        await pilot.pause()  # the notices of the ends, before they are cleared
        app.clear_notifications()
        await pilot.press("f4")
        assert isinstance(app.screen, JobsScreen)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_jobs)
