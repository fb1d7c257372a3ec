"""A model as the models endpoint describes it (``GET /{version}/models/{model}``).

That endpoint belongs to the Gemini API beside the Interactions API and answers in its
camelCase JSON (``inputTokenLimit``); only the fields gemtui reads are typed, the rest are kept.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ModelInfo(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    #: ``models/{id}``.
    name: str | None = None
    display_name: str | None = Field(None, alias="displayName")
    #: How many tokens the model reads in one request: its context window.
    input_token_limit: int | None = Field(None, alias="inputTokenLimit")
    output_token_limit: int | None = Field(None, alias="outputTokenLimit")
