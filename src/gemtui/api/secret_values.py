"""Which secret values are looked for in text, for every layer that redacts (standard library
only, so the wire layer and ``core.safety`` can share it without importing each other's
dependencies)."""

from __future__ import annotations

#: Secret values shorter than this are not looked for in text. No real key is that short (a
#: Gemini key has 39 characters), and a dummy one set for a local emulator is found all over:
#: with the key "e", a stored chat read "Explain th*** ***v***nt loop" and its steps lost their
#: "type" fields. The shapes that carry a key (``key=``, ``x-goog-api-key``) are still redacted.
MIN_SECRET_CHARS = 6
