"""Request options besides the prompt: output media, transcription, tier, safety, labels.

Both front ends take them (the settings pane and config file; ``gemtui ask`` flags) and turn
them into the same wire fields here (``interactions-api.md`` 2.2, 2.5, 2.6):

* ``response_format``: a JSON schema (``{"type": "text", ...}``), image options
  (``{"type": "image", "aspect_ratio", "image_size"}``), or the audio / video format to ask
  for; several at once make a list. A document has no response format: it is asked for with
  ``response_modalities: ["document"]``.
* ``generation_config.speech_config`` (the voice of a TTS answer) and
  ``generation_config.transcription_config`` (languages and mode of a transcription).
* ``service_tier``, ``safety_settings`` (``[{type, threshold}]``) and ``labels``.

Standard library only: ``gemtui ask`` checks its flags with these before it imports pydantic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: An interaction id as the API makes them: a version prefix, then URL-safe base64.
INTERACTION_ID = re.compile(r"v[0-9]+_[A-Za-z0-9_-]+")
MODALITIES = ("image", "audio", "video", "document")
ASPECT_RATIOS = (
    "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9",
    "1:8", "8:1", "1:4", "4:1",
)  # fmt: skip
IMAGE_SIZES = ("512", "1K", "2K", "4K")
TRANSCRIPTION_MODES = ("verbatim", "smart")
SERVICE_TIERS = ("flex", "standard", "priority", "deferred")
HARM_CATEGORIES = (
    "hate_speech", "dangerous_content", "harassment", "sexually_explicit", "civic_integrity",
    "image_hate", "image_dangerous_content", "image_harassment", "image_sexually_explicit",
    "jailbreak",
)  # fmt: skip
HARM_THRESHOLDS = (
    "block_low_and_above", "block_medium_and_above", "block_only_high", "block_none", "off",
)  # fmt: skip
_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")


def response_format(
    schema: dict[str, Any] | None = None,
    *,
    modality: str | None = None,
    aspect_ratio: str | None = None,
    image_size: str | None = None,
) -> dict[str, Any] | list[dict[str, Any]] | None:
    """The ``response_format`` for these choices: one object, a list, or ``None``.

    An aspect ratio or image size with no modality asks for an image all the same; with
    another modality chosen they are options left from an earlier image, and sending them
    would ask for an image besides (an ``image`` response format) the user did not ask for.
    """
    formats: list[dict[str, Any]] = []
    if schema is not None:
        formats.append({"type": "text", "mime_type": "application/json", "schema": schema})
    if modality == "image" or (modality is None and (aspect_ratio or image_size)):
        image: dict[str, Any] = {"type": "image"}
        if aspect_ratio:
            image["aspect_ratio"] = aspect_ratio
        if image_size:
            image["image_size"] = image_size
        formats.append(image)
    if modality in ("audio", "video"):
        formats.append({"type": modality})
    if not formats:
        return None
    return formats[0] if len(formats) == 1 else formats


def response_modalities(modality: str | None) -> list[str]:
    """``response_modalities`` for a modality no response format names (a document)."""
    return ["document"] if modality == "document" else []


def generation_extras(
    *, voice: str | None = None, languages: Iterable[str] = (), mode: str | None = None
) -> dict[str, Any]:
    """``speech_config`` and ``transcription_config`` entries of ``generation_config``."""
    extras: dict[str, Any] = {}
    if voice:
        extras["speech_config"] = [{"voice": voice}]
    languages = [code for code in languages if code]
    if languages or mode:
        config: dict[str, Any] = {}
        if languages:
            config["language_codes"] = languages
        if mode:
            config["mode"] = mode
        extras["transcription_config"] = config
    return extras


def safety_settings(thresholds: Mapping[str, str]) -> list[dict[str, str]]:
    """``safety_settings`` from category -> threshold."""
    return [{"type": category, "threshold": value} for category, value in thresholds.items()]


def check_safety(category: str, threshold: str) -> str | None:
    """Why a category/threshold pair is refused, or ``None``."""
    if category not in HARM_CATEGORIES:
        return f"unknown harm category {category!r} (one of {', '.join(HARM_CATEGORIES)})"
    if threshold not in HARM_THRESHOLDS:
        return f"unknown threshold {threshold!r} (one of {', '.join(HARM_THRESHOLDS)})"
    return None


def check_label(key: str, value: str) -> str | None:
    """Why a label is refused (the API's rule), or ``None``."""
    if not _LABEL_KEY.fullmatch(key):
        return (
            f"label key {key!r}: lowercase letters, digits, '_' and '-', starting with a letter, "
            "at most 63 characters"
        )
    if not _LABEL_VALUE.fullmatch(value):
        return f"label {key!r}: its value takes lowercase letters, digits, '_' and '-' (≤ 63)"
    return None


def parse_pairs(items: Iterable[str], what: str) -> dict[str, str]:
    """``KEY=VALUE`` items (flags, lines of a text field) as a dict; raises ``ValueError``
    that names the item and ``what`` it was meant to be."""
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what} {item!r} is not KEY=VALUE")
        pairs[key.strip()] = value.strip()
    return pairs
