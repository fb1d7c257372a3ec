"""Modal screens: each a dialog over the chat, opened by a key and closed with its answer."""
