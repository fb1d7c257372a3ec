"""The user's keymap: binding ids remapped to other keys, checked before Textual applies them.

Textual's ``App.set_keymap({binding_id: "key1,key2"})`` replaces the keys of the bindings
with those ids. When a new key is already taken in the same place, Textual quietly unbinds the
other action (``BindingsMap.apply_keymap``), so an action can lose its only key without a word.
``build_keymap`` finds those clashes first, reports them and leaves the clashing remaps out.

A clash is two actions on one key *at the same time*. Keys are active in layers: the App's
bindings everywhere, the main screen's widgets while no other screen is pushed, and each pushed
(modal) screen's own keys while it is open, where it hides the main screen's keys but not the
App's priority ones. So ``d`` may delete in the conversation list and do something else in the
chat; ``ctrl+q`` (a priority App key) cannot also mean something in a dialog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, _character_to_key
from textual.screen import Screen

#: The layers that are not a pushed screen: the App itself and the widgets of the main screen.
APP_LAYER, MAIN_LAYER = "app", "main"
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
#: Every key name Textual reports: its named keys plus the long names of printable characters
#: (``slash``, ``question_mark``...), which key_to_character does not always map back.
_NAMED_KEYS = frozenset(key.value for key in Keys) | frozenset(
    _character_to_key(chr(code)) for code in range(32, 127)
)


@dataclass(frozen=True)
class BindingInfo:
    """One remappable action: its id, default keys and where it is active."""

    id: str
    keys: str
    description: str
    action: str
    #: The class that declares the binding; a key clash matters only within one scope or
    #: against a global binding.
    scope: str
    #: Active everywhere: declared on the App or a Screen, or with priority.
    is_global: bool
    #: When the binding is active: ``app`` (always), ``main`` (the main screen's widgets) or the
    #: name of the pushed screen that declares it (while that screen is open).
    layer: str = MAIN_LAYER
    priority: bool = False
    #: A priority App key that stays in force while a dialog is open (some step aside then).
    over_dialogs: bool = True


@dataclass
class KeymapReport:
    """The keymap to hand to ``App.set_keymap`` and what was left out of it, and why."""

    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: binding id -> message, for the remaps that were refused (the editor shows them inline)
    refused: dict[str, str] = field(default_factory=dict)


def binding_catalogue(
    owners: Iterable[type[DOMNode]], chat_only: frozenset[str] = frozenset()
) -> list[BindingInfo]:
    """Every binding with an id declared directly on ``owners`` (an action bound to several
    keys, e.g. ``"up,k"``, is one entry); ``chat_only``: the actions of priority App keys that
    step aside while a dialog is open."""
    found: dict[str, BindingInfo] = {}
    for owner in owners:
        is_owner_global = issubclass(owner, App | Screen)
        layer = (
            APP_LAYER
            if issubclass(owner, App)
            else owner.__name__
            if issubclass(owner, Screen)
            else MAIN_LAYER
        )
        for binding in Binding.make_bindings(owner.__dict__.get("BINDINGS", [])):
            if binding.id is None:
                continue
            key = normalise_key(binding.key)
            known = found.get(binding.id)
            if known is not None:
                found[binding.id] = replace(known, keys=f"{known.keys},{key}")
                continue
            found[binding.id] = BindingInfo(
                id=binding.id,
                keys=key,
                description=binding.description or binding.action,
                action=binding.action,
                scope=owner.__name__,
                is_global=is_owner_global or binding.priority,
                layer=layer,
                priority=binding.priority,
                over_dialogs=binding.action not in chat_only,
            )
    return list(found.values())


def normalise_key(key: str) -> str:
    """One key in Textual's long form (``?`` -> ``question_mark``); ``ValueError`` if it is
    not a key Textual can report."""
    key = key.strip()
    if not key:
        raise ValueError("a key cannot be empty")
    if len(key) == 1:
        return _character_to_key(key)
    *modifiers, name = key.split("+")
    unknown = [modifier for modifier in modifiers if modifier not in MODIFIERS]
    if unknown or not name:
        raise ValueError(f"{key!r} is not a key: modifiers are {', '.join(sorted(MODIFIERS))}")
    if len(name) == 1:
        name = _character_to_key(name)
    elif name not in _NAMED_KEYS:
        # Textual would take any Unicode character's name ("banana" is 🍌), so a typo such
        # as "ctrl+pgup" could come back as a key nobody can press. Such a character is
        # written as itself.
        raise ValueError(
            f"{key!r} is not a key Textual knows: name a key (f5, pageup, question_mark…) "
            "or write the character itself"
        )
    return "+".join([*modifiers, name])


def normalise_keys(keys: str) -> str:
    """A comma-separated key list in long form; ``ValueError`` on the first bad key."""
    parts = [part for part in keys.split(",") if part.strip()]
    if not parts:
        raise ValueError("give at least one key")
    return ",".join(normalise_key(part) for part in parts)


def build_keymap(config: Mapping[str, str], catalogue: Iterable[BindingInfo]) -> KeymapReport:
    """Check the ``[keymap]`` table against the bindings that exist.

    Unknown ids, bad keys and remaps that would clash with another action in force at the
    same time are refused with a message; the rest is the keymap to apply.
    """
    bindings = {info.id: info for info in catalogue}
    report = KeymapReport()
    remaps: dict[str, str] = {}
    for binding_id, keys in config.items():
        if binding_id not in bindings:
            _refuse(report, binding_id, no_such_action(binding_id, bindings))
            continue
        try:
            remaps[binding_id] = normalise_keys(keys)
        except ValueError as error:
            _refuse(report, binding_id, f"{binding_id}: {error}")
    while clashes := _clashes(bindings, remaps):
        for binding_id, message in clashes.items():
            remaps.pop(binding_id, None)
            _refuse(report, binding_id, message)
    report.keymap = {
        binding_id: keys for binding_id, keys in remaps.items() if keys != bindings[binding_id].keys
    }
    return report


#: Where the action ids are listed, in the message refusing one that is not.
IDS_LISTED = "F2's Keymap table lists every action id"
#: How alike a typed id and a real one must be (difflib's ratio) to be suggested.
LIKE_ENOUGH = 0.6


def no_such_action(binding_id: str, known: Iterable[str]) -> str:
    """The refusal of an id no action has, with the closest real ids: ``find`` said only
    "no such action", though ``app.find`` was meant, and not where the ids are."""
    close = closest_ids(binding_id, known)
    guess = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"{binding_id}: no such action{guess} ({IDS_LISTED})"


def closest_ids(binding_id: str, known: Iterable[str]) -> list[str]:
    """The real ids most like ``binding_id``, best first (at most three, none when nothing
    is like it). An id is scope.action: the action alone is compared too, so ``find``
    finds ``app.find``; among ids whose actions are alike, the whole id decides."""
    wanted = binding_id.lower()

    def likeness(candidate: str) -> tuple[float, float]:
        whole = SequenceMatcher(None, wanted, candidate.lower()).ratio()
        action = SequenceMatcher(
            None, wanted.rsplit(".", 1)[-1], candidate.rsplit(".", 1)[-1].lower()
        ).ratio()
        return max(whole, action), whole

    scored = sorted(known, key=lambda candidate: (*(-x for x in likeness(candidate)), candidate))
    if not scored:
        return []
    best = likeness(scored[0])[0]
    if best < LIKE_ENOUGH:
        return []
    floor = max(LIKE_ENOUGH, best - 0.1)  # only those nearly as close as the best
    return [candidate for candidate in scored[:3] if likeness(candidate)[0] >= floor]


def _refuse(report: KeymapReport, binding_id: str, message: str) -> None:
    report.refused.setdefault(binding_id, message)
    report.problems.append(message)


def _clashes(bindings: Mapping[str, BindingInfo], remaps: Mapping[str, str]) -> dict[str, str]:
    """Remapped ids whose keys are also taken by another action active alongside them."""
    holders: dict[str, list[BindingInfo]] = {}
    for info in bindings.values():
        for key in remaps.get(info.id, info.keys).split(","):
            holders.setdefault(key, []).append(info)
    clashes: dict[str, str] = {}
    for key, infos in holders.items():
        for first in infos:
            for second in infos:
                if first.id >= second.id or not (first.id in remaps or second.id in remaps):
                    continue
                if not active_together(first, second):
                    continue
                message = f"{key} is bound to both {first.id} and {second.id}"
                for binding_id in (first.id, second.id):
                    if binding_id in remaps:
                        clashes.setdefault(binding_id, message)
    return clashes


def active_together(first: BindingInfo, second: BindingInfo) -> bool:
    """Whether both bindings can be in force for one key press (see the module docstring)."""
    if first.layer == second.layer or {first.layer, second.layer} == {APP_LAYER, MAIN_LAYER}:
        return first.scope == second.scope or first.is_global or second.is_global
    if APP_LAYER in (first.layer, second.layer):
        # A pushed screen's key takes precedence over the App's, unless the App's is priority
        # (and stays in force over dialogs).
        app_binding = first if first.layer == APP_LAYER else second
        return app_binding.priority and app_binding.over_dialogs
    return False
