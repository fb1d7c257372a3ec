"""The Markdown answers of the plain-text scenario.

An answer exercises what a renderer must handle (headings, nested lists, a fenced Python
block, a table, emphasis, a quote) and mentions the prompt so a reader sees it answers *this*
request. Long answers repeat varied sections deterministically up to a requested size.
"""

from __future__ import annotations

_TOPICS = (
    "latency",
    "throughput",
    "caching",
    "retries",
    "observability",
    "backpressure",
    "idempotency",
    "pagination",
)


def quote(text: str, limit: int = 80) -> str:
    """The prompt as it is echoed inside prose: one line, bounded length."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def count(number: int, noun: str) -> str:
    """``1 word``, ``2 words``: a number with its noun in the right form."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def answer(prompt: str, *, preface: str = "", size_kb: float | None = None) -> str:
    """The full Markdown answer; ``preface`` (e.g. the multi-turn note) comes first."""
    shown = quote(prompt) or "(empty prompt)"
    words = len(prompt.split())
    parts = [
        f"## Answer: {_cell(quote(prompt, 48)) or 'your request'}\n\n",
        preface,
        f"You asked: *«{shown}»*. This reply comes from the **gemtui emulator**, an offline "
        "stand-in for the Gemini Interactions API, so it is *scripted* rather than thought up.\n\n",
        "### Key points\n\n",
        f"- Your prompt has **{count(words, 'word')}** and "
        f"**{count(len(prompt), 'character')}**.\n",
        "- The answer streams as `text` deltas inside one `model_output` step.\n",
        "  - A `thought` step came first, ending with its *signature*.\n",
        "  - Usage is estimated at about four characters per token.\n",
        "- Tables, lists and code below check the Markdown renderer.\n\n",
        "1. Read the prompt.\n2. Write the answer.\n3. Stream it in small chunks.\n\n",
        "### Example code\n\n",
        "```python\n",
        "def summarise(prompt: str) -> str:\n",
        '    """Return the first words of the prompt."""\n',
        "    return ' '.join(prompt.split()[:8])\n\n\n",
        f"print(summarise({quote(prompt, 60)!r}))\n",
        "```\n\n",
        "### Summary table\n\n",
        "| Aspect | Value |\n|---|---|\n",
        f"| Prompt | {_cell(quote(prompt, 40))} |\n",
        f"| Words | {words} |\n",
        "| Source | gemtui emulator |\n\n",
        "> Tip: type `!slow 200` or `!fault 429` in a prompt to see pacing and errors.\n",
    ]
    text = "".join(parts)
    if size_kb:
        text = _grow(text, prompt, int(size_kb * 1024))
    return text


def _grow(text: str, prompt: str, target: int) -> str:
    pieces = [text]
    length = len(text)
    number = 1
    while length < target:
        section = _section(number, prompt)
        pieces.append(section)
        length += len(section)
        number += 1
    return "".join(pieces)


def _section(number: int, prompt: str) -> str:
    topic = _TOPICS[number % len(_TOPICS)]
    shape = number % 4
    head = f"\n### Section {number}: {topic}\n\n"
    if shape == 0:
        body = (
            f"Thinking about **{topic}** in the context of *{quote(prompt, 40)}*: measure first, "
            f"then change one thing at a time. Section {number} keeps the text varied so "
            "renderers cannot cache a single block.\n"
        )
    elif shape == 1:
        body = (
            f"- {topic} check {number}: *observe* the system\n"
            f"- {topic} check {number}: **decide** on a limit\n"
            f"  - nested note {number}: keep `{topic}_{number}` visible\n"
            f"- {topic} check {number}: act and verify\n"
        )
    elif shape == 2:
        body = (
            "```python\n"
            f"def {topic}_{number}(values: list[int]) -> int:\n"
            f'    """Section {number}: fold the values."""\n'
            f"    return sum(v * {number} for v in values)\n"
            "```\n"
        )
    else:
        body = (
            "| Step | Topic | Weight |\n|---|---|---|\n"
            f"| {number} | {topic} | {number * 3 % 17} |\n"
            f"| {number + 1} | {topic} review | {number * 5 % 19} |\n"
        )
    return head + body


def long_block(kind: str, lines: int) -> str:
    """One Markdown block of ``lines`` lines: a Python fence ("code") or a bulleted list ("list").

    Every line differs (numbers, a docstring now and then spanning lines) so a renderer can
    neither cache one line for all nor get away with lexing each line on its own.
    """
    if kind == "list":
        return "".join(
            f"- item {n}: *observe* the **{_TOPICS[n % len(_TOPICS)]}** limit `{n * 7 % 31}`\n"
            for n in range(1, lines + 1)
        )
    body: list[str] = []
    n = 0
    while len(body) < lines - 2:
        n += 1
        topic = _TOPICS[n % len(_TOPICS)]
        if n % 10 == 1:
            body += [f'"""Part {n}: {topic},', 'spread over two lines."""']
        else:
            body.append(f"{topic}_{n} = sum(v * {n} for v in range({n % 13}))  # {topic}")
    return "```python\n" + "\n".join(body[: max(lines - 2, 0)]) + "\n```\n"
