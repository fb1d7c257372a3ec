"""gemtui: a keyboard-driven terminal client for the Gemini Interactions API."""

__version__ = "0.1.0"
