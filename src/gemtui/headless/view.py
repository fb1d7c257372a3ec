"""What a headless run shows of each event: answer text on stdout, the rest on stderr with -v.

Works on the assembler's :class:`~gemtui.core.assembler.Change` records, so it prints a text
delta the moment it arrives and describes a step once it is complete (``step.stop``).

Citations (``--tool google_search``) are placed by ``url_citation`` annotations, which arrive in
deltas after the text they point into, so ``[n]`` markers can only be put in once the answer step
has stopped. Two ways (``mark_citations`` of the :class:`~gemtui.headless.output.AnswerPrinter`,
set where it is made, in :mod:`gemtui.headless.main`):

- On a terminal the text streams as it arrives (a person reads along; text already shown
  cannot be taken back without cursor tricks that break in scrollback and wrapped lines), and a
  numbered ``Sources:`` list follows the step.
- Into a pipe or file, when the request can be cited, each answer step is printed whole when it
  ends, with its ``[n]`` markers in place, then the same list: a script reads the whole output
  anyway, and gets the answer as the Gemini quickstarts print it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gemtui.api.models import TextContent
from gemtui.core.assembler import continues_answer
from gemtui.core.safety import one_line
from gemtui.headless.output import AnswerPrinter, Messages, short

if TYPE_CHECKING:
    from gemtui.api.models import StepBase
    from gemtui.core.assembler import Change, InteractionState, StepState
    from gemtui.core.citations import Source


class TurnView:
    """Feeds one streamed turn to the answer printer (text mode) and the stderr messages."""

    def __init__(
        self, answer: AnswerPrinter | None, messages: Messages, *, save_media: Path | None = None
    ) -> None:
        self._answer = answer
        self._messages = messages
        self._text_step: StepState | None = None
        #: Where the answer's media are written (``--save-media``), if anywhere.
        self._save_dir = save_media
        #: Media ``--save-media`` could not write (the run then exits 1, not 0).
        self.unsaved_media = 0

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
            if self._save_dir is not None and model.type == "model_output":
                self._save(model, state.interaction.id)
            else:
                self.report_step(model)
            if model.type == "model_output":
                self._finish_answer(step_state)
        elif (
            model.type == "model_output"
            and change.appended_text
            and (kind == "step_started" or change.field == "text")
        ):
            position = state.steps.index(step_state)
            self._write_answer(
                step_state, change.appended_text, continues_answer(state.steps, position)
            )

    def _write_answer(self, step_state: StepState, text: str, continued: bool) -> None:
        """Write answer text; a new answer starts a paragraph, the next continuation hop of
        the same answer goes straight on."""
        if self._answer is None:
            return
        if self._text_step is not step_state:
            if not continued:
                self._answer.new_paragraph()
            self._text_step = step_state
        if self._answer.mark_citations:
            self._answer.hold(text)
        else:
            self._answer.write(text)

    def _finish_answer(self, step_state: StepState) -> None:
        """The answer step has stopped: its text with citation markers (when held), then the
        list of the sources it cites."""
        if self._answer is None:
            return
        content = getattr(step_state.step, "content", None) or ()
        texts = [item for item in content if isinstance(item, TextContent)]
        held = self._answer.holding and self._text_step is step_state
        if not any(item.annotations for item in texts):
            if held:
                self._answer.release()
            return
        # Only now: the citations module loads a Markdown parser (to keep markers out of code).
        from gemtui.core.citations import citations_of, marked_text, sources_of

        citations = citations_of(texts)
        if held:
            self._answer.release(marked_text(texts, markdown=False) if citations else None)
        sources = sources_of(citations)
        if sources:
            self._answer.end_line()
            self._answer.write(sources_text(sources))

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
        from gemtui.core.tool_steps import describe  # only -v needs it

        view = describe(step)
        if view is not None:
            details = "".join(
                f"\n    {' ' * (len(line) - len(line.lstrip()))}{one_line(line)}"
                for line in view.details
            )
            self._messages.detail(view.title, one_line(view.summary) + details)
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
                # Only now: most answers are text alone, and the media module (with the
                # clipboard one under it) stays out of the path to the first byte (issue 20).
                from gemtui.core.media import facts_of

                what = facts_of(item).describe() if kind in _MEDIA else kind or "a part"
                self._messages.say(
                    f"the answer includes {what} that text output cannot show; "
                    "--save-media DIR writes it to a file (or use --output-format json)."
                )

    def _save(self, step: StepBase, interaction_id: str | None) -> None:
        """``--save-media``: write the step's media to the directory and say where each went."""
        from gemtui.core.media import facts_of, media_of, save_media, short_label

        media = media_of(getattr(step, "content", None))
        if not media or self._save_dir is None:
            return
        try:
            self._save_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._messages.error(f"cannot make {self._save_dir}: {error}")
            self.unsaved_media += len(media)
            return
        report = save_media(media, self._save_dir.resolve(), short_label(interaction_id))
        for position, path in zip(report.positions, report.saved, strict=True):
            self._messages.say(f"saved {facts_of(media[position]).describe()}: {path}")
        for problem in report.failed:
            self._messages.error(f"not saved: {problem}")
        self.unsaved_media += len(report.failed)


_MEDIA = frozenset({"image", "audio", "video", "document"})


def sources_text(sources: list[Source]) -> str:
    """The ``Sources:`` list under an answer: ``[n] title`` with the URL on a line of its own
    (easy to click or copy); both are untrusted, so cleaned and kept to one line each."""
    lines = ["", "Sources:"]
    for source in sources:
        url = one_line(source.url)
        title = one_line(source.title or "")
        if source.detail:
            title = f"{title or url} ({one_line(source.detail)})"
        if title and title != url and url:
            lines += [f"[{source.number}] {title}", f"    {url}"]
        else:
            lines.append(f"[{source.number}] {title or url}")
    return "\n".join(lines) + "\n"


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
