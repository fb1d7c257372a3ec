"""The event validator's schema kept on disk (gemtui.api.schema_cache): found by the next run,
never trusted when damaged, stale or planted."""

from __future__ import annotations

import io
import pickle
import types
from pathlib import Path

import pytest
from pydantic_core import SchemaValidator

from gemtui.api import models, schema_cache
from gemtui.api.models import TextDelta, parse_event

DELTA = '{"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "hi"}}'


@pytest.fixture(autouse=True)
def plugins_off(monkeypatch) -> None:
    """As the entry point leaves it (gemtui.core.environment.skip_pydantic_plugins)."""
    monkeypatch.setenv(schema_cache.PLUGINS_VARIABLE, "__all__")


def generated() -> SchemaValidator:
    models._event_adapter.rebuild()
    return models._event_adapter.validator  # type: ignore[return-value]


def test_a_kept_schema_is_compiled_by_the_next_run(tmp_path: Path) -> None:
    schema_cache.save(tmp_path, models, generated())
    [kept] = tmp_path.iterdir()
    assert kept == schema_cache.cache_file(tmp_path, models)
    validator = schema_cache.load(tmp_path, models)
    assert validator is not None
    event = validator.validate_json(DELTA)
    assert isinstance(event.delta, TextDelta) and event.delta.text == "hi"


def test_the_file_names_nothing_outside_the_models_module(tmp_path: Path) -> None:
    schema_cache.save(tmp_path, models, generated())
    named: set[str] = set()

    class Listing(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> object:
            named.add(module)
            return super().find_class(module, name)

        def persistent_load(self, pid: object) -> object:
            named.add(f"persistent {pid[1]}.{pid[2]}")  # type: ignore[index]
            return None

    Listing(io.BytesIO(schema_cache.cache_file(tmp_path, models).read_bytes())).load()
    assert "gemtui.api.models" in named
    assert named <= {"gemtui.api.models"} | {
        f"persistent {cls.__name__}.__get_pydantic_json_schema__"
        for cls in vars(models).values()
        if isinstance(cls, type)
    }


class Planted:
    """What someone else could write in the cache dir: a pickle that runs a function."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.marker,))


def other_method() -> bytes:
    """A reference to a method of a model that the cache never keeps."""

    class Referring(pickle.Pickler):
        def persistent_id(self, obj: object) -> object:
            return ("method", "Interaction", "model_validate") if obj == "ref" else None

    buffer = io.BytesIO()
    Referring(buffer).dump((schema_cache.FORMAT, "ref", {}))
    return buffer.getvalue()


PLANTED = {
    "runs a function": lambda marker: pickle.dumps((schema_cache.FORMAT, Planted(marker), {})),
    "names a module the models import": lambda marker: b"cgemtui.api.models\njson\n.",
    "names a method not kept": lambda marker: other_method(),
    "another format": lambda marker: pickle.dumps((schema_cache.FORMAT + 1, {"type": "any"}, {})),
}


@pytest.mark.parametrize("case", PLANTED)
def test_a_planted_or_foreign_file_is_refused(tmp_path: Path, case: str) -> None:
    marker = tmp_path / "ran"
    data = PLANTED[case](marker)
    schema_cache.cache_file(tmp_path, models).write_bytes(data)
    assert schema_cache.load(tmp_path, models) is None
    assert not marker.exists()
    if case != "another format":
        with pytest.raises(pickle.UnpicklingError):
            schema_cache._ModelsUnpickler(io.BytesIO(data), models).load()


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    schema_cache.save(tmp_path, models, generated())
    target = schema_cache.cache_file(tmp_path, models)
    target.write_bytes(target.read_bytes()[:-100])
    assert schema_cache.load(tmp_path, models) is None


def test_other_models_or_versions_use_another_file(tmp_path: Path, monkeypatch) -> None:
    edited = tmp_path / "models.py"
    edited.write_bytes(Path(models.__file__).read_bytes() + b"\n# edited\n")
    other = types.ModuleType(models.__name__)
    other.__file__ = str(edited)
    mine = schema_cache.cache_file(tmp_path, models)
    assert schema_cache.cache_file(tmp_path, other) != mine
    monkeypatch.setattr(schema_cache, "PYDANTIC_VERSION", "0.0.0")
    assert schema_cache.cache_file(tmp_path, models) != mine


def test_saving_drops_the_files_of_older_versions(tmp_path: Path) -> None:
    old = tmp_path / f"{schema_cache.PREFIX}0123456789{schema_cache.SUFFIX}"
    old.write_bytes(b"old")
    unrelated = tmp_path / "media"
    unrelated.mkdir()
    schema_cache.save(tmp_path, models, generated())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["media", schema_cache.cache_file(tmp_path, models).name]
    )


def test_a_dir_that_cannot_be_written_costs_nothing_but_the_cache(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a dir")
    schema_cache.save(blocked, models, generated())  # no error
    assert schema_cache.load(blocked, models) is None


def test_with_pydantic_plugins_on_nothing_is_kept_or_read(tmp_path: Path, monkeypatch) -> None:
    schema_cache.save(tmp_path, models, generated())
    monkeypatch.delenv(schema_cache.PLUGINS_VARIABLE)
    assert schema_cache.load(tmp_path, models) is None
    for path in tmp_path.iterdir():
        path.unlink()
    schema_cache.save(tmp_path, models, generated())
    assert list(tmp_path.iterdir()) == []


def test_parse_event_builds_from_the_kept_schema(tmp_path: Path, monkeypatch) -> None:
    schema_cache.save(tmp_path, models, generated())
    monkeypatch.setattr(models, "_event_validator", None)
    monkeypatch.setattr(models, "_schema_dir", tmp_path)
    rebuilt: list[bool] = []
    monkeypatch.setattr(models, "_new_event_validator", lambda: rebuilt.append(True))
    event = parse_event(DELTA)
    assert isinstance(event.delta, TextDelta) and rebuilt == []  # type: ignore[attr-defined]
    assert models._event_validator is not None
