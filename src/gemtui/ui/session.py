"""Status and session habits of agent CLIs, as a part of the app: say when it is done, the
context window at a glance, compress, presets and templates, the quick model switch, cost.

:class:`SessionFeatures` is mixed into :class:`~gemtui.ui.app.GemtuiApp`. Its message handlers
(``on_turn_ended``, ``on_worker_state_changed``, ``on_mount``) run after the app's own (Textual
calls the handler of every class in the MRO), so the app's code stays as it was; its actions
are bound by :data:`SESSION_BINDINGS` and offered by :data:`SESSION_PALETTE`. What the other
front ends share (the chain after a summary, limits, prices, templates) is in ``core``; the
chat's part (compress, the window in use) is the controller's.

Functions a slash command can call: :meth:`SessionFeatures.compress` (``/compress [text]``),
:meth:`SessionFeatures.apply_preset` (``/system NAME``), :meth:`SessionFeatures.run_template`
(``/NAME args``), with :meth:`SessionFeatures.preset_names` and
:meth:`SessionFeatures.template_names` to list or complete them.
"""

from __future__ import annotations

import copy
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.worker import Worker, WorkerState

from gemtui.api.errors import GemtuiApiError
from gemtui.config import ConfigWriteError, save_settings
from gemtui.core.cost import format_cost, format_total, model_of, total_cost, turn_cost
from gemtui.core.jobs import Job, JobChange
from gemtui.core.safety import escape_markup, one_line
from gemtui.core.turn import Turn
from gemtui.core.wording import plural
from gemtui.ui.chat.messages import TurnEnded

# Templates, recent models and notifications are imported when first used: no start-up path
# needs them.
if TYPE_CHECKING:
    from textual.screen import Screen

    from gemtui.core.recent_models import ModelChoice, RecentModels
    from gemtui.ui.app import GemtuiApp
    from gemtui.ui.notifier import Notifier

    _AppBase = GemtuiApp
else:
    _AppBase = object

log = logging.getLogger(__name__)

#: The keys (all remappable by id). Alt+letter keys open dialogs or show things only: in tmux an
#: Escape typed just before a letter can arrive as Alt+that letter.
SESSION_BINDINGS = [
    Binding(
        "ctrl+right_square_bracket,f10",
        "next_model",
        "Next model",
        show=False,
        id="app.next_model",
        priority=True,
    ),
    Binding("ctrl+backslash", "compress", "Compress", show=False, id="app.compress"),
    Binding("alt+p", "presets", "Presets", show=False, id="app.presets", priority=True),
    Binding("alt+t", "templates", "Templates", show=False, id="app.templates", priority=True),
    Binding("alt+u", "usage", "Context and cost", show=False, id="app.usage", priority=True),
    Binding(
        "alt+n", "next_notify", "Notifications", show=False, id="app.next_notify", priority=True
    ),
]

#: The palette's entries for them: (title, help, action).
SESSION_PALETTE = [
    ("Next model", "Cycle the recently used models and agents for the next turn (Ctrl+] or F10)",
     "next_model"),
    ("Compress the conversation", "The model summarizes it; the next turns start from the "
     "summary (Ctrl+\\)", "compress"),
    ("Choose a preset", "System instruction, model, tools, generation config for this "
     "conversation (Alt+P; F2 saves one)", "presets"),
    ("Run a prompt template", "templates/NAME.md beside the config file, with arguments "
     "(Alt+T)", "templates"),
    ("Context window and cost", "How full the model's input window is, tokens and money "
     "(Alt+U)", "usage"),
    ("Notifications: next mode", "auto, osc, bell, off: how a finished answer is told (Alt+N)",
     "next_notify"),
]  # fmt: skip


def choice_of(turn: Turn) -> ModelChoice | None:
    """The model or agent a turn was sent to."""
    from gemtui.core.recent_models import ModelChoice

    request = turn.asked.request
    if request.get("agent"):
        return ModelChoice(str(request["agent"]), agent=True)
    if request.get("model"):
        return ModelChoice(str(request["model"]))
    return None


class SessionFeatures(_AppBase):
    """The mixin (see the module docstring)."""

    #: A preset to apply once the app is mounted (``gemtui --preset NAME``).
    start_preset: str | None = None
    #: The preset applied to this conversation's settings ("": none, the settings of F2).
    preset_in_use: str = ""
    _session_notifier: Notifier | None = None
    _session_recent: RecentModels | None = None
    _turn_began: float | None = None
    _limits_asked: set[str] | None = None

    # ------------------------------------------------------------------ set-up

    def on_mount(self) -> None:
        self.chat.compress_at = lambda: self.user_settings.compress_at
        self.chat.jobs.subscribe(self._job_told)
        if self.start_preset:
            self.apply_preset(self.start_preset)
        self.refresh_session_status()

    @property
    def notifier(self) -> Notifier:
        if self._session_notifier is None:
            from gemtui.ui.notifier import Notifier

            self._session_notifier = Notifier(
                self,
                mode=lambda: self.user_settings.notify,
                threshold=lambda: self.user_settings.notify_after,
                say=lambda text: self.notify(escape_markup(text), severity="warning", timeout=8),
            )
        return self._session_notifier

    @property
    def recent_models(self) -> RecentModels:
        """Read from the state dir the first time it is needed, not at start-up."""
        if self._session_recent is None:
            from gemtui.core.recent_models import RecentModels

            self._session_recent = RecentModels()
        return self._session_recent

    # ------------------------------------------------------------------ the status bar

    def refresh_session_status(self) -> None:
        """The context window and the cost in the status bar (and prices in the timeline)."""
        prices = self.user_settings.price_table()
        if prices != self.timeline.rows.prices:
            self.timeline.rows.prices = prices
            self.timeline.list.refresh()
        use = self.chat.context_use()
        turns = self.conversation.turns
        cost = ""
        last = next((turn for turn in reversed(turns) if turn.usage is not None), None)
        total = total_cost(turns, prices, more=self.conversation.has_older)
        if last is not None and total is not None:
            last_cost = turn_cost(last, prices)
            cost = format_total(total)
            if last_cost is not None:  # the last turn's, then the conversation's
                cost = f"{format_cost(last_cost)} / {cost}"
        self.status.set(
            context=use.label() if use is not None else "",
            context_short=use.short_label() if use is not None else "",
            context_alert=use is not None and use.near_limit,
            cost=cost,
        )

    def _ask_limit(self) -> None:
        """Fetch the model's input token limit in the background, once per model, once the
        chat has usage to set against it (not after a failed first turn, say)."""
        settings = self.conversation.settings
        model = settings.model
        asked = self._limits_asked = self._limits_asked or set()
        if settings.agent or model in asked or self.chat.limits.knows(model):
            return
        if self.chat.context_use() is None:
            return
        asked.add(model)
        self.run_worker(self._fetch_limit(model), group="model-limit", exit_on_error=False)

    async def _fetch_limit(self, model: str) -> None:
        try:
            await self.chat.fetch_limit(model)
        except GemtuiApiError as error:
            log.info("no input token limit for %s: %s", model, error)
            if error.retryable and self._limits_asked is not None:
                self._limits_asked.discard(model)  # a passing failure: again after a turn
            return
        self.refresh_session_status()

    # ------------------------------------------------------------------ events

    def on_turn_ended(self, message: TurnEnded) -> None:
        turn = message.turn
        self.refresh_session_status()
        if turn.asked.kind == "replayed":
            return  # played back offline: no model was used, nothing is to be fetched
        choice = choice_of(turn)
        if choice is not None and turn.reply.outcome != "failed":
            self.recent_models.use(choice)
        if turn.asked.kind == "summary":
            if turn.reply.outcome == "completed":
                use = self.chat.context_use()
                after = f" ({use.label()})" if use is not None else ""
                self.notify(f"Compressed: the next turns start from the summary{after}.")
            elif turn.reply.outcome != "cancelled":
                self.notify(
                    "The summary did not complete; the conversation goes on uncompressed.",
                    severity="warning",
                )
        self._ask_limit()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "turn":
            return
        if event.state == WorkerState.RUNNING:
            self._turn_began = time.monotonic()
        elif event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            began, self._turn_began = self._turn_began, None
            turns = self.conversation.turns
            if began is None or not turns or turns[-1].asked.kind == "replayed":
                return
            turn = turns[-1]
            outcome = turn.reply.outcome
            if outcome == "cancelled":
                return
            what = "Summary" if turn.asked.kind == "summary" else "Answer"
            title = f"{what} ready" if outcome == "completed" else f"{what} {outcome}"
            self.notifier.tell(
                f"gemtui: {title}", one_line(turn.title)[:80], time.monotonic() - began
            )

    def _job_told(self, job: Job, change: JobChange) -> None:
        if change == "finished":
            elapsed = job.elapsed(self.chat.jobs.clock())
            self.notifier.tell(
                f"gemtui: background run {job.status}", one_line(job.prompt), elapsed
            )

    async def _ask_approval(self, screen: Screen[str]) -> str:
        """The approval dialog, told like a finished answer (the run waits for the user)."""
        began = self._turn_began
        elapsed = time.monotonic() - began if began is not None else 0.0
        names = ", ".join(dict.fromkeys(call.name for call in getattr(screen, "calls", [])))
        self.notifier.tell("gemtui: approval needed", names or "a function call", elapsed)
        self.status.set(approval=True)
        try:
            return await self.push_screen_wait(screen)
        finally:
            self.status.set(approval=False)

    # ------------------------------------------------------------------ compress

    def compress(self, instructions: str = "") -> bool:
        """Compress the conversation (``/compress [instructions]``): the model summarizes it
        in a turn of its own and the next turns start from that summary. Whether it started."""
        if self.busy:
            self.notify("A turn is running: Escape cancels it first.", severity="warning")
            return False
        job = self.chat.compress(instructions)
        if job is None:
            self.notify("Nothing to compress: no answer since the start or the last summary.",
                        severity="warning")  # fmt: skip
            return False
        return self.run_turn(job) is not None

    def action_compress(self) -> None:
        self.compress()

    # ------------------------------------------------------------------ presets

    def preset_names(self) -> list[str]:
        return list(self.user_settings.presets)

    def apply_preset(self, name: str) -> bool:
        """Apply preset ``name`` to this conversation's next turns (``/system NAME``); ``""``
        goes back to the settings without a preset. Whether it was applied."""
        settings = self.user_settings
        if name and name not in settings.presets:
            known = ", ".join(settings.presets) or "none; add [presets.NAME] to the config file"
            self.notify(escape_markup(f"No preset {name!r} (presets: {known})."),
                        severity="error")  # fmt: skip
            return False
        base = settings.with_preset(name) if name else settings
        chat = base.to_chat_settings()
        current = self.conversation.settings
        chat.stateful, chat.background = current.stateful, current.background
        chat.environment = current.environment
        self.conversation.settings = chat
        self.new_chat_base = copy.deepcopy(chat)
        # The preset sets model, agent and instruction: choices of those made before give way.
        for field in ("model", "agent", "system_instruction"):
            self.chosen_settings.pop(field, None)
        self.preset_in_use = name
        self._show_settings_in_force()
        self._ask_limit()
        if not name:
            self.notify("No preset: the next turns use the settings of F2.")
            return True
        unknown = settings.unknown_preset_tools(name)
        from gemtui.ui.screens.presets import describe_preset  # a dialog module: on first use

        described = describe_preset(settings.presets[name], unknown)
        self.notify(
            escape_markup(f"Preset {name}: {described}"),
            severity="warning" if unknown else "information",
        )
        return True

    def action_presets(self) -> None:
        if len(self.screen_stack) > 1:
            return
        from gemtui.ui.screens.presets import PresetScreen  # on first use: start-up time

        settings = self.user_settings
        where = str(self.loaded.path) if self.loaded else "the config file"
        unknown = {name: settings.unknown_preset_tools(name) for name in settings.presets}
        screen = PresetScreen(
            settings.presets, where, in_use=self.preset_in_use, unknown_tools=unknown
        )
        self.push_screen(screen, self._preset_chosen)

    def _preset_chosen(self, name: str | None) -> None:
        if name is not None:
            self.apply_preset(name)

    # ------------------------------------------------------------------ templates

    @property
    def templates_dir(self) -> Path:
        from gemtui.core import templates

        return templates.templates_dir(self.loaded.path if self.loaded else None)

    def template_names(self) -> list[str]:
        from gemtui.core import templates

        return templates.template_names(self.templates_dir)

    def expand_template(self, name: str, args: str = "") -> str | None:
        """The prompt template ``name`` makes with ``args``, or ``None`` after saying why not."""
        from gemtui.core import templates

        try:
            return templates.run_template(self.templates_dir, name, args)
        except templates.TemplateError as error:
            self.notify(escape_markup(f"Template {name}: {error}"), severity="error", timeout=10)
            return None

    def template_prompt(self, name: str, args: str = "") -> str | None:
        """The prompt template ``name`` makes with ``args`` if it can be sent now, else
        ``None`` after saying why not."""
        if self.busy:
            self.notify("A turn is still running: Escape cancels it.", severity="warning")
            return None
        prompt = self.expand_template(name, args)
        if prompt is None:
            return None
        if not prompt.strip():  # sent, it was an empty input the server refused (400)
            self.notify(escape_markup(f"Template {name} is empty: nothing to send."),
                        severity="warning")  # fmt: skip
            return None
        return prompt

    def run_template(self, name: str, args: str = "") -> bool:
        """Send template ``name`` expanded with ``args`` as the next turn (``/NAME args``); the
        draft in the prompt stays. Whether it was sent."""
        prompt = self.template_prompt(name, args)
        if prompt is not None:
            self._send_template(prompt)
        return prompt is not None

    def action_templates(self) -> None:
        if len(self.screen_stack) > 1:
            return
        from gemtui.core import templates
        from gemtui.ui.screens.templates import TemplateScreen  # on first use: start-up time

        directory = self.templates_dir
        screen = TemplateScreen(
            templates.template_names(directory),
            str(directory),
            prepare=self.template_prompt,
            misnamed=templates.misnamed_templates(directory),
        )
        self.push_screen(screen, self._send_template)

    def _send_template(self, prompt: str | None) -> None:
        if prompt is not None:
            self._send(prompt, [], [], restore_over=self.composer.text)

    # ------------------------------------------------------------------ models

    def action_next_model(self) -> None:
        """The next of the recently used models and agents, for the next turns."""
        from gemtui.core.recent_models import ModelChoice

        settings = self.conversation.settings
        current = (
            ModelChoice(settings.agent, True) if settings.agent else ModelChoice(settings.model)
        )
        choice = self.recent_models.after(current)
        if choice is None:
            self.notify(escape_markup(
                f"Only {current.label} has answered so far. Another model (F2, or a preset) "
                "joins this list once it has answered."
            ))  # fmt: skip
            return
        if choice.agent:
            settings.agent = choice.name
        else:
            settings.agent, settings.model = None, choice.name
        self.keep_for_new_chats("model", "agent")
        self._show_settings_in_force()
        self.refresh_session_status()
        self._ask_limit()
        self.notify(escape_markup(f"Next turns: {choice.label}"))

    # ------------------------------------------------------------------ usage and cost

    def usage_report(self) -> str:
        """The context window, tokens and cost of the chat, as a few lines."""
        conversation = self.conversation
        settings = conversation.settings
        model = settings.agent or settings.model
        use = self.chat.context_use()
        lines = []
        if use is None:
            lines.append(f"{model}: no usage reported yet.")
        else:
            window = "" if use.limit else " (window size not known yet)"
            if settings.agent:
                window = " (an agent: no window)"
            lines.append(f"{model}: {use.label()}{window}; the last turn's input and output.")
        prices = self.user_settings.price_table()
        turns = [turn for turn in conversation.turns if turn.usage is not None]
        lines.append(
            f"{plural(len(turns), 'turn')} with usage, {conversation.total_tokens():,} tokens."
        )
        total = total_cost(conversation.turns, prices, more=conversation.has_older)
        if total is not None:
            lines.append(f"Cost: {format_total(total)}.")
        unpriced = sorted({model_of(turn) for turn in turns if model_of(turn) not in prices})
        if unpriced:
            where = self.loaded.path if self.loaded else "the config file"
            lines.append(f'No price for {", ".join(unpriced)}: [prices."MODEL"] in {where}.')
        return "\n".join(lines)

    def action_usage(self) -> None:
        self.notify(escape_markup(self.usage_report()), timeout=12)

    # ------------------------------------------------------------------ notifications

    def save_user_setting(self, **update: Any) -> str:
        """Change settings of the user's own (as F2 does) and write them to the config file;
        says how that went, to put after what changed: " (saved)", " (not saved: why)", or
        "" with no config file."""
        before = self.user_settings
        after = before.model_copy(update=update)
        self.user_settings = after
        if self.loaded is None:
            return ""
        try:
            save_settings(self.loaded.path, before, after)
        except ConfigWriteError as error:
            return f" (not saved: {error})"
        return " (saved)"

    def search_themes(self) -> None:
        """Textual's theme picker (the palette's "Theme"): the theme chosen is kept in the
        config file as F2 keeps it; it was back to the default at the next start."""
        from textual.command import CommandPalette
        from textual.theme import ThemeProvider

        before = self.theme
        palette = CommandPalette(providers=[ThemeProvider], placeholder="Search for themes…")
        self.push_screen(palette, lambda _: self.call_after_refresh(self._theme_chosen, before))

    def _theme_chosen(self, before: str) -> None:
        if self.theme != before:
            saved = self.save_user_setting(theme=self.theme)
            self.notify(escape_markup(f"Theme {self.theme}{saved}."))

    def action_next_notify(self) -> None:
        """The next ``notify`` mode; saved to the config file like F2's settings."""
        from gemtui.core.notify import NOTIFY_MODES

        before = self.user_settings
        mode = NOTIFY_MODES[(NOTIFY_MODES.index(before.notify) + 1) % len(NOTIFY_MODES)]
        saved = self.save_user_setting(notify=mode)
        what = {
            "auto": "a notification when the terminal is not focused, else the bell after "
            f"{before.notify_after:g} s",
            "osc": "a terminal notification",
            "bell": "the bell",
            "off": "nothing",
        }[mode]
        self.notify(escape_markup(f"Notifications: {mode}: {what}{saved}."))
