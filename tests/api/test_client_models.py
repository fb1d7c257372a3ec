"""``InteractionsClient.get_model``: the models endpoint, against the emulator."""

from __future__ import annotations

import pytest

from gemtui.api.client import InteractionsClient
from gemtui.api.errors import ApiStatusError


async def test_get_model_reads_the_limits(emulator, api_key):
    async with InteractionsClient(api_key=api_key, base_url=emulator.base_url) as client:
        info = await client.get_model("gemini-3.6-flash")
        assert info.input_token_limit == 1_048_576 and info.output_token_limit == 65_536
        assert (await client.get_model("models/gemma-4-31b-it")).input_token_limit == 131_072
        with pytest.raises(ApiStatusError) as raised:
            await client.get_model("a/../../interactions")
        # Quoted into one path segment: it stays a model name, never another path.
        assert raised.value.status == 404
        assert "models/a/../../interactions is not found" in str(raised.value)
    requests = [r for r in emulator.received_requests() if "/models/" in r["path"]]
    assert requests[-1]["key_sha256"] and not requests[-1]["query"]  # the key is in the header
