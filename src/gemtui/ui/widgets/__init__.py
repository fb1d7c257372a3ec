"""Widgets of the gemtui app."""
