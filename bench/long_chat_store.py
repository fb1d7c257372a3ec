"""The history store with a long conversation: writing it step by step, opening it, paging back,
searching it.

Builds one conversation of N turns (500 by default) the way the stream worker writes them: per
turn a prompt, a thought, a search call and result, and a 2.5 KB Markdown answer, each step
upserted on its own (one transaction per step, as at ``step.stop``). Then times, median of
several runs, on a fresh connection:

* open: ``Store(path)`` (connect, pragmas, schema check);
* last screen: ``ChatHistory.open(cid, batch=50)`` (what the TUI shows at once);
* page back: ``load_turns(cid, before_ordinal=..., limit=50)`` (one scroll-up load);
* resume stateless: ``load_turns(cid, limit=None)`` of the same turns saved as stateless (the whole
  history is rebuilt, since it is resent);
* search: a word in every answer, and a word in one prompt;
* search in a long answer: one 1 MB answer holding the searched word 20 000 times (a long
  report's "the"), in a history of its own, typed letter by letter as the history search
  runs it: "t", "th", "the" (FTS5's snippet() grew with the square of the hits: seconds).

Budget (issue 8): opening a 500-turn conversation shows the last screen at once, so
"last screen" should stay well under 100 ms and flat in N.

Run: ``python bench/long_chat_store.py [--turns 500]`` (a few seconds).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import median_time, print_table, verdict

from gemtui.api.models import parse_step
from gemtui.core.assembler import StepState
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings
from gemtui.core.store import Store
from gemtui.core.turn import Asked, Turn

ANSWER = ("## Heading\n\nSome **Markdown** text with a list:\n\n- one\n- two\n\n" * 30)[:2500]


def build(store: Store, turns: int, stateful: bool) -> tuple[int, float]:
    """One conversation of ``turns`` turns; returns its id and the mean seconds per step write."""
    settings = ChatSettings(stateful=stateful)
    cid = store.create_conversation(settings)
    writes, spent = 0, 0.0
    parent = None
    for n in range(turns):
        turn = Turn(Asked(f"question {n} about tides"))
        turn_id = parent = store.start_turn(cid, turn, settings, parent_turn_id=parent)
        steps = [
            {"type": "thought", "summary": [{"type": "text", "text": f"thinking {n}"}],
             "signature": "c2lnbmF0dXJl" * 20},
            {"type": "google_search_call", "id": f"c{n}", "arguments": {"queries": [f"q{n}"]}},
            {"type": "google_search_result", "call_id": f"c{n}",
             "result": [{"search_suggestions": "<div>chips</div>" * 20}]},
            {"type": "model_output", "content": [{"type": "text", "text": f"{ANSWER} {n}"}]},
        ]  # fmt: skip
        for position, wire in enumerate(steps):
            step = StepState(index=position, started_at=0.0, done=True, _model=parse_step(wire))
            started = time.perf_counter()
            store.record_step(turn_id, step, position)
            spent += time.perf_counter() - started
            writes += 1
        store.finish_turn(turn_id, "completed", interaction_id=f"v1_{cid}_{n}")
    return cid, spent / writes


LONG_ANSWER = ("the tide turns twice a day and sailors watch " * 20_000)[:1_000_000]


def long_answer_search(folder: Path) -> float:
    """Seconds to run the history search for "t", "th" and "the" over one long answer."""
    with Store(folder / "long.sqlite3") as store:
        cid = store.create_conversation(ChatSettings())
        turn_id = store.start_turn(
            cid, Turn(Asked("a report")), ChatSettings(), parent_turn_id=None
        )
        wire = {"type": "model_output", "content": [{"type": "text", "text": LONG_ANSWER}]}
        step = StepState(index=0, started_at=0.0, done=True, _model=parse_step(wire))
        store.record_step(turn_id, step, 0)
        store.finish_turn(turn_id, "completed")
        return median_time(lambda: [store.search(typed) for typed in ("t", "th", "the")], runs=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        with Store(path) as store:
            stateful_id, per_step = build(store, args.turns, stateful=True)
            stateless_id, _ = build(store, args.turns, stateful=False)
        size_mb = sum(p.stat().st_size for p in path.parent.glob("history.sqlite3*")) / 1e6
        with Store(path) as store:
            before = store.load_turns(stateful_id, limit=50)[0].ordinal
            screen = median_time(lambda: ChatHistory(store).open(stateful_id, batch=50))
            figures = {
                "write one step (mean)": per_step,
                "open the store": median_time(lambda: Store(path).close()),
                f"last screen of {args.turns} turns": screen,
                "page back 50 turns": median_time(lambda: store.load_turns(stateful_id, before)),
                "resume stateless (whole history)": median_time(
                    lambda: store.load_turns(stateless_id, limit=None)
                ),
                "search a common word": median_time(lambda: store.search("markdown")),
                "search a rare prompt": median_time(lambda: store.search("question 250")),
            }
        figures["search in a 1 MB answer, t/th/the"] = long_answer_search(Path(folder))
        rows = [(name, f"{value * 1000:.2f} ms", "") for name, value in figures.items()]
        rows[2] = (*rows[2][:2], verdict(screen < 0.1))
        print_table(
            f"History store, {args.turns} turns x 4 steps, file {size_mb:.1f} MB",
            ("what", "median", "budget"),
            rows,
        )


if __name__ == "__main__":
    main()
