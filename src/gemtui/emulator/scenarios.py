"""Scripted behaviours: which steps answer a request (DESIGN.md §6).

A scenario turns a validated request plus the conversation so far into a :class:`Plan`: the
final output steps (exactly what a client assembles from the stream), the status and the
usage. How the steps are streamed is ``events.py``'s job; faults and pacing are the app's.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gemtui.emulator import ids, markdown
from gemtui.emulator.agent_scenarios import (
    awaits_plan_confirmation,
    plan_text,
    report_lines,
    shows_summaries,
    visualization,
)
from gemtui.emulator.directives import Directives, parse
from gemtui.emulator.errors import ApiError
from gemtui.emulator.media_files import SPEECH_RATE, tiny_mp4, tiny_pdf, wav_tone
from gemtui.emulator.png import gradient_png
from gemtui.emulator.request import CreateRequest, require_known_calls, text_of
from gemtui.emulator.schema_sample import sample
from gemtui.emulator.tool_scenarios import cite, server_tools

#: hidden reasoning tokens billed for every thought step
THOUGHT_BASE_TOKENS = 24
IMAGE_OUTPUT_TOKENS = 1290
IMAGE_INPUT_TOKENS = 258
#: output tokens per second of generated audio and video (the API counts 32 and 258)
AUDIO_TOKENS_PER_SECOND = 32
VIDEO_TOKENS_PER_SECOND = 258
DOCUMENT_PAGE_TOKENS = 258
VIDEO_SECONDS = 2.0
#: width of the generated image per ``image_size`` (aspect ratio gives the height)
IMAGE_WIDTHS = {"512": 48, "1K": 64, "2K": 96, "4K": 128}
#: what a failed run's last model_output step carries (google.rpc.Status, code 13 INTERNAL)
FAILED_STEP_ERROR = {
    "code": 13,
    "message": "Internal error encountered.",
    "details": [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "MODEL_ERROR",
            "domain": "generativelanguage.googleapis.com",
        }
    ],
}
FAILED_ERRORS = [{"code": "api_error", "message": "The model failed while generating the answer."}]
_URL = re.compile(r"https?://[^\s<>\"'»)]+")
_PARALLEL_WORDS = re.compile(r"\b(parallel|both|all)\b", re.IGNORECASE)


@dataclass(slots=True)
class Plan:
    """What one interaction answers: output steps, final status, usage, environment."""

    steps: list[dict[str, Any]]
    status: str
    usage: dict[str, Any]
    environment_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: usage after each step, for the ``metadata.total_usage`` of its last delta
    step_usage: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Turn:
    """The context a scenario needs: the request, the conversation, the cleaned prompt."""

    request: CreateRequest
    history: list[dict[str, Any]]
    prompt: str
    directives: Directives
    key: str
    answer_kb: float | None
    #: What the emulator noticed about the request's inputs (files uploaded through the Files
    #: API), said at the start of the answer.
    notes: list[str] = field(default_factory=list)

    @property
    def conversation(self) -> list[dict[str, Any]]:
        return self.history + self.request.input_steps

    def user_prompts(self) -> list[str]:
        return [
            clean_prompt(text_of(s)) for s in self.conversation if s.get("type") == "user_input"
        ]

    def trailing_results(self) -> list[dict[str, Any]]:
        results = []
        for step in reversed(self.request.input_steps):
            if step.get("type") != "function_result":
                break
            results.append(step)
        return results[::-1]


def clean_prompt(text: str) -> str:
    """A prompt without its directives (used when echoing earlier turns)."""
    try:
        return parse(text)[0]
    except ApiError:
        return text


def tokens(text: str) -> int:
    return math.ceil(len(text) / 4) if text else 0


def build_plan(turn: Turn) -> Plan:
    """Choose and run the scenario for this turn."""
    request = turn.request
    results = turn.trailing_results()
    if results:
        require_known_calls(turn.conversation, results)
        steps = [_thought(turn, 0, "Reading the tool results"), _result_answer(turn, results)]
    elif request.agent is not None and is_research_agent(request.agent):
        steps = _research_steps(turn)
    elif request.agent is not None:
        steps = _agent_steps(turn)
    elif (media := media_output(request)) is not None:
        steps = _media_steps(turn, media)
    elif "image" in (request.model or "").lower() or request.asks_for("image"):
        thought = _thought(turn, 0, "Composing the picture")
        if "summary" in thought:  # image models think in draft pictures too
            draft = gradient_png(turn.prompt + "/draft", 24)
            image = {"type": "image", "mime_type": "image/png", "data": _b64(draft)}
            thought["summary"].append(image)
        steps = [thought, _image_output(turn)]
    elif _transcribes(request):
        steps = [_transcript(turn)]
    elif request.json_format is not None:
        steps = [_thought(turn, 0, "Filling the schema"), _json_output(turn)]
    elif turn.prompt.startswith(SUMMARY_CUE):
        steps = [_summary_output(turn)]
    else:
        steps = _tool_steps(turn)
    if turn.directives.unknown:
        steps.insert(1, _probe_step())
    waiting = steps[-1]["type"] == "function_call" or (
        request.agent is not None and not results and awaits_plan_confirmation(turn)
    )
    status = "requires_action" if waiting else "completed"
    limit = request.generation_config.get("max_output_tokens")
    if status == "completed" and isinstance(limit, int) and _truncate(steps, limit):
        status = "incomplete"
    errors: list[dict[str, Any]] = []
    if turn.directives.end_status is not None:
        status = turn.directives.end_status
        _cut_short(steps, failed=status == "failed")
        if status == "failed":
            errors = [dict(error) for error in FAILED_ERRORS]
    return Plan(
        steps=steps,
        status=status,
        usage=usage_of(turn, steps),
        environment_id=_environment_id(turn),
        errors=errors,
        step_usage=[usage_of(turn, steps[: n + 1]) for n in range(len(steps))],
    )


# --- building blocks -------------------------------------------------------------------------

#: How gemtui's compress asks for a summary (``gemtui.core.compress``); the emulator answers it
#: with a short summary of the prompts it was given, so a compressed chat visibly shrinks.
SUMMARY_CUE = "Summarize our conversation so far"


def _summary_output(turn: Turn) -> dict[str, Any]:
    earlier = turn.user_prompts()[:-1]
    asked = "; ".join(f"«{markdown.quote(prompt, 60)}»" for prompt in earlier) or "nothing yet"
    return _text_output(f"Summary of the conversation so far: the user asked {asked}.")


#: Agents whose runs take minutes and must run in the background (the docs say so of Deep
#: Research: ``background=true``).
RESEARCH_AGENT_PREFIX = "deep-research"


def is_research_agent(agent: str) -> bool:
    return agent.startswith(RESEARCH_AGENT_PREFIX)


def _thought(turn: Turn, index: int, title: str) -> dict[str, Any]:
    step: dict[str, Any] = {"type": "thought"}
    config = turn.request.generation_config
    agent = turn.request.agent is not None
    if (agent and shows_summaries(turn)) or (
        not agent and config.get("thinking_summaries") == "auto"
    ):
        about = markdown.quote(turn.prompt, 60) or "the request"
        step["summary"] = [
            {
                "type": "text",
                "text": f"**{title}**\n\nI am working out how to answer «{about}» and which "
                "parts of the conversation matter for it.",
            }
        ]
    step["signature"] = ids.signature(turn.key, "thought", str(index))
    return step


def _text_output(text: str, annotations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"type": "text", "text": text}
    if annotations:
        content["annotations"] = annotations
    return {"type": "model_output", "content": [content]}


def _preface(turn: Turn) -> str:
    noticed = "".join(f"{note}\n\n" for note in turn.notes)
    return noticed + _earlier(turn)


def _earlier(turn: Turn) -> str:
    prompts = turn.user_prompts()
    if len(prompts) < 2:
        return ""
    note = f"Earlier you asked: «{markdown.quote(prompts[-2])}». "
    if len(prompts) > 2:
        note += f"Your first question was «{markdown.quote(prompts[0])}». "
    return note + f"This is turn {len(prompts)} of our conversation.\n\n"


def _markdown_answer(turn: Turn) -> dict[str, Any]:
    if turn.directives.long_block is not None:
        return _text_output(markdown.long_block(*turn.directives.long_block))
    size = turn.directives.size_kb if turn.directives.size_kb is not None else turn.answer_kb
    return _text_output(markdown.answer(turn.prompt, preface=_preface(turn), size_kb=size))


def _subject(prompt: str) -> str:
    """A short phrase from the prompt to put in tool arguments (capitalised words if any)."""
    words = re.findall(r"[A-Za-z][\w'-]*", prompt)
    names = [w for w in words[1:] if w[0].isupper()]
    return " ".join(names) if names else markdown.quote(prompt, 40) or "example"


# --- tools -----------------------------------------------------------------------------------


def _tool_steps(turn: Turn) -> list[dict[str, Any]]:
    request = turn.request
    steps = [_thought(turn, 0, "Planning the answer")]
    tail: list[str] = []
    if request.has_tool("google_search"):
        steps += _search_steps(turn, len(steps))
    if request.has_tool("url_context"):
        steps += _url_steps(turn, len(steps))
        tail.append("I read the pages you pointed to and every one loaded.")
    if request.has_tool("code_execution"):
        code_steps, line = _code_steps(turn, len(steps))
        steps += code_steps
        tail.append(line)
    served = server_tools(turn, len(steps), _subject(turn.prompt))
    steps += served.steps
    tail += served.lines
    calls = _function_calls(turn) + served.calls
    if calls:
        return steps + calls
    if request.has_tool("google_search") or served.cited:
        steps.append(_cited_answer(turn, tail, served.cited))
    elif tail:
        answer = "".join(f"{line}\n\n" for line in tail)
        steps.append(_text_output(_preface(turn) + answer + _about(turn)))
    else:
        steps.append(_markdown_answer(turn))
    return steps


def _about(turn: Turn) -> str:
    return f"That answers *«{markdown.quote(turn.prompt)}»*."


def _search_steps(turn: Turn, index: int) -> list[dict[str, Any]]:
    query = markdown.quote(turn.prompt, 80) or "gemtui"
    call = ids.call_id(turn.key, "search", str(index))
    link = f"https://www.google.com/search?q={_slug(query, '+')}"
    chips = f'<a class="chip" href="{link}">{_html(query)}</a>'
    widget = (
        "<style>.container{display:flex}.chip{border-radius:16px;padding:4px 12px}</style>"
        f'<div class="container"><div class="carousel">{chips}</div></div>'
    )
    return [
        {
            "type": "google_search_call",
            "id": call,
            "arguments": {"queries": [query]},
            "signature": ids.signature(turn.key, "search-call", str(index)),
        },
        {
            "type": "google_search_result",
            "call_id": call,
            "result": [{"search_suggestions": widget}],
            "signature": ids.signature(turn.key, "search-result", str(index)),
        },
    ]


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slug(text: str, joiner: str = "-") -> str:
    return joiner.join(re.findall(r"[a-z0-9]+", text.lower())[:6]) or "topic"


def _cited_answer(
    turn: Turn,
    extra: list[str],
    cited: Sequence[tuple[str, dict[str, Any]]] = (),
    *,
    searched: bool = False,
) -> dict[str, Any]:
    """A grounded answer whose citation byte offsets point at its own sentences: search's
    ``url_citation``s (when the request has the search tool, or the agent ``searched`` on its
    own), then those of the other tools (``cited``)."""
    if not (searched or turn.request.has_tool("google_search")):
        intro = _preface(turn) + "".join(f"{line}\n\n" for line in extra)
        text, annotations = cite(intro, list(cited))
        return _text_output(text.rstrip() + "\n", annotations)
    slug = _slug(turn.prompt)
    sources = [
        (f"https://www.example.org/guides/{slug}", "example.org"),
        (f"https://docs.example.com/{slug}/overview", "docs.example.com"),
    ]
    about = markdown.quote(turn.prompt)
    sentences = [
        f"Search results give a clear picture of «{about}».",
        "The first source explains the background in plain terms.",
        "A second source adds practical detail and recent figures.",
    ]
    text = _preface(turn) + "".join(f"{line}\n\n" for line in extra)
    annotations = []
    for number, sentence in enumerate(sentences):
        start = len(text.encode())
        text += sentence
        if number:
            url, title = sources[number - 1]
            annotations.append(
                {
                    "type": "url_citation",
                    "url": url,
                    "title": title,
                    "start_index": start,
                    "end_index": len(text.encode()),
                }
            )
        text += " "
    text, more = cite(text.rstrip(), list(cited))
    return _text_output(text + "\n", annotations + more)


def _url_steps(turn: Turn, index: int) -> list[dict[str, Any]]:
    urls = _URL.findall(turn.prompt) or ["https://example.com/"]
    call = ids.call_id(turn.key, "url", str(index))
    return [
        {
            "type": "url_context_call",
            "id": call,
            "arguments": {"urls": urls},
            "signature": ids.signature(turn.key, "url-call", str(index)),
        },
        {
            "type": "url_context_result",
            "call_id": call,
            "result": [{"url": url, "status": "success"} for url in urls],
            "signature": ids.signature(turn.key, "url-result", str(index)),
        },
    ]


def _code_steps(turn: Turn, index: int, language: str = "python") -> tuple[list, str]:
    prompt = markdown.quote(turn.prompt, 60)
    words = len(prompt.split())
    code = (
        f"text = {prompt!r}\n"
        "words = text.split()\n"
        "def count(n, noun):\n"
        "    return f\"{n} {noun}{'' if n == 1 else 's'}\"\n"
        "print(f\"{count(len(words), 'word')}, {count(len(text), 'character')}\")\n"
    )
    counted = f"{markdown.count(words, 'word')}, {markdown.count(len(prompt), 'character')}"
    output = f"{counted}\n"
    call = ids.call_id(turn.key, "code", str(index))
    steps = [
        {
            "type": "code_execution_call",
            "id": call,
            "arguments": {"code": code, "language": language},
            "signature": ids.signature(turn.key, "code-call", str(index)),
        },
        {
            "type": "code_execution_result",
            "call_id": call,
            "result": output,
            "signature": ids.signature(turn.key, "code-result", str(index)),
        },
    ]
    return (
        steps,
        f"I ran Python on your prompt: it has **{markdown.count(words, 'word')}** and "
        f"{markdown.count(len(prompt), 'character')}.",
    )


def _function_calls(turn: Turn) -> list[dict[str, Any]]:
    """Calls to the declared function tools (several at once when the request suggests it).

    Tools named in the prompt are called; otherwise every declared tool (at most four). With a
    single tool and "parallel"/"both"/"all" in the prompt, that tool is called twice.
    """
    tools = turn.request.function_tools
    choice = turn.request.generation_config.get("tool_choice")
    allowed = choice.get("allowed_tools") if isinstance(choice, dict) else None
    if isinstance(allowed, dict) and isinstance(allowed.get("tools"), list):
        # tool_choice {"allowed_tools": ...}: only the tools it names may be called.
        tools = [t for t in tools if t["name"] in allowed["tools"]]
    mode = allowed.get("mode") if isinstance(allowed, dict) else choice
    if not tools or mode == "none":
        return []
    lowered = turn.prompt.lower()
    named = [
        t for t in tools if t["name"].lower() in lowered or t["name"].replace("_", " ") in lowered
    ]
    chosen = (named or tools)[:4]
    hints = [_subject(turn.prompt)] * len(chosen)
    if len(chosen) == 1 and _PARALLEL_WORDS.search(turn.prompt):
        chosen, hints = chosen * 2, [hints[0], hints[0] + " (second)"]
    calls = []
    for number, (tool, hint) in enumerate(zip(chosen, hints, strict=True)):
        schema = tool.get("parameters") or {"type": "object", "properties": {}}
        arguments = sample(schema, hint, all_properties=False)
        calls.append(
            {
                "type": "function_call",
                "id": ids.call_id(turn.key, "function", str(number)),
                "name": tool["name"],
                "arguments": arguments if isinstance(arguments, dict) else {"value": arguments},
            }
        )
    return calls


def _result_answer(turn: Turn, results: list[dict[str, Any]]) -> dict[str, Any]:
    lines = [f"I called {len(results)} tool{'s' if len(results) != 1 else ''} for you:\n"]
    for result in results:
        value = result.get("result")
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        flag = " (reported an error)" if result.get("is_error") else ""
        name = result.get("name") or "tool"
        lines.append(f"- `{name}` returned{flag}: `{markdown.quote(shown, 200)}`")
    prompts = turn.user_prompts()
    question = markdown.quote(prompts[-1]) if prompts else "your request"
    lines.append(f"\nBased on these results, here is the answer to «{question}».\n")
    return _text_output("\n".join(lines))


# --- other modalities ------------------------------------------------------------------------


def _json_output(turn: Turn) -> dict[str, Any]:
    schema = turn.request.json_format.get("schema") if turn.request.json_format else None
    value = sample(schema, turn.prompt) if schema else {"answer": turn.prompt}
    fault = turn.directives.json_fault
    if fault == "invalid-json" and isinstance(schema, dict):
        value = _break_schema(value, schema)
    text = json.dumps(value, ensure_ascii=False, indent=2)
    if fault == "not-json":
        text = text[: max(1, len(text) // 2)]
    return _text_output(text)


def _break_schema(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` changed so that it no longer follows ``schema`` (``!invalid-json``): the first
    typed property of an object gets a value of another type; else the root does."""
    properties = schema.get("properties")
    if isinstance(value, dict) and isinstance(properties, dict):
        for name, spec in properties.items():
            if isinstance(spec, dict) and isinstance(spec.get("type"), str) and name in value:
                return {**value, name: _wrong_type(spec["type"])}
    return _wrong_type(schema["type"]) if isinstance(schema.get("type"), str) else value


def _wrong_type(kind: str) -> Any:
    return 12345 if kind == "string" else "not a " + kind


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _image_output(turn: Turn) -> dict[str, Any]:
    options = turn.request.output_format("image") or {}
    width = IMAGE_WIDTHS.get(str(options.get("image_size")), 64)
    height = _height_for(width, options.get("aspect_ratio"))
    data = _b64(gradient_png(turn.prompt, width, height))
    caption = f"A generated {width}×{height} gradient for «{markdown.quote(turn.prompt)}»."
    if options.get("aspect_ratio") or options.get("image_size"):
        caption += (
            f" Aspect ratio {options.get('aspect_ratio') or 'default'}, "
            f"size {options.get('image_size') or 'default'}."
        )
    return {
        "type": "model_output",
        "content": [
            {"type": "image", "mime_type": "image/png", "data": data},
            {"type": "text", "text": caption},
        ],
    }


def _height_for(width: int, ratio: Any) -> int:
    """The height of a ``width`` wide image of aspect ratio ``"W:H"`` (square otherwise)."""
    if isinstance(ratio, str) and re.fullmatch(r"\d{1,2}:\d{1,2}", ratio):
        across, down = (int(n) for n in ratio.split(":"))
        if across and down:
            return max(1, round(width * down / across))
    return width


def media_output(request: CreateRequest) -> str | None:
    """Which kind of media (``audio``, ``video``, ``document``) the request asks for: by its
    ``response_format``/``response_modalities``, or by a TTS or video model's name."""
    model = (request.model or "").lower()
    if "tts" in model or request.asks_for("audio"):
        return "audio"
    if any(word in model for word in ("omni", "veo")) or request.asks_for("video"):
        return "video"
    if request.asks_for("document"):
        return "document"
    return None


def _voice(config: dict[str, Any]) -> str:
    """The first voice ``generation_config.speech_config`` names (object or list form)."""
    speech = config.get("speech_config")
    speakers = speech.get("speakers") if isinstance(speech, dict) else speech
    for speaker in speakers if isinstance(speakers, list) else []:
        if isinstance(speaker, dict) and isinstance(speaker.get("voice"), str):
            return speaker["voice"]
    return "default"


def _media_steps(turn: Turn, kind: str) -> list[dict[str, Any]]:
    """Real files: speech as a WAV tone (TTS models answer with audio only), a video
    container, a PDF; the others come after a thought and with a line of text."""
    about = markdown.quote(turn.prompt) or "your request"
    if kind == "audio":
        voice = _voice(turn.request.generation_config)
        seconds = round(min(2.0, 0.6 + 0.02 * len(turn.prompt)), 2)
        audio = {
            "type": "audio",
            "mime_type": "audio/wav",
            "data": _b64(wav_tone(voice + "/" + turn.prompt, seconds)),
            "sample_rate": SPEECH_RATE,
            "channels": 1,
        }
        output = {"type": "model_output", "content": [audio]}
        tts = "tts" in (turn.request.model or "").lower()
        return [output] if tts else [_thought(turn, 0, "Speaking the answer"), output]
    if kind == "video":
        video = {"type": "video", "mime_type": "video/mp4", "data": _b64(tiny_mp4(VIDEO_SECONDS))}
        caption = _caption(turn, f"A {VIDEO_SECONDS:g}-second clip for «{about}».")
        steps = [{"type": "model_output", "content": [video, caption]}]
        return [_thought(turn, 0, "Planning the clip"), *steps]
    pages = [f"gemtui emulator: {turn.prompt[:60]}", "Page two: nothing more to say."]
    document = {"type": "document", "mime_type": "application/pdf", "data": _b64(tiny_pdf(pages))}
    text = _caption(turn, f"A {len(pages)}-page PDF about «{about}».")
    return [
        _thought(turn, 0, "Laying out the document"),
        {"type": "model_output", "content": [text, document]},
    ]


def _caption(turn: Turn, words: str) -> dict[str, Any]:
    """The text beside a picture, clip or document: the JSON of the schema when the request
    gave one (the text part of the answer follows it), else ``words``."""
    if turn.request.json_format is not None:
        return _json_output(turn)["content"][0]
    return {"type": "text", "text": words}


def _transcribes(request: CreateRequest) -> bool:
    config = request.generation_config.get("transcription_config")
    return isinstance(config, dict) or "transcribe" in (request.model or "").lower()


def _transcript(turn: Turn) -> dict[str, Any]:
    """What a transcription answers: the text, saying which settings it was made with."""
    config = turn.request.generation_config.get("transcription_config")
    config = config if isinstance(config, dict) else {}
    mode = config.get("mode") or "verbatim"
    if isinstance(mode, dict):
        mode = mode.get("type", "verbatim")
    languages = config.get("language_codes") or ["auto"]
    audio = sum(
        1
        for step in turn.request.input_steps
        for item in step.get("content", [])
        if isinstance(item, dict)
        if item.get("type") in ("audio", "video")
    )
    heard = f"{audio} recording{'s' if audio != 1 else ''}" if audio else "no recording"
    text = (
        f"Transcript ({mode}; languages {', '.join(map(str, languages))}; {heard}):\n\n"
        f"{markdown.quote(turn.prompt) or '(silence)'}\n"
    )
    return _text_output(text)


def _cut_short(steps: list[dict[str, Any]], *, failed: bool) -> None:
    """End the plan part-way: the last text answer keeps its first half; a failed run then
    has a ``model_output`` step that carries only the error."""
    for step in reversed(steps):
        texts = [c for c in step.get("content", []) if c.get("type") == "text"]
        if step["type"] == "model_output" and texts:
            text = texts[-1]
            text["text"] = text["text"][: max(1, len(text["text"]) // 2)]
            size = len(text["text"].encode())
            kept = [a for a in text.get("annotations", []) if a["end_index"] <= size]
            if kept:
                text["annotations"] = kept
            else:
                text.pop("annotations", None)
            break
    if failed:
        steps.append({"type": "model_output", "error": copy.deepcopy(FAILED_STEP_ERROR)})


def _agent_steps(turn: Turn) -> list[dict[str, Any]]:
    steps = [_thought(turn, 0, "Planning the task")]
    if awaits_plan_confirmation(turn):
        return [*steps, _text_output(plan_text(turn))]
    listing_call = ids.call_id(turn.key, "agent-bash", "1")
    steps += [
        {
            "type": "code_execution_call",
            "id": listing_call,
            "arguments": {"code": "ls -la /workspace", "language": "bash"},
            "signature": ids.signature(turn.key, "agent-bash-call"),
        },
        {
            "type": "code_execution_result",
            "call_id": listing_call,
            "result": "total 8\ndrwxr-xr-x 2 agent agent 4096 .\n"
            "-rw-r--r-- 1 agent agent  512 notes.md\n",
            "signature": ids.signature(turn.key, "agent-bash-result"),
        },
    ]
    code_steps, line = _code_steps(turn, len(steps))
    steps += code_steps
    steps.append(_thought(turn, len(steps), "Writing the report"))
    environment = _environment_id(turn)
    where = f" in environment `{environment}`" if environment else ""
    report = (
        f"# Report\n\n{_preface(turn)}I worked on «{markdown.quote(turn.prompt)}»{where}.\n\n"
        "## What I did\n\n1. Listed the workspace with `ls -la`.\n2. Ran a Python check.\n\n"
        f"## Findings\n\n- {line}\n- The workspace holds one file, `notes.md`.\n"
    )
    report += "".join(f"{extra}\n" for extra in report_lines(turn))
    output = _text_output(report)
    chart = visualization(turn)
    if chart is not None:
        output["content"].append(chart)
    steps.append(output)
    return steps


def _research_steps(turn: Turn) -> list[dict[str, Any]]:
    """A Deep Research run: a plan, searches from several angles, reading, then a report
    whose sentences cite their sources."""
    topic = markdown.quote(turn.prompt, 60) or "the topic"
    angles = [topic, f"{topic} history", f"{topic} latest figures"]
    steps = [_thought(turn, 0, "Planning the research")]
    if awaits_plan_confirmation(turn):
        return [*steps, _text_output(plan_text(turn))]
    for number, angle in enumerate(angles):
        searches = _search_steps(turn, len(steps))
        searches[0]["arguments"] = {"queries": [angle]}
        steps += searches
        if number == 0:
            steps.append(_thought(turn, len(steps), "Reading the first sources"))
    steps.append(_thought(turn, len(steps), "Writing the report"))
    outline = [
        f"# Research report: {topic}",
        "## Summary",
        f"I searched {len(angles)} angles of «{topic}» and read the sources below.",
        "## Findings",
    ]
    report = _cited_answer(turn, outline, searched=True)
    # What agent_config changed goes after the cited text (its byte offsets stay right).
    report["content"][0]["text"] += "".join(f"\n{extra}\n" for extra in report_lines(turn))
    chart = visualization(turn)
    if chart is not None:
        report["content"].append(chart)
    steps.append(report)
    return steps


def _probe_step() -> dict[str, Any]:
    return {"type": "emulator_probe", "note": "a step type this client does not know"}


def _environment_id(turn: Turn) -> str | None:
    environment = turn.request.environment
    if environment is None:
        return None
    if isinstance(environment, str) and environment != "remote":
        return environment
    if isinstance(environment, dict) and isinstance(environment.get("environment_id"), str):
        return environment["environment_id"]
    return ids.environment_id(turn.key, "environment")


# --- accounting ------------------------------------------------------------------------------


def _truncate(steps: list[dict[str, Any]], limit: int) -> bool:
    """Cut the last text answer to ``limit`` tokens; says whether it was cut."""
    for step in reversed(steps):
        if step["type"] != "model_output":
            continue
        for content in step.get("content", []):
            if content.get("type") == "text" and tokens(content["text"]) > limit:
                content["text"] = content["text"][: max(limit, 0) * 4]
                size = len(content["text"].encode())
                kept = [a for a in content.get("annotations", []) if a["end_index"] <= size]
                if kept:
                    content["annotations"] = kept
                else:
                    content.pop("annotations", None)
                return True
        return False
    return False


#: output tokens of one generated media item, by content type
_MEDIA_TOKENS = {
    "audio": AUDIO_TOKENS_PER_SECOND,
    "video": round(VIDEO_TOKENS_PER_SECOND * VIDEO_SECONDS),
    "document": DOCUMENT_PAGE_TOKENS * 2,
}


def usage_of(turn: Turn, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Deterministic token counts (about four characters per token), totals consistent."""
    input_text = input_images = 0
    for step in turn.conversation:
        for content in step.get("content", []) if isinstance(step.get("content"), list) else []:
            if content.get("type") == "image":
                input_images += IMAGE_INPUT_TOKENS
        input_text += tokens(text_of(step) or json.dumps(step.get("result", "")))
    system = turn.request.body.get("system_instruction")
    input_text += tokens(system) if isinstance(system, str) else 0
    output_text = output_image = thought = tool_use = 0
    media_tokens: dict[str, int] = {}
    for step in steps:
        kind = step["type"]
        if kind == "thought":
            summary = "".join(c.get("text", "") for c in step.get("summary", []))
            thought += THOUGHT_BASE_TOKENS + tokens(summary)
        elif kind == "model_output":
            for content in step.get("content", []):
                kind = content.get("type")
                if kind == "image":
                    output_image += IMAGE_OUTPUT_TOKENS
                elif kind in _MEDIA_TOKENS:
                    media_tokens[kind] = media_tokens.get(kind, 0) + _MEDIA_TOKENS[kind]
                else:
                    output_text += tokens(content.get("text", ""))
        elif kind == "function_call":
            output_text += tokens(json.dumps(step["arguments"]))
        elif kind.endswith("_result"):
            tool_use += tokens(json.dumps(step.get("result", "")))
    total_input = input_text + input_images
    total_output = output_text + output_image + sum(media_tokens.values())
    usage: dict[str, Any] = {
        "total_input_tokens": total_input,
        "total_output_tokens": total_output,
        "total_thought_tokens": thought,
        "total_tool_use_tokens": tool_use,
        "total_cached_tokens": 0,
        "total_tokens": total_input + total_output + thought + tool_use,
        "input_tokens_by_modality": [{"modality": "text", "tokens": input_text}],
    }
    if input_images:
        usage["input_tokens_by_modality"].append({"modality": "image", "tokens": input_images})
    if output_image or media_tokens:
        usage["output_tokens_by_modality"] = [{"modality": "text", "tokens": output_text}]
        if output_image:
            usage["output_tokens_by_modality"].append({"modality": "image", "tokens": output_image})
        usage["output_tokens_by_modality"] += [
            {"modality": kind, "tokens": count} for kind, count in media_tokens.items()
        ]
    grounding = [
        {"type": kind, "count": count}
        for kind in ("google_search", "google_maps", "retrieval")
        if (count := sum(1 for s in steps if s["type"] == f"{kind}_call"))
    ]
    if grounding:
        usage["grounding_tool_count"] = grounding
    return usage
