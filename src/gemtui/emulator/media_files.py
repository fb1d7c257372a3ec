"""Tiny real media files for the emulator's audio, video and document answers.

Each is a file a player or viewer accepts, made without any library, deterministic for the
same arguments: a WAV with a sine tone (what TTS models answer with), an MP4 holding only its
``ftyp`` and ``moov``/``mvhd`` boxes (enough for a container reader to learn the brand and the
duration; it has no frames), and a PDF with one line of text per page.
"""

from __future__ import annotations

import math
import struct

from gemtui.emulator.ids import digest

#: Sample rate of the emulator's speech (the Gemini TTS models answer 24 kHz mono 16-bit PCM).
SPEECH_RATE = 24_000


def wav_tone(seed: str, seconds: float = 1.0, rate: int = SPEECH_RATE) -> bytes:
    """A mono 16-bit PCM WAV of a sine tone whose pitch depends on ``seed`` (the voice)."""
    frequency = 220 + digest("tone", seed)[0] * 2  # 220..730 Hz
    count = max(1, int(seconds * rate))
    fade = max(1, rate // 100)  # 10 ms in and out, so the tone does not click
    samples = bytearray()
    for n in range(count):
        envelope = min(1.0, n / fade, (count - 1 - n) / fade)
        value = int(12_000 * envelope * math.sin(2 * math.pi * frequency * n / rate))
        samples += struct.pack("<h", value)
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(samples),
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        1,  # mono
        rate,
        rate * 2,
        2,
        16,
        b"data",
        len(samples),
    )
    return header + bytes(samples)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def tiny_mp4(seconds: float = 2.0) -> bytes:
    """An ISO base media file: ``ftyp`` (brand isom) and a ``moov`` with an ``mvhd`` that
    says how long the movie is; no tracks."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    timescale = 1000
    mvhd = _box(
        b"mvhd",
        struct.pack(">I", 0)  # version 0, flags
        + struct.pack(">IIII", 0, 0, timescale, int(seconds * timescale))
        + struct.pack(">IH", 0x00010000, 0x0100)  # rate 1.0, volume 1.0
        + bytes(10)
        + struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
        + bytes(24)
        + struct.pack(">I", 2),  # next track id
    )
    return ftyp + _box(b"moov", mvhd)


def tiny_pdf(lines: list[str]) -> bytes:
    """A PDF 1.4 with one page per line of text (Helvetica 14 pt), with a correct xref."""
    pages = [_pdf_text(line) for line in lines] or [""]
    count = len(pages)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        (
            "<< /Type /Pages /Kids ["
            + " ".join(f"{4 + 2 * n} 0 R" for n in range(count))
            + f"] /Count {count} >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for n, text in enumerate(pages):
        stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * n} 0 R >>"
            ).encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _pdf_text(line: str) -> str:
    """``line`` as a PDF literal string body: Latin-1 only, parentheses and backslashes escaped."""
    text = line.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")[:90]
