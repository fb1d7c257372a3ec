"""A tiny PNG encoder, so the image scenario returns a real, decodable picture without Pillow."""

from __future__ import annotations

import struct
import zlib

from gemtui.emulator.ids import digest


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_rgb(width: int, height: int, pixels: bytes) -> bytes:
    """Encode ``width*height*3`` bytes of 8-bit RGB as a PNG (filter 0 on every row)."""
    row = width * 3
    raw = b"".join(b"\x00" + pixels[y * row : (y + 1) * row] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def gradient_png(seed: str, size: int = 64, height: int | None = None) -> bytes:
    """A diagonal two-colour gradient whose colours depend on ``seed`` (the prompt);
    ``size`` pixels wide and ``height`` (default: as many) high."""
    key = digest("png", seed)
    start, end = key[0:3], key[3:6]
    rows = size if height is None else max(1, height)
    span = max(1, size + rows - 2)
    pixels = bytearray()
    for y in range(rows):
        for x in range(size):
            t = (x + y) / span
            pixels.extend(int(a + (b - a) * t) for a, b in zip(start, end, strict=True))
    return encode_rgb(size, rows, bytes(pixels))
