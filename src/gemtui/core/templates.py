"""Prompt templates: Markdown files in ``templates/`` beside the config file, run by name.

``templates/review.md`` is the template ``review``. Running it with some arguments makes a
prompt from its text:

* ``@{path}`` is replaced by the contents of that file (relative to the working directory,
  ``~`` allowed). A missing file, a directory, a file that is not UTF-8 text (an image, a
  binary) or one over :data:`MAX_INLINE_BYTES` refuses the whole template, naming the file;
* then ``{{args}}`` is replaced by the arguments, everywhere it occurs; a template without
  ``{{args}}`` gets the arguments after its text, separated by a blank line.

Files are read from the template's own text only, never from the arguments, so what the user
types after the name stays text. Standard library only: ``gemtui ask -t`` uses it before
anything heavy is imported.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from gemtui.core.attachments import is_text
from gemtui.core.config_path import config_dir
from gemtui.core.working_dir import GONE, working_dir

TEMPLATE_DIR = "templates"
SUFFIX = ".md"
ARGS = "{{args}}"
#: The largest file ``@{path}`` inlines: a prompt is not the way to send more.
MAX_INLINE_BYTES = 1_000_000
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_FILE_REFERENCE = re.compile(r"@\{([^}\n]+)\}")


class TemplateError(ValueError):
    """The template cannot be run; the message says which and why."""


def templates_dir(config_path: Path | None = None) -> Path:
    """``templates/`` beside ``config_path`` (by default, the user config file)."""
    if config_path is not None:
        return config_path.parent / TEMPLATE_DIR
    return config_dir() / TEMPLATE_DIR


#: What a template's name may hold, as told to the user (``_NAME``): "-dash.md" holds only
#: those characters, and was refused with no word of its first one.
NAME_RULE = "a letter or digit first, then letters, digits and - _ . only"


def template_names(directory: Path) -> list[str]:
    """The templates in ``directory``, by name, sorted (none when it does not exist)."""
    return sorted(name for name, usable in _template_files(directory) if usable)


def misnamed_templates(directory: Path) -> list[str]:
    """The ``.md`` files in ``directory`` whose names cannot be run as a template's (a space,
    say), sorted: listed where the templates are, so they are not missed without a word."""
    return sorted(f"{name}{SUFFIX}" for name, usable in _template_files(directory) if not usable)


def _template_files(directory: Path) -> list[tuple[str, bool]]:
    """Each ``.md`` file's name without the suffix, and whether it is a usable name."""
    try:
        files = list(directory.iterdir())
    except OSError:
        return []
    found = []
    for path in files:
        name = path.name.removesuffix(SUFFIX)
        if path.name.endswith(SUFFIX) and name and path.is_file():
            found.append((name, _NAME.fullmatch(name) is not None))
    return found


def read_template(directory: Path, name: str) -> str:
    """The text of template ``name``."""
    if not _NAME.fullmatch(name):
        raise TemplateError(f"{name!r} is not a template name ({NAME_RULE})")
    path = directory / f"{name}{SUFFIX}"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(template_names(directory)) or "none yet"
        raise TemplateError(f"no template {name!r} in {directory} (templates: {known})") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise TemplateError(f"template {path} cannot be read: {reason}") from None


def inline_file(reference: str, cwd: Path | None) -> str:
    """The text of the file ``@{reference}`` names; a relative path is read in ``cwd``
    (``None``: the working directory is gone, and only an absolute path can be read)."""
    path = Path(os.path.expanduser(reference.strip()))
    if not path.is_absolute():
        if cwd is None:
            raise TemplateError(f"@{{{reference}}}: {GONE}; give the file's full path")
        path = cwd / path
    try:
        if path.is_dir():
            raise TemplateError(f"@{{{reference}}}: {path} is a directory, not a file")
        size = path.stat().st_size
        if size > MAX_INLINE_BYTES:
            raise TemplateError(
                f"@{{{reference}}}: {path} is {size:,} bytes; at most "
                f"{MAX_INLINE_BYTES:,} are inlined (attach it instead)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError(f"@{{{reference}}}: no such file {path}") from None
    except OSError as error:
        raise TemplateError(f"@{{{reference}}}: {path} cannot be read: {error.strerror}") from None
    if not is_text(data):
        raise TemplateError(
            f"@{{{reference}}}: {path} is not text (binary or not UTF-8); attach it instead"
        )
    return data.decode("utf-8")


def expand(text: str, args: str, *, cwd: Path | None = None) -> str:
    """The prompt a template's ``text`` makes with ``args`` (see the module docstring)."""
    where = cwd or working_dir()
    args = args.strip()
    # Even pieces are the template's text, odd ones the references: ``{{args}}`` is replaced
    # in the template only, never inside an inlined file.
    pieces = _FILE_REFERENCE.split(text)
    takes_args = any(ARGS in piece for piece in pieces[::2])
    body = "".join(
        inline_file(piece, where) if odd else piece.replace(ARGS, args)
        for odd, piece in ((number % 2 == 1, piece) for number, piece in enumerate(pieces))
    )
    if takes_args or not args:
        return body
    return f"{body.rstrip()}\n\n{args}"


def run_template(directory: Path, name: str, args: str = "", *, cwd: Path | None = None) -> str:
    """Template ``name`` of ``directory`` expanded with ``args``; raises
    :class:`TemplateError`."""
    return expand(read_template(directory, name), args, cwd=cwd)
