"""Two turns compared: requests, aligned steps, answers."""

from __future__ import annotations

import re

from gemtui.core.conversation import ChatSettings
from gemtui.core.recording import RecordedEvent, Recording
from gemtui.core.replay import replay_instant
from gemtui.core.turn import Asked, Reply, Turn
from gemtui.core.turn_diff import Side, align_steps, diff_turns, report_text, request_of


def _turn(prompt: str, steps: list[tuple[str, str]], request: dict | None = None) -> Turn:
    """A finished turn whose steps are ``(type, text)``; each step takes one second."""
    events: list[dict] = [{"event_type": "interaction.created", "interaction": {"id": prompt}}]
    for index, (kind, text) in enumerate(steps):
        step = (
            {"type": kind, "content": [{"type": "text", "text": text}]}
            if kind == "model_output"
            else {"type": kind}
        )
        events.append({"event_type": "step.start", "index": index, "step": step})
        events.append({"event_type": "step.stop", "index": index})
    events.append(
        {
            "event_type": "interaction.completed",
            "interaction": {"id": prompt, "status": "completed"},
        }
    )
    recording = Recording(events=[RecordedEvent(n * 0.5, e) for n, e in enumerate(events)])
    reply = Reply(state=replay_instant(recording))
    reply.settle()
    return Turn(asked=Asked(prompt=prompt, request=request or {}), reply=reply)


def test_requests_differ_field_by_field_and_config_key_by_key():
    a = _turn("q", [], {"model": "m1", "input": "q", "generation_config": {"temperature": 1}})
    b = _turn("q", [], {"model": "m2", "input": "q", "generation_config": {"temperature": 0.2}})
    diff = diff_turns(Side(a, "A"), Side(b, "B"))
    assert [(d.name, d.a, d.b) for d in diff.request] == [
        ("model", "m1", "m2"),
        ("generation_config.temperature", 1, 0.2),
    ]
    assert diff.same == ["input"]


def test_a_request_not_kept_is_rebuilt_from_its_settings():
    turn = Turn(asked=Asked(prompt="hello"))
    settings = ChatSettings(
        model="m3", system_instruction="be brief", tools=[{"type": "url_context"}]
    )
    body = request_of(turn, settings)
    assert body["model"] == "m3" and body["system_instruction"] == "be brief"
    assert body["input"][-1]["content"][-1]["text"] == "hello"
    assert turn.asked.request == {}  # the turn itself is left alone


def test_steps_are_aligned_by_kind_so_one_extra_step_shifts_nothing():
    a = _turn("a", [("thought", ""), ("model_output", "x")])
    b = _turn("b", [("thought", ""), ("google_search_call", ""), ("model_output", "y")])
    pairs = diff_turns(Side(a, "A"), Side(b, "B")).steps
    assert [(p.kind, p.a is not None, p.b is not None) for p in pairs] == [
        ("thought", True, True),
        ("google_search_call", False, True),
        ("model_output", True, True),
    ]
    assert pairs[2].a.duration == 0.5 and pairs[2].a.size > 0
    assert align_steps([], []) == []


def test_the_answers_are_diffed_line_by_line_and_the_report_says_it_all():
    a = _turn("same", [("model_output", "one\ntwo\nthree")], {"model": "m", "input": "same"})
    b = _turn("same", [("model_output", "one\n2\nthree")], {"model": "m", "input": "same"})
    diff = diff_turns(Side(a, "A"), Side(b, "B"))
    assert "-two" in diff.output and "+2" in diff.output
    text = report_text(diff)
    assert "A: «same»" in text and "the same request" in text
    assert "model_output" in text and "\n-two\n" in text
    assert diff.to_json()["output_diff"] == diff.output
    assert not diff_turns(Side(a, "A"), Side(a, "B")).output


def test_model_output_in_the_report_cannot_reach_the_terminal():
    a = _turn("q", [("model_output", "plain")])
    b = _turn("q", [("model_output", "evil \x1b]52;c;aGk=\x07 text")])
    assert "\x1b" not in report_text(diff_turns(Side(a, "A"), Side(b, "B")))


def test_step_kinds_never_run_into_the_numbers():
    """``google_search_result`` filled a 20-character column and ran into its time
    (``google_search_result10.0ms``); a longer kind is cut with "…", two blanks follow."""
    kinds = ["google_search_result", "code_execution_result", "a_step_type_from_the_future_x"]
    a = _turn("a", [(kind, "") for kind in kinds])
    b = _turn("b", [(kind, "") for kind in kinds])
    lines = report_text(diff_turns(Side(a, "A"), Side(b, "B"))).splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Steps")))
    heading, *rows = lines[start : start + 1 + len(kinds)]
    for kind, row in zip(kinds, rows, strict=True):
        name, left, right = re.split(r" {2,}", row.strip())
        assert name == kind or (name.endswith("…") and kind.startswith(name[:-1])), row
        assert left == right and re.fullmatch(r"500\.0ms \d+B", left), row
        assert row.index(left) == heading.index("A") and row.rindex(right) == heading.index("B")
