"""The inspector (``gemtui inspect``): the proxy inside the TUI, its captures in a pane.

``app`` is the chat app with a captures pane on top; ``captures`` that pane; ``sink`` what a
captured turn tells the app; ``exchange_screen`` the raw facts of one exchange; ``launch``
starts it all.
"""
