"""safety.py: untrusted text loses every terminal control and never parses as markup."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from textual.content import Content
from textual.markup import MarkupError, to_content

from gemtui.core.safety import (
    StreamCleaner,
    clean_draft_text,
    clean_terminal_text,
    escape_markup,
    one_line,
    redact_secrets,
    safe_text,
)

FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

# Text built from the characters that matter here: controls, sequence introducers and terminators,
# brackets, bidi controls, and ordinary text.
hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            "\x1b\x07\x9b\x9c\x9d\x90\x98\x9e\x9f\x18\x1a\r\n\t\x00\x7f[]\\/;=P_^X0123456789m"
            "\u202a\u202e\u2066\u2069\u200b\u200d"
        ),
        st.characters(),
    ),
    max_size=200,
)

CASES = [
    ("\x1b[2J", ""),
    ("\x1b[1;31mred\x1b[0m", "red"),
    ("a\x1b]52;c;SGVsbG8=\x07b", "ab"),
    ("a\x1b]0;title\x07b", "ab"),
    ("a\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\b", "aclickb"),
    ("a\x1b]0;unterminated title\nand more", "a"),
    ("a\x1bP+q544e\x1b\\b", "ab"),
    ("a\x1b_apc\x1b\\b\x1b^pm\x1b\\c\x1bXsos\x1b\\d", "abcd"),
    ("a\x9b31mb", "ab"),
    ("a\x9d52;c;SGVsbG8=\x9cb", "ab"),
    ("a\x90dcs\x9cb", "ab"),
    ("a\x1b]0;t\x1b[2Jb", "ab"),  # ESC aborts the OSC and starts a CSI
    ("a\x1b]0;t\x18b", "ab"),  # CAN aborts the OSC
    ("a\x1b(Bb\x1b#8c\x1b7d\x1bce", "abcde"),
    ("a\x1b", "a"),
    ("a\x1b[12", "a"),
    ("a\x85b\x80c\x9fapc\x9cd", "abcd"),
    ("line1\r\nline2\r", "line1\nline2"),
    ("real\rfake", "realfake"),
    ("tab\there\nnext", "tab\there\nnext"),
    ("bell\x07bs\x08del\x7fnul\x00", "bellbsdelnul"),
    ("if x\u202e\u2066 // comment\u2069\u2066 {", "if x // comment {"),
    ("\u202a\u202b\u202c\u202d\u2067\u2068", ""),
    ("broken \ud83d surrogate", "broken \ufffd surrogate"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_clean_removes_sequences(raw: str, expected: str) -> None:
    assert clean_terminal_text(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[bold red]not bold[/bold red]",
        "[link=http://evil]x[/link]",
        "漢字とかな, 한국어, emoji 👩‍👩‍👧 ❤️ 🇺🇳, combining é (e\u0301), ZW\u200bSP, ZWNJ\u200c",
        "wide: ＡＢＣ　全角",
        "RTL marks stay: \u200fשלום\u200e \u061c",
        "",
    ],
)
def test_clean_keeps_printable_text(text: str) -> None:
    assert clean_terminal_text(text) == text


@given(hostile_text)
def test_clean_output_has_no_controls(text: str) -> None:
    assert FORBIDDEN.search(clean_terminal_text(text)) is None


@given(hostile_text, st.lists(st.integers(min_value=0, max_value=200), max_size=8))
def test_text_cleaned_in_pieces_is_the_whole_text_cleaned(text: str, cuts: list[int]) -> None:
    """A sequence cut between two deltas left its tail as text ("1m" of ESC [ 3 | 1 m)."""
    edges = sorted({0, len(text), *(cut for cut in cuts if cut < len(text))})
    cleaner = StreamCleaner()
    shown = "".join(cleaner.feed(text[start:end]) for start, end in pairwise(edges))
    assert shown == clean_terminal_text(text)


def test_a_sequence_cut_between_pieces_leaves_nothing_behind() -> None:
    cleaner = StreamCleaner()
    pieces = ["File evil\x1b[3", "1mred.txt, \x1b]0;PWNED", "\x07 and \x1b", "(Bdone"]
    assert "".join(map(cleaner.feed, pieces)) == "File evilred.txt,  and done"


@given(hostile_text)
def test_clean_is_idempotent(text: str) -> None:
    once = clean_terminal_text(text)
    assert clean_terminal_text(once) == once


@given(hostile_text)
def test_one_line_is_clean_and_has_no_line_break(text: str) -> None:
    line = one_line(text)
    assert FORBIDDEN.search(line) is None
    assert "\n" not in line and "\t" not in line and line == line.strip()


def test_one_line_joins_the_words() -> None:
    assert one_line(" Title\x1b[2J\n  on\ttwo\r\nlines ") == "Title on two lines"


@given(st.text(st.characters(exclude_categories=("Cc", "Cs"))))
def test_clean_leaves_text_without_controls_alone(text: str) -> None:
    text = re.sub(r"[\u202a-\u202e\u2066-\u2069]", "", text)
    assert clean_terminal_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "\x1b[" * 500_000,
        "\x1b]" * 500_000,
        "\x1b[" + "1;" * 500_000,
        "\x1b]" + "x" * 1_000_000,
        "\x9d" * 1_000_000,
        "ok " * 350_000,
    ],
    ids=["csi-opens", "osc-opens", "csi-params", "osc-payload", "c1-osc", "plain"],
)
def test_clean_one_megabyte(text: str) -> None:
    # Finishing at all is the test: a backtracking pattern would not, on these inputs.
    cleaned = clean_terminal_text(text)
    assert "\x1b" not in cleaned
    assert FORBIDDEN.search(cleaned) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("one\rtwo\rthree\r", "one\ntwo\nthree\n"),
        ("one\r\ntwo\r\n\r\nfour", "one\ntwo\n\nfour"),
        ("mixed\n\r\r\nends", "mixed\n\n\nends"),
        ("a\x1b[31mb\x1b]0;t\x07c\x07\x9b2J\u202ed\te", "abcd\te"),
    ],
)
def test_clean_draft_turns_cr_into_line_breaks(raw: str, expected: str) -> None:
    assert clean_draft_text(raw) == expected


@given(hostile_text)
def test_clean_draft_has_no_controls_and_keeps_every_line_break(text: str) -> None:
    cleaned = clean_draft_text(text)
    assert FORBIDDEN.search(cleaned) is None
    assert clean_draft_text(cleaned) == cleaned
    if not re.search(r"[\x1b\x90-\x9f]", text):  # no sequence that could swallow a line break
        breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
        assert cleaned.count("\n") == breaks


def test_safe_text_is_never_markup() -> None:
    text = safe_text("[bold red]hi[/] [link=http://evil]x[/link]\x1b[2J", style="italic")
    assert text.plain == "[bold red]hi[/] [link=http://evil]x[/link]"
    assert text.spans == []
    assert str(text.style) == "italic"


@given(hostile_text)
def test_safe_text_plain_is_clean(text: str) -> None:
    assert safe_text(text).plain == clean_terminal_text(text)


SGR = re.compile(r"\x1b\[[0-9;]*m")


@given(hostile_text)
def test_rendered_output_has_only_sgr(text: str) -> None:
    out = io.StringIO()
    console = Console(
        file=out, record=True, force_terminal=True, color_system="truecolor", width=60
    )
    console.print(safe_text(text, style="bold"))
    rendered = out.getvalue()
    assert "\x1b]" not in rendered
    assert "\x1bP" not in rendered
    assert "\x1b" not in SGR.sub("", rendered)
    assert FORBIDDEN.search(SGR.sub("", rendered).replace("\n", "")) is None


@pytest.mark.parametrize(
    "text", ["[link=http://evil]x[/link]", "[/]", "[bold", "\\[b]x[/b]", "a\\", "[$var]"]
)
def test_escape_markup_round_trips_through_textual(text: str) -> None:
    assert to_content(escape_markup(text)).plain == text
    assert Content.from_markup(escape_markup(text)).spans == []


def test_unescaped_hostile_markup_breaks_textual() -> None:
    # Why escape_markup exists: the raw string is rejected by the parser notify() uses.
    with pytest.raises(MarkupError):
        to_content("[link=http://evil]x[/link] [/oops]")


@given(hostile_text)
def test_escape_markup_property(text: str) -> None:
    content = to_content(escape_markup(text))
    assert content.plain == clean_terminal_text(text)
    assert content.spans == []


KEY = "AIza" + "B" * 35


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"bad key {KEY}.", "bad key ***."),
        (
            f"GET /v1beta/interactions?alt=sse&key={KEY}&x=1",
            "GET /v1beta/interactions?alt=sse&key=***&x=1",
        ),
        ("https://h/p?api_key=abc123#frag", "https://h/p?api_key=***#frag"),
        ("x-goog-api-key: sekrit\nother: v", "x-goog-api-key: ***\nother: v"),
        ('{"X-Goog-Api-Key": "sekrit", "a": 1}', '{"X-Goog-Api-Key": "***", "a": 1}'),
        ("{'x-goog-api-key': 'sekrit'}", "{'x-goog-api-key': '***'}"),
        ("sorted(items, key=len)", "sorted(items, key=len)"),
        ("nothing to hide", "nothing to hide"),
    ],
)
def test_redact_shapes(raw: str, expected: str) -> None:
    assert redact_secrets(raw) == expected
    assert redact_secrets(expected) == expected


def test_redact_given_secrets_longest_first() -> None:
    text = "token hunter2-long and hunter2 and again hunter2-long"
    assert redact_secrets(text, ["hunter2", "hunter2-long", ""]) == (
        "token *** and *** and again ***"
    )


@given(st.text(), st.text(alphabet="abcdef0123456789", min_size=8, max_size=40))
def test_redact_never_leaves_a_given_secret(prefix: str, secret: str) -> None:
    redacted = redact_secrets(f"{prefix}{secret}{prefix}", [secret])
    assert secret not in redacted


def test_core_safety_does_not_import_textual() -> None:
    code = "import gemtui.core.safety, sys; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
