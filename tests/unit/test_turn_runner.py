"""The turn runner on its own (no Textual), against the loopback emulator: every outcome, tool
rounds approved and denied, a background run, a replay, an interaction opened by id, a chain the
server lost, and the history written through one sink."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.sinks import RecordingSink

from gemtui.api.client import InteractionsClient
from gemtui.api.models import Interaction
from gemtui.core.chat_history import ChatHistory
from gemtui.core.conversation import ChatSettings, Conversation
from gemtui.core.jobs import PollPolicy, poll_until_settled
from gemtui.core.recording import parse_recording
from gemtui.core.store import Store, StoreError
from gemtui.core.tools import FunctionTool, ToolCall
from gemtui.core.turn import Asked, Turn
from gemtui.core.turn_runner import TurnRunner

FIXTURES = Path(__file__).parent.parent / "fixtures"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
}


@pytest.fixture
async def client(emulator, api_key) -> AsyncIterator[InteractionsClient]:
    async with InteractionsClient(api_key=api_key, base_url=emulator.base_url) as opened:
        yield opened


def runner_for(
    client: InteractionsClient,
    conversation: Conversation | None = None,
    *,
    history: ChatHistory | None = None,
    tools: dict[str, FunctionTool] | None = None,
    approve=None,
) -> tuple[TurnRunner, RecordingSink]:
    sink = RecordingSink()
    runner = TurnRunner(
        conversation or Conversation(),
        client=lambda: client,
        sink=sink,
        history=history or ChatHistory(None),
        tools=lambda: tools or {},
        approve=approve,
    )
    return runner, sink


def weather_tool(tmp_path: Path) -> FunctionTool:
    script = tmp_path / "weather.py"
    script.write_text("import json, sys\nprint(json.dumps({'temp': 21, **json.load(sys.stdin)}))\n")
    return FunctionTool(name="get_weather", command=[sys.executable, str(script)])


async def test_a_completed_turn_reports_in_order_and_ends_once(client):
    runner, sink = runner_for(client)
    turn = await runner.send(Asked(prompt="Hello there"))
    assert turn.reply.outcome == "completed"
    assert sink.names() == [
        "turn_started", "request_sent", "request_accepted", "turn_changed", "turn_ended"
    ]  # fmt: skip
    assert {turn_ for _name, turn_ in sink.calls if turn_ is not None} == {turn}
    assert turn.reply.timings is not None and turn.reply.timings.total_s is not None
    assert [change.kind for change in sink.changes][-1] == "completed"


@pytest.mark.parametrize(
    ("prompt", "generation", "outcome", "error"),
    [
        ("!fault drop-after 6 a long story", {}, "interrupted", "StreamInterrupted"),
        ("!fault 400 nope", {}, "failed", "InvalidRequestError"),
        ("!fault error-event hello", {}, "failed", None),
        ("a long answer please", {"max_output_tokens": 5}, "incomplete", None),
    ],
    ids=["interrupted", "refused", "error-event", "incomplete"],
)
async def test_each_way_a_turn_can_end(client, prompt, generation, outcome, error):
    conversation = Conversation(settings=ChatSettings(generation_config=generation))
    runner, sink = runner_for(client, conversation)
    turn = await runner.send(Asked(prompt=prompt))
    assert turn.reply.outcome == outcome
    assert type(turn.reply.error).__name__ == error if error else turn.reply.error is None
    assert sink.names()[0] == "turn_started" and sink.names()[-1] == "turn_ended"
    # Only a turn the server stored and finished is chained onto.
    assert conversation.previous_interaction_id == (
        turn.interaction_id if outcome == "incomplete" else None
    )


async def test_a_cancelled_turn_ends_as_cancelled_and_keeps_what_came(client):
    runner, sink = runner_for(client)
    task = asyncio.create_task(runner.send(Asked(prompt="!slow 50 tell me a story")))
    await sink.first_change.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (turn,) = runner.conversation.turns
    assert turn.reply.outcome == "cancelled"
    assert turn.status == "cancelled"  # not the stream's last "in_progress"
    assert sink.names()[-1] == "turn_ended"
    assert turn.reply.state.events


async def test_tool_rounds_run_approved_calls_until_the_model_answers(client, tmp_path):
    asked: list[list[ToolCall]] = []

    async def approve(calls: list[ToolCall]) -> list[bool]:
        asked.append(calls)
        return [True] * len(calls)

    conversation = Conversation(settings=ChatSettings(tools=[WEATHER]))
    tool = weather_tool(tmp_path)
    runner, sink = runner_for(client, conversation, tools={"get_weather": tool}, approve=approve)
    last = await runner.send(Asked(prompt="What is the weather in Paris?"))
    first, results = conversation.turns
    assert first.reply.outcome == "requires_action"
    assert results is last and last.reply.outcome == "completed"
    assert results.asked.kind == "results" and not results.asked.prompt
    (result,) = results.asked.results
    assert result["name"] == "get_weather" and result["result"]["temp"] == 21
    assert [call.name for call in asked[0]] == ["get_weather"]
    assert sink.tools_run == ["get_weather"]
    # The results turn chained onto the call's interaction.
    assert results.asked.request["previous_interaction_id"] == first.interaction_id


async def test_denied_calls_are_answered_as_denied_and_nothing_runs(client, tmp_path):
    async def deny(calls: list[ToolCall]) -> list[bool]:
        return [False] * len(calls)

    conversation = Conversation(settings=ChatSettings(tools=[WEATHER]))
    runner, sink = runner_for(
        client, conversation, tools={"get_weather": weather_tool(tmp_path)}, approve=deny
    )
    await runner.send(Asked(prompt="What is the weather in Oslo?"))
    (result,) = conversation.turns[-1].asked.results
    assert result["is_error"] and "denied" in result["result"]
    assert sink.tools_run == []


async def test_without_an_approval_the_calls_stay_open_for_the_next_prompt(client):
    async def stop(calls: list[ToolCall]) -> None:
        return None

    conversation = Conversation(settings=ChatSettings(tools=[WEATHER]))
    runner, _sink = runner_for(client, conversation, approve=stop)
    turn = await runner.send(Asked(prompt="What is the weather in Rome?"))
    assert turn.reply.outcome == "requires_action" and len(conversation.turns) == 1
    conversation.settings.tools = []
    after = await runner.send(Asked(prompt="never mind"))
    closing, prompt = after.asked.request["input"]
    assert closing["type"] == "function_result" and closing["is_error"]
    assert prompt["type"] == "user_input"


async def test_a_background_run_is_created_then_opened_when_it_is_done(client):
    runner, _sink = runner_for(client)
    turn, interaction = await runner.start_background(Asked(prompt="slowly, about tides"))
    assert interaction.status == "in_progress" and interaction.id
    assert turn.asked.request["background"] is True
    assert runner.conversation.turns == []  # a run is a turn once it is opened
    opened = await runner.open(interaction.id, wait=True)
    assert opened.reply.outcome == "completed"
    assert opened.asked.kind == "opened" and opened.asked.prompt == "slowly, about tides"
    assert runner.conversation.previous_interaction_id == interaction.id


async def test_a_stateless_chat_cannot_start_a_background_run(client):
    runner, _sink = runner_for(client, Conversation(settings=ChatSettings(stateful=False)))
    with pytest.raises(ValueError, match="stored"):
        await runner.start_background(Asked(prompt="x"))


async def test_a_replay_is_a_turn_that_runs_nothing_again(client):
    recording = parse_recording((FIXTURES / "function_call.jsonl").open())
    runner, sink = runner_for(client)
    turn = await runner.replay(recording)
    assert turn.asked.kind == "replayed" and turn.reply.outcome == "requires_action"
    assert len(turn.reply.state.events) == len(recording.events)
    assert "does not run them" in sink.notices[-1].text


async def test_an_interaction_opened_by_id_is_a_turn_to_go_on_from(client):
    first, _ = runner_for(client)
    original = await first.send(Asked(prompt="Remember the word teal"))
    runner, _sink = runner_for(client)
    opened = await runner.open(original.interaction_id or "")
    assert opened.asked.prompt == "Remember the word teal"
    assert opened.reply.outcome == "completed"
    follow_up = await runner.send(Asked(prompt="Which word?"))
    assert follow_up.asked.request["previous_interaction_id"] == original.interaction_id


async def test_a_chain_the_server_does_not_know_is_resent_from_its_steps(client):
    """A recording from another server ends the chat on an interaction this server never saw:
    the follow-up is sent once with the history instead, and said so once."""
    recording = parse_recording((FIXTURES / "doc_text_with_thinking.jsonl").open())
    runner, sink = runner_for(client)
    replayed = await runner.replay(recording)
    assert runner.conversation.previous_interaction_id == replayed.interaction_id
    follow_up = await runner.send(Asked(prompt="hello"))
    assert follow_up.reply.outcome == "completed"
    request = follow_up.asked.request
    assert "previous_interaction_id" not in request
    assert [step["type"] for step in request["input"]][-1] == "user_input"
    assert len(request["input"]) > 1  # the replayed turn's steps went with it
    assert [n.text for n in sink.notices if "does not know" in n.text]
    again = await runner.send(Asked(prompt="and again"))
    assert again.asked.request["previous_interaction_id"] == follow_up.interaction_id
    assert len([n for n in sink.notices if "does not know" in n.text]) == 1


async def test_every_turn_is_written_through_the_history_sink(client, tmp_path):
    store = Store(tmp_path / "history.sqlite3")
    history = ChatHistory(store)
    conversation = Conversation()
    runner, _sink = runner_for(client, conversation, history=history)
    first = await runner.send(Asked(prompt="one"))
    second = await runner.send(Asked(prompt="two"))
    stored = store.load_turns(history.conversation_id or 0)
    assert [(s.id, s.parent_turn_id) for s in stored] == [
        (first.stored.turn_id, None),
        (second.stored.turn_id, first.stored.turn_id),
    ]
    assert [s.interaction_id for s in stored] == [first.interaction_id, second.interaction_id]
    store.close()


async def test_a_history_that_fails_is_said_once_and_the_chat_goes_on(client, tmp_path):
    store = Store(tmp_path / "history.sqlite3")
    failures: list[StoreError] = []
    history = ChatHistory(store, failures.append)
    runner, _sink = runner_for(client, history=history)
    store.close()  # every write fails from now on
    first = await runner.send(Asked(prompt="one"))
    second = await runner.send(Asked(prompt="two"))
    assert (first.reply.outcome, second.reply.outcome) == ("completed", "completed")
    assert len(failures) == 1 and history.store is None


async def test_a_stateless_request_reads_the_older_turns_first(client, tmp_path):
    store = Store(tmp_path / "history.sqlite3")
    history = ChatHistory(store)
    writer, _ = runner_for(client, Conversation(), history=history)
    for prompt in ("one", "two", "three"):
        await writer.send(Asked(prompt=prompt))
    reader = ChatHistory(store)
    opened = reader.open(history.conversation_id or 0, batch=1).conversation
    opened.settings.stateful = False
    runner, sink = runner_for(client, opened, history=reader)
    turn = await runner.send(Asked(prompt="four"))
    assert [t.asked.prompt for t in sink.loaded] == ["one", "two"]
    sent = [s for s in turn.asked.request["input"] if s["type"] == "user_input"]
    assert [s["content"][-1]["text"] for s in sent] == ["one", "two", "three", "four"]
    assert sink.names().index("turns_loaded") < sink.names().index("turn_started")
    store.close()


def test_turn_parts_are_kept_apart():
    turn = Turn(Asked(prompt="hi"))
    assert (turn.asked.prompt, turn.reply.outcome, turn.stored) == ("hi", "pending", None)
    turn.reply.state.interaction = Interaction(id="v1_x", status="in_progress")
    assert turn.interaction_id == "v1_x" and turn.status == "in_progress"
    turn.reply.outcome = "interrupted"
    assert turn.status == "interrupted"


@pytest.mark.parametrize("stateful", [True, False], ids=["stored", "store-false"])
async def test_an_answer_in_hops_is_one_turn_with_every_hop(client, stateful):
    whole_runner, _ = runner_for(client)
    whole = await whole_runner.send(Asked(prompt="tell me about owls"))
    conversation = Conversation(settings=ChatSettings(stateful=stateful))
    runner, sink = runner_for(client, conversation)
    turn = await runner.send(Asked(prompt="tell me about owls !hops 3"))
    assert turn.reply.outcome == "completed" and len(conversation.turns) == 1
    assert len(turn.reply.hops) == 3 and turn.interaction_id == turn.reply.hops[-1]
    assert output_text(turn) == output_text(whole)
    assert sink.names().count("turn_ended") == 1
    # Usage is the hops' sum; the conversation goes on from the last hop (stored chats).
    hop_outputs = [
        r.event.interaction.usage.total_output_tokens
        for r in turn.reply.state.events
        if r.event_type == "interaction.completed"
    ]
    assert turn.usage.total_output_tokens == sum(hop_outputs)
    # Per modality, the same sums (the first hop's count was once added to itself).
    by_modality = turn.usage.input_tokens_by_modality or []
    assert sum(item.tokens or 0 for item in by_modality) == turn.usage.total_input_tokens
    assert conversation.previous_interaction_id == (turn.reply.hops[-1] if stateful else None)
    follow_up = await runner.send(Asked(prompt="and bats?"))
    if stateful:
        assert follow_up.asked.request["previous_interaction_id"] == turn.reply.hops[-1]
    else:
        outputs = [s for s in follow_up.asked.request["input"] if s["type"] == "model_output"]
        assert len(outputs) == 3  # the hops' outputs, resent as the server sent them


def output_text(turn: Turn) -> str:
    return "".join(
        block.text
        for state in turn.reply.state.steps
        if state.step.type == "model_output"
        for block in state.step.content or ()
    )


async def test_with_continuation_off_the_turn_stops_and_can_be_continued(client):
    conversation = Conversation(settings=ChatSettings(auto_continue=False))
    runner, sink = runner_for(client, conversation)
    turn = await runner.send(Asked(prompt="tell me about owls !hops 2"))
    assert turn.reply.state.status == "requires_continuation"
    assert turn.reply.outcome == "incomplete" and runner.can_resume(turn)
    resumed = await runner.resume(turn)
    assert resumed is turn and turn.reply.outcome == "completed"
    assert len(turn.reply.hops) == 2 and len(conversation.turns) == 1
    names = sink.names()
    assert names[names.index("turn_resumed") :] == [
        "turn_resumed", "request_accepted", "turn_changed", "turn_ended"
    ]  # fmt: skip


async def test_a_cut_stream_resumes_in_the_same_turn_from_the_last_event(client, tmp_path):
    store = Store(tmp_path / "history.sqlite3")
    runner, _sink = runner_for(client, history=ChatHistory(store))
    whole, _ = runner_for(client)
    expected = output_text(await whole.send(Asked(prompt="a story")))
    turn = await runner.send(Asked(prompt="!fault drop-after 6 a story"))
    assert turn.reply.outcome == "interrupted" and runner.can_resume(turn)
    events = len(turn.reply.state.events)
    await runner.resume(turn)
    assert turn.reply.outcome == "completed" and output_text(turn) == expected
    assert len(runner.conversation.turns) == 1 and len(turn.reply.state.events) > events
    (stored,) = store.load_turns(runner.history.conversation_id or 0)
    assert stored.turn.reply.outcome == "completed" and output_text(stored.turn) == expected
    store.close()


async def test_a_stream_the_server_cannot_resume_is_sent_again(client):
    runner, sink = runner_for(client)
    turn = await runner.send(Asked(prompt="!fault drop-after 6 a story"))
    assert runner.can_resume(turn)
    await client.delete(turn.interaction_id or "")  # the server no longer has it
    again = await runner.resume(turn)
    # A new turn with the same prompt (whose fault directive cuts it off again).
    assert runner.conversation.turns == [turn, again]
    assert again.asked.prompt == turn.asked.prompt and turn.reply.outcome == "interrupted"
    assert "could not be resumed" in sink.notices[-1].text


async def test_deep_research_runs_in_the_background_and_streams_into_the_turn(client):
    conversation = Conversation(settings=ChatSettings(agent="deep-research-pro-preview-12-2025"))
    runner, _sink = runner_for(client, conversation)
    turn = await runner.send(Asked(prompt="the history of TPUs"))
    assert turn.asked.request["background"] is True
    assert turn.reply.outcome == "completed"
    types = [state.step.type for state in turn.reply.state.steps]
    assert types[0] == "thought" and types.count("google_search_call") == 3
    report = turn.reply.state.steps[-1].step
    assert report.type == "model_output"
    assert any(getattr(item, "annotations", None) for item in report.content)  # cited sources


async def test_a_foreground_deep_research_request_is_refused_by_the_emulator(client):
    from gemtui.api.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="background"):
        await client.create(
            {"agent": "deep-research-pro-preview-12-2025", "input": "x", "environment": "remote"}
        )


async def test_cancelling_a_background_turn_cancels_the_run_at_the_server(client):
    conversation = Conversation(settings=ChatSettings(agent="deep-research-pro-preview-12-2025"))
    runner, sink = runner_for(client, conversation)
    task = asyncio.create_task(runner.send(Asked(prompt="!slow 200 the history of TPUs")))
    await sink.first_change.wait()  # interaction.created: the run exists at the server
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (turn,) = runner.conversation.turns
    assert turn.interaction_id and turn.reply.outcome == "cancelled"
    fetched = await poll_until_settled(
        lambda: client.get(turn.interaction_id or ""), PollPolicy(first=0.01, ceiling=0.05)
    )
    assert fetched.status == "cancelled"


async def test_a_refused_continuation_is_never_asked_for_again(emulator_factory, tmp_path, api_key):
    """A server restarted between hops no longer knows the token: the hop is refused, and F5
    asked with the same token again, forever and without a word."""
    persist = tmp_path / "emulator.sqlite3"
    first = emulator_factory(persist=persist)
    conversation = Conversation(settings=ChatSettings(auto_continue=False))
    clients: list[InteractionsClient] = []

    async with InteractionsClient(api_key=api_key, base_url=first.base_url) as before:
        clients.append(before)
        # The same chat goes on with the restarted server's client.
        runner = TurnRunner(
            conversation,
            client=lambda: clients[-1],
            sink=RecordingSink(),
            history=ChatHistory(None),
        )
        turn = await runner.send(Asked(prompt="tell me about owls !hops 3"))
        assert turn.reply.outcome == "incomplete" and runner.can_resume(turn)
        first.stop()
        again = emulator_factory(persist=persist)  # the interactions, not the tokens
        async with InteractionsClient(api_key=api_key, base_url=again.base_url) as after:
            clients.append(after)
            await runner.resume(turn)
    assert turn.reply.outcome == "failed" and len(conversation.turns) == 1
    assert str(turn.reply.error).startswith("The answer's next part was refused (HTTP 400")
    assert "F5 sends the prompt again" in turn.reply.error.hint
    assert not runner.can_resume(turn) and output_text(turn)  # the part so far is kept
