"""What a headless run shows of each event: answer text on stdout, the rest on stderr with -v.

Works on the assembler's :class:`~gemtui.core.assembler.Change` records, so it prints a text
delta the moment it arrives and describes a step once it is complete (``step.stop``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gemtui.headless.output import AnswerPrinter, Messages, short

if TYPE_CHECKING:
    from gemtui.api.models import StepBase
    from gemtui.core.assembler import Change, InteractionState, StepState


class TurnView:
    """Feeds one streamed turn to the answer printer (text mode) and the stderr messages."""

    def __init__(self, answer: AnswerPrinter | None, messages: Messages) -> None:
        self._answer = answer
        self._messages = messages
        self._text_step: StepState | None = None

    def on_change(self, state: InteractionState, change: Change) -> None:
        """Called once per applied event with the state and the change it made."""
        kind = change.kind
        if kind == "status":
            self._messages.detail("status", state.status or "?")
            return
        if kind not in ("step_started", "step_delta", "step_stopped"):
            return
        step_state = _step_with_index(state, change.step_index)
        if step_state is None:
            return
        model = step_state.step
        if kind == "step_stopped":
            self.report_step(model)
        elif (
            model.type == "model_output"
            and change.appended_text
            and (kind == "step_started" or change.field == "text")
        ):
            self._write_answer(step_state, change.appended_text)

    def _write_answer(self, step_state: StepState, text: str) -> None:
        if self._answer is None:
            return
        if self._text_step is not step_state:
            self._answer.new_paragraph()
            self._text_step = step_state
        self._answer.write(text)

    def report_step(self, step: StepBase) -> None:
        """Describe a complete step: tool calls and thoughts for ``-v``, media always (text)."""
        kind = step.type or "?"
        if kind == "user_input":
            return
        if kind == "model_output":
            self._report_media(step)
            return
        if kind == "thought":
            summary = _texts(getattr(step, "summary", None))
            self._messages.detail("thought", short(summary) if summary else "(no summary)")
            return
        if kind == "function_call":
            arguments = short(getattr(step, "arguments", None) or {})
            self._messages.detail("function_call", f"{getattr(step, 'name', '?')}({arguments})")
            return
        for field in ("arguments", "result"):
            value = getattr(step, field, None)
            if value is not None:
                self._messages.detail(kind, short(value))
                return
        self._messages.detail(kind, short(step.to_wire()))

    def _report_media(self, step: StepBase) -> None:
        if self._answer is None:
            return
        for item in getattr(step, "content", None) or ():
            kind = getattr(item, "type", None)
            if kind != "text":
                mime = getattr(item, "mime_type", None) or "unknown type"
                self._messages.say(
                    f"the answer includes {kind or 'a part'} ({mime}) that text output cannot "
                    "show; use --output-format json to get it."
                )


def _step_with_index(state: InteractionState, index: int | None) -> StepState | None:
    """The latest step with that wire index (indexes restart after an automatic continuation)."""
    for step_state in reversed(state.steps):
        if step_state.index == index:
            return step_state
    return None


def _texts(content: Any) -> str:
    return " ".join(
        item.text for item in content or () if getattr(item, "type", None) == "text" and item.text
    )
