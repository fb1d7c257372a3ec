"""What ``gemtui emulator --help`` lists: the prompt directives and what requests choose.

Plain text and no imports, so the command line can show it without loading the emulator. The
full grammar is in :mod:`gemtui.emulator.directives`; a test checks the two name the same
directives.
"""

EPILOG = """\
Directives in the last user message (removed before the answer echoes it):
  !fault 400|401|402|403|404|409|429|500|501|503|504[xN]
                         fail the create with that status (xN: only the first N times)
  !fault drop-after N    close a streamed answer after N events
  !fault error-event     an error event mid-stream; the interaction is failed
  !fault failed          the run fails part-way: status failed, errors[], and a
                         model_output step with an error (google.rpc.Status)
  !fault budget          the run stops part-way with status budget_exceeded
  !fault no-done         no [DONE] at the end of the stream
  !fault malformed       one event whose data is not JSON
  !fault unknown         an unknown event, step and delta type
  !fault stall MS        pause MS milliseconds mid-answer
  !fault never-complete  stay in progress until cancelled
  !queued MS             wait MS milliseconds with status queued first
  !slow MS               pause MS milliseconds between streamed deltas
  !size KB               a Markdown answer of about KB kilobytes
  !hops N                the answer arrives in N continuation hops
                         (requires_continuation; also past --hop-kb)
  !invalid-json          structured output that breaks its schema
  !not-json              structured output that does not parse

What the request chooses:
  a model name with "tts", response_format {"type": "audio"} or
  response_modalities ["audio"]      speech: a WAV tone (voice from speech_config)
  a model name with "omni" or "veo", response_format {"type": "video"} or
  response_modalities ["video"]      a video/mp4 container
  response_modalities ["document"]   an application/pdf document
  a model name with "image", or response_format {"type": "image"}
                                     a PNG (aspect_ratio, image_size shape it);
                                     thought summaries carry a draft picture
  generation_config.transcription_config, or a "transcribe" model
                                     a transcript naming the mode and languages
  service_tier "flex"                queued for a moment (streams, background runs)
  tools, function declarations, a JSON schema, agent + environment,
  background: true, previous_interaction_id, store: false
                                     their scripted answers
"""
