"""How the conversation's items draw themselves: Rich renderables turned into lines."""
