"""Which stored conversation ``gemtui --continue`` and ``gemtui --resume ID`` open.

``--continue`` takes the most recently updated conversation; ``--resume ID`` a conversation
number (as ``gemtui history`` lists them) or an interaction id (``v1_…``: the conversation that
holds it, with that turn selected). What names nothing raises :class:`NothingToResume` with a
sentence for the user, so the command line can say it before any screen is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from gemtui.core.request_options import INTERACTION_ID
from gemtui.core.safety import one_line
from gemtui.core.store import Store


class NothingToResume(Exception):
    """Nothing in the history matches; the message says so and what to do."""


@dataclass(frozen=True)
class ResumeTarget:
    conversation_id: int
    #: The turn to select (an interaction id was given), else ``None``: open at the newest.
    turn_id: int | None = None


def last_conversation(store: Store) -> ResumeTarget:
    """The conversation updated last (``--continue``)."""
    found = store.last_conversation_id()
    if found is None:
        raise NothingToResume(
            "nothing to continue: the history holds no conversation yet. Start one with gemtui."
        )
    return ResumeTarget(found)


def find_conversation(store: Store, reference: str) -> ResumeTarget:
    """The conversation ``reference`` names (``--resume ID``)."""
    reference = reference.strip()
    if reference.isdigit():
        if store.get_conversation(int(reference)) is None:
            raise NothingToResume(
                f"no conversation {reference} in the history (gemtui history lists them)."
            )
        return ResumeTarget(int(reference))
    if INTERACTION_ID.fullmatch(reference):
        located = store.find_interaction(reference)
        if located is None:
            raise NothingToResume(
                f"no interaction {reference} in the history (only interactions made by gemtui "
                "on this machine are kept; gemtui show ID fetches any from the server)."
            )
        return ResumeTarget(*located)
    raise NothingToResume(
        f"{one_line(reference)!r} is neither a conversation number (gemtui history lists "
        "them) nor an interaction id (v1_…)."
    )
