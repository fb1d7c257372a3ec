"""How much of the model's input window the chat fills, and the window's size per model.

The size is the model's ``inputTokenLimit`` from the models endpoint
(``GET /{version}/models/{model}``), kept per model in memory and in a small file in the
state dir, so a model's limit is fetched once, not every session. Fetching is the caller's
to schedule: never on start-up's path or a turn's (the app does it in a worker after a turn).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from gemtui.core.compress import is_chain_root
from gemtui.core.conversation import Conversation
from gemtui.core.state_files import read_state, state_path, write_state

#: The file that keeps the limits between sessions, in the state dir.
LIMITS_FILE = "model_limits.json"
#: After this long a kept limit is fetched again (models change their limits rarely).
LIMIT_MAX_AGE_S = 7 * 24 * 3600
#: From this share of the window on, the status bar warns.
NEAR_LIMIT = 0.8


def context_used(conversation: Conversation) -> int | None:
    """Tokens the next request starts with, by the last turn the chain holds that reported
    usage (``None``: none did yet).

    The figure is that turn's input plus its output. The API counts, as a turn's input,
    everything the model read for it: the whole chain before it (resent by the client, or
    replayed by the server for ``previous_interaction_id``) and the new prompt; the answer is
    then part of what the next turn's input will be. The conversation total (a sum over turns)
    would count the early turns again on every turn, and the thought tokens are left out
    because earlier thoughts are not read again as tokens (only their signatures go back).
    After a compress the last such turn is the summary, which the next request carries
    instead of the chain: then only its output counts.

    A turn that took several requests (continuation hops, or the model's rounds inside one
    interaction) read the context once per request, and its input counts each read: its
    ``initial_input_tokens``, the first read, is what the chain held before it.
    """
    for turn in reversed(conversation.turns):
        usage = turn.usage
        if not turn.chainable or usage is None:
            continue
        output = usage.total_output_tokens or 0
        if is_chain_root(turn):
            return output
        read = usage.initial_input_tokens
        return ((usage.total_input_tokens if read is None else read) or 0) + output
    return None


def format_tokens(count: int) -> str:
    """A token count in a few characters: 950, 15.2k, 131k, 1M, 2.1M."""
    if count < 1000:
        return str(count)
    if count < 100_000:
        return f"{count / 1000:.1f}k"
    if count < 1_000_000:
        return f"{count / 1000:.0f}k"
    return f"{count / 1_000_000:.1f}".removesuffix(".0") + "M"


@dataclass(frozen=True, slots=True)
class ContextUse:
    """Tokens in use and the window's size (``None``: not known yet, or no window: an agent)."""

    used: int
    limit: int | None = None

    @property
    def share(self) -> float | None:
        return self.used / self.limit if self.limit else None

    @property
    def near_limit(self) -> bool:
        share = self.share
        return share is not None and share >= NEAR_LIMIT

    def label(self) -> str:
        """``ctx 15.2k / 1M (2%)``, or ``ctx 15.2k`` while the limit is not known."""
        text = f"ctx {format_tokens(self.used)}"
        share = self.share
        if self.limit and share is not None:
            text += f" / {format_tokens(self.limit)} ({share:.0%})"
        return text

    def short_label(self) -> str:
        """``ctx 2%`` for a full status line, or ``""`` while the limit is not known."""
        share = self.share
        return f"ctx {share:.0%}" if self.limit and share is not None else ""


#: Bytes of text per token, for an estimate before a request: English runs about four, and
#: code and other scripts fewer, so the estimate errs low and refuses nothing that fits.
BYTES_PER_TOKEN = 4


def over_the_window(
    conversation: Conversation, texts: list[str], model: str, limit: int | None
) -> str | None:
    """Why a request with these new ``texts`` (the prompt, text attachments) cannot fit
    ``model``'s window of ``limit`` tokens, with the chat it goes on from; ``None``: it may.
    A 20 MB text file went out and filled the window almost five times over."""
    if not limit:
        return None
    new = sum(len(text.encode()) for text in texts) // BYTES_PER_TOKEN
    total = new + (context_used(conversation) or 0)
    if total <= limit:
        return None
    return (
        f"This comes to about {format_tokens(total)} tokens with the chat, more than "
        f"{model}'s {format_tokens(limit)}-token window: the request would be refused. Attach "
        "less (or a smaller file), or start a new chat (Ctrl+N)."
    )


#: ``fetch(model)``: the model's input token limit, ``None`` when the endpoint does not know
#: the model; raises on a failure worth trying again later.
LimitFetcher = Callable[[str], Awaitable[int | None]]


class ModelLimits:
    """Input token limits per model: memory, then the state file, then the endpoint.

    Nothing is read before the first :meth:`fetch`, so making one costs start-up nothing.
    A model the endpoint does not know is remembered as unknown for the session only.
    """

    def __init__(self, path: Path | None = None, *, clock: Callable[[], float] = time.time):
        self._path = path
        self._clock = clock
        self._known: dict[str, int | None] = {}
        self._file: dict[str, dict[str, float]] | None = None

    @property
    def path(self) -> Path:
        return self._path or state_path(LIMITS_FILE)

    def get(self, model: str) -> int | None:
        """The limit if it is known in memory; never reads or fetches."""
        return self._known.get(model)

    def knows(self, model: str) -> bool:
        """Whether ``model`` was looked up already this session (found or not)."""
        return model in self._known

    async def fetch(self, model: str, fetch: LimitFetcher) -> int | None:
        """The limit of ``model``: kept, or fetched and kept. Raises what ``fetch`` raises
        (nothing is remembered then, so a later call tries again)."""
        if model in self._known:
            return self._known[model]
        saved = self._saved().get(model)
        if saved is not None and self._clock() - saved.get("fetched", 0) < LIMIT_MAX_AGE_S:
            limit = int(saved["input_token_limit"])
            self._known[model] = limit
            return limit
        limit = await fetch(model)
        self._known[model] = limit
        if limit is not None:
            self._save(model, limit)
        return limit

    def _saved(self) -> dict[str, dict[str, float]]:
        if self._file is None:
            data = read_state(self.path)
            models = data.get("models") if isinstance(data, dict) else None
            self._file = {
                name: entry
                for name, entry in (models or {}).items()
                if isinstance(entry, dict) and isinstance(entry.get("input_token_limit"), int)
            }
        return self._file

    def _save(self, model: str, limit: int) -> None:
        self._file = None  # read again: another gemtui may have added a model meanwhile
        saved = self._saved()
        saved[model] = {"input_token_limit": limit, "fetched": round(self._clock())}
        with suppress(OSError):  # kept in memory; the next session fetches it again
            write_state(self.path, {"models": saved})
