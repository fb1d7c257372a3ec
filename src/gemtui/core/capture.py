"""Another program's exchange with the API as a turn: what it asked, and its answer as events.

The inspector proxy (:mod:`gemtui.proxy`) sees raw HTTP; the turn runner folds events. This
module is the translation between the two, pure (no I/O), so the same rules serve the live
inspector, ``gemtui proxy --record`` and the tests:

* :func:`asked_from_request` makes the :class:`~gemtui.core.turn.Asked` of a captured request
  (``kind="captured"``): the prompt and attachments of its last ``user_input``, the function
  results it sends, the body as sent, and the exchange it travelled in;
* :func:`settings_from_request` reads the settings the program used (model or agent, config,
  tools, system instruction, response format, store), so a captured request can be forked into a
  chat that sends the same;
* :func:`response_events` turns a whole (non-streamed) response into the events a stream would
  have carried: an Interaction becomes its steps (as :func:`interaction_events` does for an
  interaction opened by id), an error body one ``error`` event. A streamed response needs none
  of this: its events are folded as they come.
"""

from __future__ import annotations

import json
from typing import Any

from gemtui.api.models import STEP_TYPES, Interaction, parse_step
from gemtui.core.assembler import StepState
from gemtui.core.attachments import item_label
from gemtui.core.conversation import ChatSettings
from gemtui.core.reopen_state import interaction_events
from gemtui.core.turn import Asked, Exchange, Turn

__all__ = [
    "asked_from_request",
    "error_event",
    "fork_context",
    "input_steps",
    "response_events",
    "settings_from_request",
]

#: Step types a client sends; the trailing run of them in ``input`` is the turn's new input.
INPUT_STEP_TYPES = frozenset({"user_input", "function_result"})
#: How much of a non-JSON error body the error event quotes.
ERROR_TEXT_LIMIT = 300


def input_steps(value: Any) -> list[dict[str, Any]]:
    """A create body's ``input`` as a list of steps, whatever form it took: a string, one
    content block or step, a list of content blocks (one ``user_input``), or a list of steps."""
    if isinstance(value, str):
        return [{"type": "user_input", "content": [{"type": "text", "text": value}]}]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    items = [item for item in value if isinstance(item, dict)]
    if any(item.get("type") in STEP_TYPES for item in items):
        return items
    return [{"type": "user_input", "content": items}] if items else []


def _new_input(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trailing input steps: what this request adds after the history it resends."""
    start = len(steps)
    while start > 0 and steps[start - 1].get("type") in INPUT_STEP_TYPES:
        start -= 1
    return steps[start:]


def _user_input(step: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The text of a ``user_input`` step and the content items beside it (attachments)."""
    content = step.get("content")
    if isinstance(content, str):
        return content, []
    blocks = [block for block in content if isinstance(block, dict)] if content else []
    texts = [
        b["text"] for b in blocks if b.get("type") == "text" and isinstance(b.get("text"), str)
    ]
    return "".join(texts), [b for b in blocks if b.get("type") != "text"]


def asked_from_request(body: Any, exchange: Exchange) -> Asked:
    """The captured turn's ``Asked``. ``body`` is the request's JSON (``None`` for a GET or a
    body that is not JSON); only a create has a prompt."""
    request = body if isinstance(body, dict) else {}
    prompt, attachments, results = "", [], []
    for step in _new_input(input_steps(request.get("input"))):
        if step.get("type") == "function_result":
            results.append(step)
            continue
        prompt, attachments = _user_input(step)
    return Asked(
        prompt=prompt,
        attachments=attachments,
        attachment_labels=[item_label(item) for item in attachments],
        results=results,
        kind="captured",
        label=exchange.label,
        stateful=request.get("store") is not False,
        request=request,
        exchange=exchange,
    )


def settings_from_request(body: Any) -> ChatSettings:
    """The settings a captured create was sent with (defaults for what it left out)."""
    request = body if isinstance(body, dict) else {}
    defaults = ChatSettings()

    def of(name: str, kind: type | tuple[type, ...]) -> Any:
        value = request.get(name)
        return value if isinstance(value, kind) else None

    environment = of("environment", (str, dict))
    return ChatSettings(
        model=of("model", str) or defaults.model,
        agent=of("agent", str),
        system_instruction=of("system_instruction", str),
        tools=[tool for tool in of("tools", list) or [] if isinstance(tool, dict)],
        generation_config=dict(of("generation_config", dict) or {}),
        response_format=of("response_format", (dict, list)),
        stateful=request.get("store") is not False,
        background=request.get("background") is True,
        environment=environment,
    )


def error_event(code: str | int, message: str) -> dict[str, Any]:
    """An ``error`` event as the API sends one mid-stream (wire reference §5.6)."""
    return {"event_type": "error", "error": {"code": code, "message": message}}


def response_events(status: int, body: bytes | None) -> list[dict[str, Any]]:
    """The events a whole response stands for: an Interaction's steps, an error, or none (a
    ``DELETE``'s ``{}``, a body that is neither). ``body`` is the decoded response body."""
    data: Any = None
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    if not 200 <= status < 300:
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            code = error.get("code")
            message = error.get("message")
            return [
                error_event(
                    code
                    if isinstance(code, str | int) and not isinstance(code, bool)
                    else f"http_{status}",
                    message if isinstance(message, str) else "",
                )
            ]
        text = (body or b"").decode("utf-8", "replace").strip()[:ERROR_TEXT_LIMIT]
        return [error_event(f"http_{status}", text or f"HTTP {status} with no body")]
    if not isinstance(data, dict) or not ({"id", "status", "steps"} & data.keys()):
        return []
    try:
        interaction = Interaction.model_validate(data)
    except ValueError:
        return []
    return interaction_events(interaction)


def fork_context(body: Any) -> tuple[list[Turn], str | None]:
    """What a chat forked from a captured create carries on from: the history the request
    resent, as finished turns (a ``user_input`` or function results, then what answered them),
    and the interaction it chained onto (``previous_interaction_id``). The request's new input
    is left out: it is what the forked chat sends next."""
    request = body if isinstance(body, dict) else {}
    steps = input_steps(request.get("input"))
    history = steps[: len(steps) - len(_new_input(steps))]
    turns: list[Turn] = []
    for step in history:
        kind = step.get("type")
        if kind in INPUT_STEP_TYPES:
            if not turns or turns[-1].reply.state.steps:
                turns.append(Turn(asked=Asked(stateful=request.get("store") is not False)))
            asked = turns[-1].asked
            if kind == "function_result":
                asked.results.append(step)
            else:
                asked.prompt, asked.attachments = _user_input(step)
                asked.attachment_labels = [item_label(item) for item in asked.attachments]
            continue
        if not turns:
            turns.append(Turn(asked=Asked(stateful=request.get("store") is not False)))
        state = turns[-1].reply.state
        done = StepState(
            index=len(state.steps), started_at=0.0, stopped_at=0.0, done=True,
            _model=parse_step(step),
        )  # fmt: skip
        state.steps.append(done)
        state._by_index[done.index] = done
    for turn in turns:
        turn.asked.kind = "results" if turn.asked.results and not turn.asked.prompt else "prompt"
        turn.reply.state.completed = True
        turn.reply.outcome = "completed"
    previous = request.get("previous_interaction_id")
    return turns, previous if isinstance(previous, str) else None
