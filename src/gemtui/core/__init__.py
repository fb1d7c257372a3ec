"""Pure logic between the wire and the widgets: assembler, conversation, safety, clipboard.

Never imports Textual.
"""
