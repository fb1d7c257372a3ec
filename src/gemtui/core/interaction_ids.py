"""Whether a typed interaction id is worth a request: ``gemtui show ID`` and the TUI's "Open an
interaction by id" refuse what cannot be one before asking the server, as ``gemtui ask
--wait`` does (an HTTP 404 "not found" read as if the id were right but gone).

Only ids of servers whose ids have a known shape are refused: Google's API and the demo
emulator, which makes them alike (``request_options.INTERACTION_ID``: a version prefix, then
URL-safe base64). Another server (``--base-url``) may make ids of any shape; there the server
decides. An id the history holds (a capture of another program's server, a chat made on
another endpoint) is never refused either: it opens from there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from gemtui.api.base_url import GOOGLE_HOST
from gemtui.core.request_options import INTERACTION_ID
from gemtui.core.safety import one_line
from gemtui.core.store import Store, StoreError


def makes_api_ids(base_url: str | None, *, demo: bool) -> bool:
    """Whether the server in use makes ids of the API's shape: the demo emulator, or Google's
    endpoint (``base_url`` ``None`` is Google's)."""
    if demo or base_url is None:
        return True
    try:
        return (urlsplit(base_url).hostname or "").lower() == GOOGLE_HOST
    except ValueError:
        return False


def id_problem(interaction_id: str) -> str | None:
    """Why ``interaction_id`` is not shaped like the API's ids, in words that show one;
    ``None`` when it is."""
    if INTERACTION_ID.fullmatch(interaction_id):
        return None
    return (
        f"{one_line(interaction_id)!r} is not an interaction id: ids look like v1_ChdoRkJn… "
        "(in the TUI, i on a message copies its turn's id)."
    )


def refused_id(
    interaction_id: str, *, demo: bool, base_url: str | None, store: Store | None
) -> str | None:
    """Why no request should be made for ``interaction_id`` (see the module's docstring);
    ``None`` when it may be asked for. The history is read only for an id of the wrong shape."""
    problem = id_problem(interaction_id)
    if problem is None or not makes_api_ids(base_url, demo=demo):
        return None
    if store is not None:
        try:
            if store.find_interaction(interaction_id) or store.find_captured(interaction_id):
                return None
        except StoreError:
            pass
    return problem
