"""Deterministic ids that look like the real ones but are opaque to clients.

Real interaction ids are ``v1_`` + URL-safe base64 of a tiny protobuf holding a conversation
root token and this interaction's token (wire reference §1.5). We build the same shape from
a SHA-256 of the app seed, a counter and the request, so one request sequence always yields
the same ids while different requests never collide. A persistent emulator (``--demo``) adds a
random part to its seed each run (``Emulator.seed``), so a later run never reissues an id that
an earlier one stored.
"""

from __future__ import annotations

import base64
import hashlib

_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_SHORT_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
TOKEN_LENGTH = 23


def digest(*parts: str | bytes) -> bytes:
    """SHA-256 over length-prefixed parts (so ``("ab","c")`` and ``("a","bc")`` differ)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(4, "big"))
        h.update(data)
    return h.digest()


def _spell(data: bytes, alphabet: str, length: int) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        number, rest = divmod(number, len(alphabet))
        chars.append(alphabet[rest])
    return "".join(chars)


def token(*parts: str | bytes) -> str:
    """A 23-character alphanumeric token, like the ones inside real interaction ids."""
    return _spell(digest(*parts), _TOKEN_CHARS, TOKEN_LENGTH)


def interaction_id(root_token: str, own_token: str) -> str:
    """``v1_`` + base64url(protobuf{1: root, 2: own}) without padding."""
    root, own = root_token.encode(), own_token.encode()
    message = b"\x0a" + bytes([len(root)]) + root + b"\x12" + bytes([len(own)]) + own
    return "v1_" + base64.urlsafe_b64encode(message).decode().rstrip("=")


def root_token_of(interaction: str) -> str | None:
    """The conversation root token inside an id we issued, or ``None`` for foreign ids."""
    if not interaction.startswith("v1_"):
        return None
    raw = interaction[3:]
    try:
        message = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError:
        return None
    if len(message) < 2 or message[0] != 0x0A or len(message) < 2 + message[1]:
        return None
    return message[2 : 2 + message[1]].decode(errors="replace")


def call_id(*parts: str | bytes) -> str:
    """An 8-character lowercase id for tool calls (real ones look like ``ktr5aysg``)."""
    return _spell(digest(*parts), _SHORT_CHARS, 8)


def environment_id(*parts: str | bytes) -> str:
    return "env_" + _spell(digest(*parts), _SHORT_CHARS, 16)


def signature(*parts: str | bytes) -> str:
    """An opaque base64 thought/tool signature (OAS ``format: byte``)."""
    data = digest("signature", *parts) + digest("signature-tail", *parts)[:16]
    return base64.b64encode(data).decode()
