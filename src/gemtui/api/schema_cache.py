"""The event validator's schema, kept on disk between runs.

pydantic makes the validator that parses every streamed event in two parts. Its Python side
generates a *core schema* from the wire models: 20 to 35 ms on this project's machines, the
largest piece of gemtui's own work before `gemtui ask` writes its first byte. pydantic-core
then compiles that schema in under a millisecond. The schema depends only on the models'
source and on the Python and pydantic versions, so it is generated once, written to the user
cache dir, and compiled straight from the file by every later run. The file's name holds a
digest of all four (and of this module), so an upgrade or an edit finds no file and writes a
new one.

The file is a pickle, because the schema refers to the model classes and discriminators
themselves. It is read by an unpickler that resolves only names defined in the models module,
so a damaged, stale or planted file is refused (the schema is then generated again), never run.
A validator with pydantic plugins is not cached: plugins wrap the validator when it is built.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic_core
from pydantic.version import VERSION as PYDANTIC_VERSION
from pydantic_core import SchemaValidator

#: The layout of the file's contents (its name changes with this module's source anyway).
FORMAT = 1
PREFIX = "event-schema-"
SUFFIX = ".pickle"
#: pydantic's own switch; gemtui sets it to this value unless the user chose another.
PLUGINS_VARIABLE = "PYDANTIC_DISABLE_PLUGINS"


def cache_file(directory: Path, models: ModuleType) -> Path:
    """Where the schema of this models source, Python and pydantic is kept. This module's own
    source is part of the name too: a change in how the file is written starts a new one."""
    digest = hashlib.sha256(Path(models.__file__ or "").read_bytes())
    digest.update(Path(__file__).read_bytes())
    for part in (sys.version, PYDANTIC_VERSION, pydantic_core.__version__, str(FORMAT)):
        digest.update(b"\0" + part.encode())
    return directory / f"{PREFIX}{digest.hexdigest()[:24]}{SUFFIX}"


def plugins_off() -> bool:
    return os.environ.get(PLUGINS_VARIABLE, "").lower() in ("__all__", "1", "true")


def load(directory: Path, models: ModuleType) -> SchemaValidator | None:
    """The validator compiled from the kept schema; ``None`` if there is none to trust."""
    if not plugins_off():
        return None
    try:
        data = cache_file(directory, models).read_bytes()
    except OSError:
        return None
    try:
        kept_format, schema, config = _ModelsUnpickler(io.BytesIO(data), models).load()
        if kept_format != FORMAT:
            return None
        return SchemaValidator(schema, config)
    except Exception:  # any damage means: generate the schema again
        return None


def save(directory: Path, models: ModuleType, validator: Any) -> None:
    """Keep ``validator``'s schema for later runs, and drop the files of older versions.

    Best effort: a cache that cannot be written costs the next run its 20 to 35 ms, nothing
    else, so no error is raised."""
    if not plugins_off() or not isinstance(validator, SchemaValidator):
        return
    _cls, (schema, config, *_rest) = validator.__reduce__()
    buffer = io.BytesIO()
    try:
        _ModelsPickler(buffer, models).dump((FORMAT, schema, config))
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    data = buffer.getvalue()
    target = cache_file(directory, models)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".tmp-", delete=False) as file:
            file.write(data)
        os.replace(file.name, target)
        for old in directory.glob(f"{PREFIX}*{SUFFIX}"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        return


#: Methods of the models the schema holds (in its ``metadata``, for pydantic's JSON Schema
#: output; the validator never calls them). Kept by name: pickle would keep a bound method as a
#: call of ``getattr``, which cannot be let in without letting in everything.
KEPT_METHODS = frozenset({"__get_pydantic_json_schema__"})


class _ModelsPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, models: ModuleType) -> None:
        super().__init__(file, protocol=5)
        self._models = models

    def persistent_id(self, obj: Any) -> Any:
        owner = getattr(obj, "__self__", None)
        name = getattr(getattr(obj, "__func__", None), "__name__", None)
        if name in KEPT_METHODS and getattr(owner, "__module__", None) == self._models.__name__:
            return ("method", owner.__name__, name)
        return None


class _ModelsUnpickler(pickle.Unpickler):
    """Resolves only classes and functions defined in the models module, and their methods
    named in KEPT_METHODS."""

    def __init__(self, file: io.BytesIO, models: ModuleType) -> None:
        super().__init__(file)
        self._models = models

    def find_class(self, module: str, name: str) -> Any:
        found = getattr(self._models, name, None) if module == self._models.__name__ else None
        if found is None or getattr(found, "__module__", None) != module:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of the wire models")
        return found

    def persistent_load(self, pid: Any) -> Any:
        kind, owner, name = pid
        if kind != "method" or name not in KEPT_METHODS:
            raise pickle.UnpicklingError(f"unexpected reference {pid!r}")
        return getattr(self.find_class(self._models.__name__, owner), name)
