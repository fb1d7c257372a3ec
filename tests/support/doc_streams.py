"""The wire reference's section 5.5 example streams, as the raw SSE data lines."""

#: "Text with thinking" (DOC-stream, gemini-3.7-flash), one data payload per event.
DOC_STREAM_TEXT_WITH_THINKING = [
    '{"interaction":{"id":"v1_...","status":"in_progress","object":"interaction",'
    '"model":"gemini-3.7-flash"},"event_type":"interaction.created"}',
    '{"interaction_id":"v1_...","status":"in_progress","event_type":"interaction.status_update"}',
    '{"index":0,"step":{"type":"thought"},"event_type":"step.start"}',
    '{"index":0,"delta":{"signature":"...","type":"thought_signature"},"event_type":"step.delta"}',
    '{"index":0,"event_type":"step.stop"}',
    '{"index":1,"step":{"type":"model_output"},"event_type":"step.start"}',
    '{"index":1,"delta":{"text":"1, 2, 3, 4, 5, 6, ","type":"text"},"event_type":"step.delta"}',
    '{"index":1,"event_type":"step.stop"}',
    '{"interaction":{"id":"v1_...","status":"completed","usage":{"total_tokens":346,'
    '"total_input_tokens":11,"input_tokens_by_modality":[{"modality":"text","tokens":11}],'
    '"total_cached_tokens":0,"total_output_tokens":90,"total_tool_use_tokens":0,'
    '"total_thought_tokens":245},"created":"2026-05-12T18:44:51Z","updated":"2026-05-12T18:44:51Z",'
    '"service_tier":"standard","object":"interaction","model":"gemini-3.7-flash"},'
    '"event_type":"interaction.completed"}',
]
