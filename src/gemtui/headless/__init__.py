"""Headless mode: ``gemtui ask`` and the other commands that print instead of drawing."""
