"""Compressing a chat: a turn that asks for a summary, from which the chain starts over.

A summary turn (``Asked.kind == "summary"``) is sent like any other: it continues the chain,
so the model sees the whole conversation and answers with a summary of it. Once it has
completed it is a *chain root*: :class:`~gemtui.core.conversation.Conversation` computes the
chain of later requests from it onwards only. The next request chains onto nothing (the
summary's interaction holds the old chain, which is what is being left behind) and sends the
summary as its history instead; the turns after it chain as usual. The old turns stay in the
list, in the panes and in the history as they were; only the requests stop carrying them.

A summary that failed, was cancelled or was cut short is no root: the chain goes on from the
turns before it, as if it had not been asked.
"""

from __future__ import annotations

from typing import Any

from gemtui.api.models import ModelOutputStep, TextContent
from gemtui.core.assembler import assembled_interaction
from gemtui.core.turn import Turn

#: What a summary turn asks the model for (``instructions`` are added after it).
SUMMARY_REQUEST = (
    "Summarize our conversation so far so that the summary can replace it: the goal, the "
    "facts, decisions and constraints established, names, numbers, code and file names that "
    "matter, questions still open, and what was about to happen next. Write it as a "
    "self-contained brief in the conversation's language; no preamble."
)
#: How the summary is introduced when it is sent as the history of the next request.
SUMMARY_PREFIX = (
    "This conversation was compressed. A summary of everything before this point, which "
    "replaces it:\n\n"
)
#: How a summary turn is named in the timeline.
SUMMARY_LABEL = "summary"


def summary_request(instructions: str = "") -> str:
    """The prompt of a summary turn, with the user's own ``instructions`` (``/compress ...``)."""
    instructions = instructions.strip()
    if not instructions:
        return SUMMARY_REQUEST
    return f"{SUMMARY_REQUEST}\n\nAlso: {instructions}"


def is_chain_root(turn: Turn) -> bool:
    """Whether the chain of the requests after ``turn`` starts at it: a completed summary."""
    return turn.asked.kind == "summary" and turn.reply.outcome == "completed"


def summary_text(turn: Turn) -> str:
    """The text of the answer of a summary turn (its ``model_output`` steps)."""
    texts: list[str] = []
    for step in assembled_interaction(turn.reply.state).steps or []:
        if isinstance(step, ModelOutputStep):
            texts += [c.text for c in step.content or [] if isinstance(c, TextContent) and c.text]
    return "\n\n".join(texts)


def summary_history(turn: Turn) -> list[dict[str, Any]]:
    """What a chain root contributes to the history of the requests after it: its summary, as
    one ``user_input`` step. Not its thoughts: their signatures belong to the chain they were
    made in."""
    text = SUMMARY_PREFIX + summary_text(turn)
    return [{"type": "user_input", "content": [{"type": "text", "text": text}]}]
