"""Environment variables: the one gemtui sets for itself, and what the programs it starts for
the user (function tools, the editor, media players) inherit.

gemtui sets ``PYDANTIC_DISABLE_PLUGINS`` for its own process. The first time pydantic builds a
validator it looks for plugins, the validation hooks other packages may register, by reading
the entry points of every installed distribution: 4 to 6 ms of each ``gemtui ask`` before its
first byte with 48 to 76 of them installed (a slow day of this machine), and more in a large
environment. gemtui's validators check its own wire models, which no plugin was written for.
Anyone who wants plugins loaded all the same sets the variable themselves, even to the empty
string, and gemtui leaves it as it is.

A program gemtui starts gets the environment gemtui itself was given. It does not get the
variable gemtui set for itself, and it never gets the API keys: a function tool is a command
the model's output can make run.
"""

from __future__ import annotations

import os

#: Never passed to a program gemtui starts.
SECRET_ENV_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMTUI_API_KEY")
PLUGINS_VARIABLE = "PYDANTIC_DISABLE_PLUGINS"

_set_here: set[str] = set()


def skip_pydantic_plugins() -> None:
    """Turn off pydantic's plugin search for this process, unless the user chose a value.
    Call it before the first validator is built: the entry point does, first thing."""
    if PLUGINS_VARIABLE not in os.environ:
        os.environ[PLUGINS_VARIABLE] = "__all__"
        _set_here.add(PLUGINS_VARIABLE)


def child_environment() -> dict[str, str]:
    """The environment for a program gemtui starts: its own, without the API keys or what
    gemtui set for itself."""
    left_out = {*SECRET_ENV_VARS, *_set_here}
    return {key: value for key, value in os.environ.items() if key not in left_out}
