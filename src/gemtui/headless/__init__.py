"""Headless mode: ``gemtui ask`` answers one question on stdout, for scripts and pipes."""

from gemtui.headless.main import run_ask

__all__ = ["run_ask"]
