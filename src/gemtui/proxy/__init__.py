"""The inspector's reverse proxy: other programs' Interactions API traffic, forwarded and captured.

``server`` forwards every request to the upstream and passes every response back byte for byte
(SSE event by event); ``wire`` is what it notes about each exchange; ``collector`` turns those
notes into turns through the turn runner (so the history, the panes, recordings and export get
them like any turn); ``run`` starts it in a thread; ``headless`` is ``gemtui proxy`` without a
terminal. Never imports Textual.
"""
