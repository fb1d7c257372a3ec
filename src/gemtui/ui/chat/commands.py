"""Slash commands typed in the prompt: ``/model NAME``, ``/export md chat.md``, ``/help`` ...

Commands live in one registry, by name: :func:`register` adds or replaces one. Besides the
commands declared here, every action of the command palette is a command too, named after its
action (``copy_last_code_block`` is ``/copy-last-code-block``, ``toggle_tool('url_context')`` is
``/toggle-tool-url-context``): the list is made from the palette's table, so an action added
there is a command at once. A declared command that does what a palette action does says so
(``covers``) and the generated name is then left out of the list.

A prompt that should itself begin with ``/`` is sent with ``//`` (one slash is taken off).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gemtui.core.model_names import SDK_MODELS
from gemtui.core.safety import one_line
from gemtui.core.store import StoreError

if TYPE_CHECKING:
    from gemtui.ui.app import GemtuiApp

#: How many models the history suggests first (the most recently used).
RECENT_MODELS = 8
#: The word that switches ``/agent`` and ``/system`` off.
OFF = "off"


class CommandError(Exception):
    """The command cannot run as typed; the message says why (the draft stays)."""


Runner = Callable[["GemtuiApp", str], None]
Completer = Callable[["GemtuiApp", str], list[str]]


@dataclass(frozen=True)
class SlashCommand:
    name: str
    summary: str
    run: Runner
    #: What follows the name, as shown in the list (``NAME``, ``md|json [FILE]``).
    usage: str = ""
    #: Enter on the bare name completes it instead of running it: an argument is needed.
    needs_argument: bool = False
    #: Candidates for the argument being typed (given what is typed so far).
    complete: Completer | None = None
    #: Palette actions this command does, so their generated names are left out.
    covers: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        return f"/{self.name} {self.usage}".rstrip()


#: The declared commands by name; :func:`register` adds to it.
REGISTRY: dict[str, SlashCommand] = {}


def register(command: SlashCommand) -> SlashCommand:
    """Add ``command`` (replacing one of the same name: later work fills in placeholders)."""
    REGISTRY[command.name] = command
    return command


def action_name(action: str) -> str:
    """The command name of a palette action: ``export('md')`` is ``export-md``."""
    return "-".join(re.findall(r"[a-z0-9]+", action.lower()))


def command_table(palette: Iterable[tuple[str, str, str]]) -> dict[str, SlashCommand]:
    """Every command by name: the declared ones, then one per palette action not covered."""
    table = dict(sorted(REGISTRY.items()))
    covered = {action for command in REGISTRY.values() for action in command.covers}
    for title, help_text, action in palette:
        name = action_name(action)
        if action in covered or name in table:
            continue
        table[name] = SlashCommand(name, f"{title}: {help_text}", _palette_runner(action))
    return table


def _palette_runner(action: str) -> Runner:
    """Run palette ``action`` (a command without usage takes no argument: see :func:`run`)."""

    def run(app: GemtuiApp, _argument: str) -> None:
        app.call_later(app.run_action, action)

    return run


@dataclass(frozen=True)
class Parsed:
    """A prompt read as a command line."""

    name: str
    argument: str


def parse(text: str) -> Parsed | None:
    """``/name argument`` (the argument may run over several lines); ``None`` when the text is
    not a command (it does not start with one ``/``)."""
    if not text.startswith("/") or text.startswith("//"):
        return None
    name, _, argument = text[1:].partition(" ")
    name, newline, rest = name.partition("\n")
    if newline:
        argument = f"{rest} {argument}" if argument else rest
    return Parsed(name.strip().lower(), argument.strip())


def unescape(text: str) -> str:
    """``//text`` sends ``/text``."""
    return text[1:] if text.startswith("//") else text


def run(app: GemtuiApp, table: dict[str, SlashCommand], text: str) -> bool:
    """Run the command in ``text``; whether it ran (if not, a message says why)."""
    parsed = parse(text)
    if parsed is None:
        return False
    command = table.get(parsed.name)
    if command is None:
        app.notify(
            f"Unknown command /{one_line(parsed.name)}. /help lists the commands; start the "
            "prompt with // to send it as text beginning with /.",
            severity="warning",
            timeout=8,
            markup=False,
        )
        return False
    try:
        if parsed.argument and not command.usage:
            raise CommandError(f"/{parsed.name} takes no argument.")
        command.run(app, parsed.argument)
    except CommandError as error:
        app.notify(str(error), severity="warning", timeout=8, markup=False)
        return False
    return True


# ---------------------------------------------------------------------------- completion


@dataclass(frozen=True)
class Candidate:
    """One line of the completion list and the text it puts in the prompt."""

    text: str
    label: str
    help: str = ""
    #: Picking it with Enter runs the command at once (else it is completed, to go on typing).
    runs: bool = True


def candidates(app: GemtuiApp, table: dict[str, SlashCommand], text: str) -> list[Candidate]:
    """What the list under the prompt offers for ``text`` (nothing when it is no command)."""
    if "\n" in text or not text.startswith("/") or text.startswith("//"):
        return []
    typed = text[1:]
    name, space, argument = typed.partition(" ")
    if not space:
        return _name_candidates(table, name.lower())
    command = table.get(name.lower())
    if command is None or command.complete is None:
        return []
    prefix = argument.lstrip()
    found = _matching(command.complete(app, prefix), prefix)
    return [Candidate(f"/{command.name} {value}", value) for value in found]


def _name_candidates(table: dict[str, SlashCommand], typed: str) -> list[Candidate]:
    names = _matching(table, typed)
    return [
        Candidate(
            f"/{name} " if table[name].needs_argument else f"/{name}",
            table[name].line,
            table[name].summary,
            runs=not table[name].needs_argument,
        )
        for name in names
    ]


def _matching(values: Iterable[str], typed: str) -> list[str]:
    """Those starting with ``typed``, then those containing it (case-insensitive), in order."""
    typed = typed.lower()
    values = list(dict.fromkeys(values))
    starts = [v for v in values if v.lower().startswith(typed)]
    inside = [v for v in values if typed in v.lower() and v not in starts]
    exact = [v for v in starts if v.lower() == typed]
    if exact and len(starts) == 1 and not inside:
        return []  # nothing left to complete
    return starts + inside


# ---------------------------------------------------------------------------- the commands


def recent_models(app: GemtuiApp) -> list[str]:
    """Models of the conversations used last (newest first), for ``/model``."""
    found = [app.conversation.settings.model, app.user_settings.model]
    store = app.store
    if store is not None:
        with suppress(StoreError):
            found += [s.model for s in store.list_conversations(archived=None) if s.model]
    return list(dict.fromkeys(found))[:RECENT_MODELS]


def _complete_model(app: GemtuiApp, _typed: str) -> list[str]:
    return [*recent_models(app), *SDK_MODELS]


def set_model(app: GemtuiApp, name: str) -> None:
    """``/model NAME``: the model of this conversation's next turns (an agent is left)."""
    if not name:
        raise CommandError(f"/model NAME: the model now is {app.conversation.settings.model}.")
    settings = app.conversation.settings
    settings.model = _one_name(name, "/model NAME")
    left = settings.agent
    settings.agent = None
    app.keep_for_new_chats("model", "agent")
    app.show_settings_in_force()
    tail = f" (instead of the agent {left})" if left else ""
    app.notify(f"Next turns use {settings.model}{tail}.", markup=False)


def _one_name(argument: str, usage: str) -> str:
    """A model or agent name is one word: the rest was dropped without a word before."""
    name, *rest = argument.split()
    if rest:
        raise CommandError(f"{usage}: one name, without spaces ({' '.join(rest)!r} is left).")
    return name


def set_agent(app: GemtuiApp, name: str) -> None:
    settings = app.conversation.settings
    if not name:
        now = settings.agent or f"none (the model {settings.model})"
        raise CommandError(f"/agent NAME, or /agent {OFF}: the agent now is {now}.")
    if name == OFF:
        settings.agent = None
        app.notify(f"Next turns use the model {settings.model}.", markup=False)
    else:
        settings.agent = _one_name(name, "/agent NAME")
        app.notify(f"Next turns go to the agent {settings.agent}.", markup=False)
    app.keep_for_new_chats("agent")
    app.show_settings_in_force()


def set_system(app: GemtuiApp, argument: str) -> None:
    """``/system TEXT`` sets the instruction; ``/system NAME`` of a preset applies the preset
    (its instruction, model and generation settings), as Alt+P does."""
    settings = app.conversation.settings
    if not argument:
        now = one_line(settings.system_instruction or "none")
        raise CommandError(f"/system TEXT, or /system {OFF}: the instruction now is {now[:60]}")
    if argument in app.preset_names():
        app.apply_preset(argument)
        return
    settings.system_instruction = None if argument == OFF else argument
    app.keep_for_new_chats("system_instruction")
    app.show_settings_in_force()
    done = "cleared" if argument == OFF else "set"
    app.notify(f"System instruction {done} for this conversation's next turns.")


def _complete_system(app: GemtuiApp, _typed: str) -> list[str]:
    return [OFF, *app.preset_names()]


def compress(app: GemtuiApp, argument: str) -> None:
    app.compress(argument)


def set_mode(stateful: bool) -> Runner:
    def run(app: GemtuiApp, _argument: str) -> None:
        settings = app.conversation.settings
        settings.stateful = stateful
        app.keep_for_new_chats("stateful")
        app.show_settings_in_force()
        app.notify(f"Next turns are {settings.mode_label}.")

    return run


def export(app: GemtuiApp, argument: str) -> None:
    fmt, _, target = argument.partition(" ")
    if fmt not in ("md", "json"):
        raise CommandError("/export md|json [FILE]: give the format, md or json.")
    app.action_export(fmt, target.strip() or None)


def copy_answer(app: GemtuiApp, argument: str) -> None:
    if argument and not argument.isdigit():
        raise CommandError("/copy [N]: N counts answers from the last (1 is the last one).")
    app.copy_answer(int(argument) if argument else 1)


def search(app: GemtuiApp, argument: str) -> None:
    app.search_history(argument)


def find(app: GemtuiApp, argument: str) -> None:
    app.call_later(app.action_find, argument)


def _complete(*values: str) -> Completer:
    return lambda _app, _typed: list(values)


def _declare(commands: Sequence[SlashCommand]) -> None:
    for command in commands:
        register(command)


_declare(
    [
        SlashCommand("model", "Model of the next turns", set_model, "NAME", True,
                     _complete_model, covers=("start_command('model')",)),
        SlashCommand("agent", f"Agent of the next turns ({OFF}: back to the model)", set_agent,
                     "NAME", True, lambda app, _t: [OFF, *app.custom_agents.names()],
                     covers=("start_command('agent')",)),
        SlashCommand("system", f"System instruction of this chat ({OFF} clears it), or a preset",
                     set_system, "TEXT|PRESET", True, _complete_system),
        SlashCommand("tools", "Tools of this conversation (F7)", _palette_runner("tools"),
                     covers=("tools",)),
        SlashCommand("stateless", "Next turns resend the history (store: false)",
                     set_mode(False)),
        SlashCommand("stateful", "Next turns are kept at the server", set_mode(True)),
        SlashCommand("new", "New conversation (Ctrl+N)", _palette_runner("new_conversation"),
                     covers=("new_conversation",)),
        SlashCommand("history", "Saved conversations (Ctrl+O)", _palette_runner("history"),
                     covers=("history",)),
        SlashCommand("search", "Search the history (Ctrl+R)", search, "TEXT",
                     covers=("search_history",)),
        SlashCommand("export", "Export this conversation", export, "md|json [FILE]", True,
                     _complete("md", "json"), covers=("export('md')", "export('json')")),
        SlashCommand("copy", "Copy the N-th last answer (Ctrl+Y: the last)", copy_answer, "[N]",
                     covers=("copy_last_answer",)),
        SlashCommand("retry", "Send the last prompt again (F5)", _palette_runner("retry"),
                     covers=("retry",)),
        SlashCommand("help", "Slash commands and keys", lambda app, _a: app.show_command_help(),
                     covers=("slash_help",)),
        SlashCommand("find", "Find in the conversation (Ctrl+F)", find, "[TEXT]",
                     covers=("find",)),
        SlashCommand("editor", "Edit the prompt in your editor (Ctrl+G)",
                     _palette_runner("external_editor"), covers=("external_editor",)),
        SlashCommand("vim", "Vim keys in the prompt on or off", _palette_runner("toggle_vim"),
                     covers=("toggle_vim",)),
        SlashCommand("quit", "Quit (Ctrl+Q; the draft is kept)", _palette_runner("quit")),
        SlashCommand("compress", "Summarise the conversation to free context (Ctrl+\\)",
                     compress, "[INSTRUCTIONS]", covers=("compress",)),
    ]
)  # fmt: skip
