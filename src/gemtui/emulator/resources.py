"""The resources beside interactions: custom agents, environments (with their files) and the
Files API (resumable uploads), as the google-genai SDK calls them.

Deterministic like the rest of the emulator: ids come from the seed and what was created, and
an environment's files are what its sources mount plus the ``notes.md`` the agent scenario
lists. Uploaded bytes are counted and hashed, never kept: a file is its metadata, so a
100 MB upload costs no memory. A video is ``PROCESSING`` until it is first read back
(``GET /{v}/files/{name}`` answers ``ACTIVE``), so a client's wait for a usable file is
exercised; a content item whose ``uri`` names one of these files is refused while it
processes and when it does not exist, with the API's errors.

With a persist file (``--demo``, ``gemtui emulator --persist``) the resources live in a table
of their own in it, so ``gemtui agents create --demo`` is still listed by the next run.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import json
import logging
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gemtui.api.request_models import (
    AntigravityAgentConfig,
    CodeMenderAgentConfig,
    DeepResearchAgentConfig,
)
from gemtui.emulator import ids
from gemtui.emulator.errors import ApiError, invalid
from gemtui.emulator.store import timestamp

log = logging.getLogger("gemtui.emulator")

#: Where the emulator says its files are (a real file's ``uri`` has this shape).
FILES_HOST = "https://generativelanguage.googleapis.com"
#: Files are kept 48 hours, as the Files API does.
FILE_RETENTION_S = 48 * 3600
#: The protocol's chunk granularity (every chunk but the last is a multiple of it).
UPLOAD_GRANULARITY = 256 * 1024
#: The agent scenario's workspace listing (``ls -la /workspace``).
AGENT_NOTES = {"path": "notes.md", "type": "file", "mime_type": "text/markdown", "size_bytes": 512}
_AGENT_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
#: The typed ``agent_config`` kinds and the agents they go with (a custom agent takes any).
TYPED_CONFIGS = {
    "deep-research": DeepResearchAgentConfig,
    "antigravity": AntigravityAgentConfig,
    "code-mender": CodeMenderAgentConfig,
}
CONFIG_KINDS = (*TYPED_CONFIGS, "dynamic")


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@dataclass
class Upload:
    """A resumable upload under way: the file it makes and the bytes received so far."""

    file: dict[str, Any]
    size: int
    received: int = 0
    digest: Any = field(default_factory=hashlib.sha256)


class ResourceTable:
    """Resources of one kind in memory, written through to the persist file when there is
    one (a small table; every write is one statement)."""

    def __init__(self, db: sqlite3.Connection | None, kind: str) -> None:
        self.db = db
        self.kind = kind
        self.items: dict[str, dict[str, Any]] = {}
        if db is not None:
            try:
                rows = db.execute("SELECT id, data FROM resources WHERE kind = ?", (kind,))
                for item_id, data in rows:
                    self.items[item_id] = json.loads(data)
            except (sqlite3.Error, ValueError) as error:
                log.warning("emulator %s could not be read back: %s", kind, error)

    def put(self, item_id: str, item: dict[str, Any]) -> None:
        self.items[item_id] = item
        self._write(
            "INSERT OR REPLACE INTO resources (kind, id, data) VALUES (?, ?, ?)",
            (self.kind, item_id, json.dumps(item)),
        )

    def drop(self, item_id: str) -> None:
        self.items.pop(item_id, None)
        self._write("DELETE FROM resources WHERE kind = ? AND id = ?", (self.kind, item_id))

    def _write(self, statement: str, values: tuple[Any, ...]) -> None:
        if self.db is None:
            return
        try:
            self.db.execute(statement, values)
        except sqlite3.Error as error:
            log.warning("emulator %s not kept: %s", self.kind, error)


def _open_db(path: Path | None) -> sqlite3.Connection | None:
    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
        db.execute(
            "CREATE TABLE IF NOT EXISTS resources ("
            "kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, id))"
        )
        return db
    except (sqlite3.Error, OSError) as error:
        log.warning("emulator resources are kept in memory only: %s", error)
        return None


class Resources:
    """Agents, environments, files and uploads of one emulator."""

    def __init__(self, seed: str, persist: Path | None = None) -> None:
        self.seed = seed
        self.db = _open_db(persist)
        self.agents = ResourceTable(self.db, "agent")
        self.environments = ResourceTable(self.db, "environment")
        self.files = ResourceTable(self.db, "file")
        self.uploads: dict[str, Upload] = {}
        self.counter = 0

    def _token(self, *parts: str) -> str:
        self.counter += 1
        return ids.token(self.seed, "resource", str(self.counter), *parts)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()

    # ------------------------------------------------------------------ agents

    async def create_agent(self, request: Request) -> Response:
        body = await _json_body(request)
        agent_id = body.get("id") or f"agent-{self._token('agent').lower()[:12]}"
        if not isinstance(agent_id, str) or not _AGENT_ID.match(agent_id):
            raise invalid(
                "Invalid value at 'agent.id': use lowercase letters, digits and '-', starting "
                "with a letter (at most 63 characters)."
            )
        if agent_id in self.agents.items:
            raise ApiError("already_exists", f"Agent '{agent_id}' already exists.")
        if body.get("agent_config") is not None:
            check_agent_config(body["agent_config"], body.get("base_agent"), "agent.agent_config")
        known = ("base_agent", "description", "system_instruction", "tools", "agent_config",
                 "base_environment")  # fmt: skip
        agent = {"id": agent_id, **{k: body[k] for k in known if body.get(k) is not None}}
        self.agents.put(agent_id, agent)
        return JSONResponse(agent)

    async def list_agents(self, _request: Request) -> Response:
        return JSONResponse({"agents": list(self.agents.items.values())})

    def _agent(self, request: Request) -> dict[str, Any]:
        agent_id = request.path_params["id"].removeprefix("agents/")
        agent = self.agents.items.get(agent_id)
        if agent is None:
            raise ApiError("not_found", f"Agent '{agent_id}' was not found.")
        return agent

    async def get_agent(self, request: Request) -> Response:
        return JSONResponse(self._agent(request))

    async def delete_agent(self, request: Request) -> Response:
        self.agents.drop(self._agent(request)["id"])
        return JSONResponse({})

    # ------------------------------------------------------------------ environments

    def environment_used(self, environment_id: str | None, config: Any) -> None:
        """An agent interaction ran in ``environment_id``: it exists from now on (with the
        sources of ``config``, an environment object, when it was made by this request)."""
        if not environment_id:
            return
        now = timestamp()
        known = self.environments.items.get(environment_id)
        if known is not None:
            self.environments.put(environment_id, {**known, "last_accessed": now})
            return
        sources = config.get("sources") if isinstance(config, dict) else None
        network = config.get("network") if isinstance(config, dict) else None
        self.environments.put(
            environment_id, _environment(environment_id, sources, network, agent_files=True)
        )

    async def create_environment(self, request: Request) -> Response:
        body = await _json_body(request)
        origin = body.get("from_environment")
        sources, network = body.get("sources"), body.get("network")
        if origin is not None:
            if sources or body.get("env"):
                raise invalid("'sources' and 'env' must be empty when 'from_environment' is set.")
            parent = self.environments.items.get(str(origin).removeprefix("environments/"))
            if parent is None:
                raise ApiError("not_found", f"Environment '{origin}' was not found.")
            sources = parent.get("sources")
            network = parent.get("network") if network is None else network
        if sources is not None and not isinstance(sources, list):
            raise invalid("Invalid value at 'sources': expected a list.")
        environment_id = ids.environment_id(self.seed, "created", self._token("environment"))
        environment = _environment(environment_id, sources, network, agent_files=False)
        self.environments.put(environment_id, environment)
        return JSONResponse(_public(environment))

    async def list_environments(self, _request: Request) -> Response:
        return JSONResponse(
            {"environments": [_public(e) for e in self.environments.items.values()]}
        )

    def _environment(self, request: Request) -> dict[str, Any]:
        environment_id = request.path_params["id"].removeprefix("environments/")
        environment = self.environments.items.get(environment_id)
        if environment is None:
            raise ApiError("not_found", f"Environment '{environment_id}' was not found.")
        return environment

    async def get_environment(self, request: Request) -> Response:
        return JSONResponse(_public(self._environment(request)))

    async def delete_environment(self, request: Request) -> Response:
        self.environments.drop(self._environment(request)["id"])
        return JSONResponse({})

    async def environment_files(self, request: Request) -> Response:
        """``GET /{v}/environments/{id}/files/{path}``: a directory's entries (all below it
        with ``recursive``), or a file's own entry; the root is the empty path or ``.``."""
        environment = self._environment(request)
        where = unquote(request.path_params.get("path", "")).strip("/")
        where = "" if where == "." else where
        recursive = request.query_params.get("recursive", "false").lower() in ("true", "1")
        files = environment["_files"]
        exact = [f for f in files if f["path"] == where]
        if exact and exact[0]["type"] == "file":
            return JSONResponse({"files": exact})
        prefix = f"{where}/" if where else ""
        below = [f for f in files if f["path"].startswith(prefix) and f["path"] != where]
        if where and not exact and not below:
            raise ApiError("not_found", f"No file or directory '{where}' in this environment.")
        if not recursive:
            below = [f for f in below if "/" not in f["path"][len(prefix) :]]
        return JSONResponse({"files": below})

    # ------------------------------------------------------------------ files

    async def start_upload(self, request: Request) -> Response:
        if request.headers.get("x-goog-upload-protocol") != "resumable":
            raise invalid("Only resumable uploads are supported (X-Goog-Upload-Protocol).")
        command = request.headers.get("x-goog-upload-command", "")
        if command != "start":
            raise invalid("A new upload starts with X-Goog-Upload-Command: start.")
        size_text = request.headers.get("x-goog-upload-header-content-length", "")
        mime = request.headers.get("x-goog-upload-header-content-type", "")
        if not size_text.isdigit() or not mime:
            raise invalid(
                "X-Goog-Upload-Header-Content-Length and X-Goog-Upload-Header-Content-Type "
                "are required."
            )
        body = await _json_body(request, allow_empty=True)
        meta = body.get("file") if isinstance(body.get("file"), dict) else {}
        name = meta.get("name") or f"files/{self._token('file').lower()[:12]}"
        display = meta.get("displayName") or meta.get("display_name") or name.split("/")[-1]
        now = time.time()
        version = request.url.path.split("/")[2]
        file = {
            "name": name,
            "displayName": display,
            "mimeType": mime,
            "sizeBytes": size_text,
            "createTime": _iso(now),
            "updateTime": _iso(now),
            "expirationTime": _iso(now + FILE_RETENTION_S),
            "uri": f"{FILES_HOST}/{version}/{name}",
            "state": "PROCESSING" if mime.startswith("video/") else "ACTIVE",
            "source": "UPLOADED",
        }
        upload_id = self._token("upload")
        self.uploads[upload_id] = Upload(file, int(size_text))
        url = f"{request.base_url}upload/{version}/files?upload_id={upload_id}"
        return Response(
            status_code=200,
            headers={
                "X-Goog-Upload-URL": url,
                "X-Goog-Upload-Status": "active",
                "X-Goog-Upload-Chunk-Granularity": str(UPLOAD_GRANULARITY),
            },
        )

    async def upload_chunk(self, request: Request) -> Response:
        upload_id = request.query_params.get("upload_id", "")
        upload = self.uploads.get(upload_id)
        if upload is None:
            raise ApiError("not_found", "No upload session with this upload_id.")
        command = {c.strip() for c in request.headers.get("x-goog-upload-command", "").split(",")}
        offset = request.headers.get("x-goog-upload-offset", "")
        if not offset.isdigit() or int(offset) != upload.received:
            raise invalid(
                f"X-Goog-Upload-Offset must be {upload.received}, the bytes received so far."
            )
        data = await request.body()
        upload.received += len(data)
        upload.digest.update(data)
        if upload.received > upload.size:
            del self.uploads[upload_id]
            raise invalid("More bytes were sent than X-Goog-Upload-Header-Content-Length said.")
        if "finalize" not in command:
            return Response(status_code=200, headers={"X-Goog-Upload-Status": "active"})
        del self.uploads[upload_id]
        if upload.received != upload.size:
            raise invalid(
                f"The upload was finalized after {upload.received} of {upload.size} bytes."
            )
        file = {
            **upload.file,
            "sha256Hash": base64.b64encode(upload.digest.hexdigest().encode()).decode(),
        }
        self.files.put(file["name"], file)
        return JSONResponse({"file": file}, headers={"X-Goog-Upload-Status": "final"})

    def _file(self, request: Request) -> dict[str, Any]:
        name = f"files/{request.path_params['name']}"
        file = self.files.items.get(name)
        if file is None or _expired(file):
            raise ApiError(
                "permission_denied",
                f"You do not have permission to access the File {name} or it may not exist.",
            )
        return file

    async def get_file(self, request: Request) -> Response:
        file = self._file(request)
        if file["state"] == "PROCESSING":
            # Processing is done by the time anyone asks: a client's wait takes one look.
            file = {**file, "state": "ACTIVE"}
            self.files.put(file["name"], file)
        return JSONResponse(file)

    async def list_files(self, _request: Request) -> Response:
        return JSONResponse({"files": [f for f in self.files.items.values() if not _expired(f)]})

    async def delete_file(self, request: Request) -> Response:
        self.files.drop(self._file(request)["name"])
        return JSONResponse({})

    def described_uris(self, steps: list[dict[str, Any]]) -> list[str]:
        """Check the ``uri`` of every content item of ``steps``: one naming a file of this
        emulator must exist and be ``ACTIVE``. Returns a sentence per file seen."""
        notes = []
        for step in steps:
            content = step.get("content") if isinstance(step, dict) else None
            for item in content if isinstance(content, list) else []:
                uri = item.get("uri") if isinstance(item, dict) else None
                name = _file_name(uri) if isinstance(uri, str) else None
                if name is None:
                    continue
                file = self.files.items.get(name)
                if file is None or _expired(file):
                    raise ApiError(
                        "permission_denied",
                        f"You do not have permission to access the File {name} or it may "
                        "not exist.",
                    )
                if file["state"] != "ACTIVE":
                    raise ApiError(
                        "failed_precondition",
                        f"The File {name} is not in an ACTIVE state and usage is not allowed.",
                    )
                notes.append(
                    f"I received your file {file['displayName']} ({file['mimeType']}, "
                    f"{int(file['sizeBytes']):,} bytes) through the Files API."
                )
        return notes


def _file_name(uri: str) -> str | None:
    """``files/abc`` when ``uri`` is a Files API URI (of any host: clients may keep the real
    one), else ``None``."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return None
    match = re.fullmatch(r"/(?:v1beta|v1)/(files/[^/]+)", parts.path)
    return match.group(1) if match else None


def _expired(file: dict[str, Any]) -> bool:
    try:
        ends = calendar.timegm(time.strptime(file["expirationTime"], "%Y-%m-%dT%H:%M:%SZ"))
    except (KeyError, ValueError):
        return False
    return ends < time.time()


def _environment(
    environment_id: str, sources: Any, network: Any, *, agent_files: bool
) -> dict[str, Any]:
    now = timestamp()
    files = [dict(AGENT_NOTES, created=now, modified=now)] if agent_files else []
    for source in sources or []:
        if not isinstance(source, dict):
            continue
        target = str(source.get("target") or source.get("source") or "source").strip("/")
        target = target.rsplit("/", 1)[-1] if "://" in target else target
        if source.get("type") == "inline":
            size = len(str(source.get("content") or "").encode())
            files.append({"path": target, "type": "file", "mime_type": "text/plain",
                          "size_bytes": size, "created": now, "modified": now})  # fmt: skip
        else:
            files.append({"path": target, "type": "directory", "created": now, "modified": now})
            files.append({"path": f"{target}/README.md", "type": "file",
                          "mime_type": "text/markdown", "size_bytes": 1024, "created": now,
                          "modified": now})  # fmt: skip
    known = {entry["path"] for entry in files}
    for entry in list(files):  # every folder on the way to a file is listed too
        parts = entry["path"].split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            if folder not in known:
                known.add(folder)
                files.append({"path": folder, "type": "directory", "created": now, "modified": now})
    files.sort(key=lambda entry: entry["path"])
    for entry in files:
        entry["name"] = entry["path"].rsplit("/", 1)[-1]
    environment: dict[str, Any] = {
        "id": environment_id,
        "created": now,
        "updated": now,
        "last_accessed": now,
        "status": "active",
        "sources": sources or [],
        "file_count": sum(1 for f in files if f["type"] == "file"),
        "size_bytes": sum(f.get("size_bytes", 0) for f in files),
        "_files": files,
    }
    if network is not None:
        environment["network"] = network
    return environment


def _public(environment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in environment.items() if not k.startswith("_")}


async def _json_body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if allow_empty:
            return {}
        raise invalid("Invalid JSON payload received. The request body is empty.")
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid("Invalid JSON payload received: the request body is not JSON.") from None
    if not isinstance(body, dict):
        raise invalid("Invalid JSON payload received. Expected an object at the top level.")
    return body


def check_agent_config(config: Any, agent: Any, where: str = "agent_config") -> None:
    """Refuse an ``agent_config`` the API would: not an object, an unknown ``type``, a typed
    kind for the wrong agent, or a field the kind does not have."""
    if not isinstance(config, dict):
        raise invalid(f"Invalid value at '{where}': expected an object.")
    kind = config.get("type")
    if kind not in CONFIG_KINDS:
        raise invalid(
            f"Invalid value at '{where}.type' ({kind!r}); supported values: "
            + ", ".join(f"'{k}'" for k in CONFIG_KINDS)
            + "."
        )
    name = agent.lower() if isinstance(agent, str) else ""
    for typed in TYPED_CONFIGS:
        if name.startswith(typed) and kind not in (typed, "dynamic"):
            raise invalid(f"Agent '{agent}' takes an agent_config of type '{typed}', not {kind!r}.")
    model = TYPED_CONFIGS.get(kind)
    if model is None:
        return
    for field_name in config:
        if field_name != "type" and field_name not in model.model_fields:
            raise invalid(
                f"Invalid JSON payload received. Unknown name \"{field_name}\" at '{where}': "
                "Cannot find field."
            )
