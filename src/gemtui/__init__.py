"""gemtui: a keyboard-driven terminal client for the Gemini Interactions API."""

import sys

__version__ = "0.1.0"

# httpx imports its own command-line tool (click, pygments, rich.progress) on the chance it is
# run as `httpx`; that is about 30 ms of every gemtui start for a tool gemtui never calls. A
# None entry makes that one optional import fail, which httpx handles (its `main` then says the
# CLI extra is missing). Set before anything in gemtui imports httpx; harmless if httpx is in.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
