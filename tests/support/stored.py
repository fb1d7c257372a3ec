"""Chats written to a history store the way the turn runner writes them, without a server."""

from __future__ import annotations

from gemtui.api.models import Interaction, parse_step
from gemtui.core.assembler import StepState
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.store import Store
from gemtui.core.turn import Asked, Turn


def answer(turn: Turn, number: int, outcome: str = "completed", tokens: int | None = None) -> Turn:
    """Give a started turn the answer the emulator sends (a thought, then text), with the id
    ``v1_turn<number>``."""
    state = turn.reply.state
    usage = {"total_tokens": tokens} if tokens is not None else None
    state.interaction = Interaction.model_validate(
        {"id": f"v1_turn{number}", "status": outcome, "usage": usage}
    )
    for index, wire in enumerate(
        [
            {"type": "thought", "signature": f"sig{number}", "summary": []},
            {"type": "model_output", "content": [{"type": "text", "text": f"answer {number}"}]},
        ]
    ):
        state.steps.append(StepState(index, 0.0, done=True, _model=parse_step(wire)))
    turn.reply.outcome = outcome  # type: ignore[assignment]
    return turn


def write_chat(
    store: Store,
    prompts: list[str],
    *,
    stateful: bool = True,
    tokens: int | None = None,
) -> tuple[Conversation, int]:
    """One answered turn per prompt, written through :class:`ChatHistory`; the conversation
    as it was live, and its id in the store."""
    history = ChatHistory(store)
    live = Conversation(settings=ChatSettings(stateful=stateful))
    for number, prompt in enumerate(prompts, start=1):
        turn = live.start_turn(Asked(prompt=prompt))
        live.build_request(turn)
        recorder = history.begin(live, turn)
        answer(turn, number, tokens=tokens)
        history.finish(recorder, turn)
    assert history.conversation_id is not None
    return live, history.conversation_id
