"""``GET /{version}/models`` and ``GET /{version}/models/{model}``: the models the emulator
knows, with plausible limits.

The figures follow what the Gemini API's models.get reports for the real models of each kind
(text models read about a million tokens and write 65,536; the image models read less); a model
the table does not hold, or an agent, is a 404, as the real endpoint answers for a name it does
not serve. The answer is the models endpoint's own camelCase JSON.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from gemtui.emulator.errors import ApiError

#: ``(input token limit, output token limit)`` of the text models.
TEXT_LIMITS = (1_048_576, 65_536)
IMAGE_LIMITS = (65_536, 32_768)
TEXT_MODELS = (
    "gemini-3.8-flash",
    "gemini-3.7-flash",
    "gemini-3.6-flash",
    "gemini-3.5-flash",
    "gemini-3.1-pro-preview",
    "gemini-3.1-flash-lite",
    "gemini-3-flash-preview",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-flash-latest",
    "gemini-pro-latest",
)
MODEL_LIMITS: dict[str, tuple[int, int]] = {
    **{name: TEXT_LIMITS for name in TEXT_MODELS},
    "gemma-4-31b-it": (131_072, 8_192),
    "gemini-3.1-flash-image": IMAGE_LIMITS,
    "gemini-3-pro-image": IMAGE_LIMITS,
    "gemini-3-pro-image-preview": IMAGE_LIMITS,
    "nano-banana-pro-preview": IMAGE_LIMITS,
    "gemini-2.5-flash-image": (32_768, 32_768),
}


def model_resource(name: str) -> dict[str, Any] | None:
    """The models.get body for ``name``, or ``None`` for a model the table does not hold."""
    limits = MODEL_LIMITS.get(name)
    if limits is None:
        return None
    image = "image" in name or name.startswith("nano-banana")
    return {
        "name": f"models/{name}",
        "version": "001",
        "displayName": name.replace("-", " ").title(),
        "description": "A model of gemtui's offline emulator.",
        "inputTokenLimit": limits[0],
        "outputTokenLimit": limits[1],
        "supportedGenerationMethods": ["generateContent", "countTokens"],
        "temperature": 1.0,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2.0,
        "thinking": not image,
    }


async def get_model(request: Request) -> Any:
    name = request.path_params["model"].removeprefix("models/")
    resource = model_resource(name)
    if resource is None:
        version = request.url.path.split("/")[1]
        raise ApiError(
            "not_found",
            f"models/{name} is not found for API version {version}, or is not supported "
            "for generateContent.",
        )
    return JSONResponse(resource)


async def list_models(request: Request) -> Any:
    """models.list: every model of the table, in one page (the table is short)."""
    return JSONResponse({"models": [model_resource(name) for name in MODEL_LIMITS]})
