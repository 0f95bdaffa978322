"""Hostile request material shared by the API's and the pages' bad-input tests."""

import io
import os
import struct
import zlib

from PIL import Image


def nested(depth):
    """A JSON array nested `depth` deep."""
    return "[" * depth + "]" * depth


class CountingStream:
    """A request body that only counts what the server reads of it."""

    def __init__(self, size):
        self.size = size
        self.read_bytes = 0

    def read(self, size=-1):
        left = self.size - self.read_bytes
        chunk = b"x" * (left if size is None or size < 0 else min(size, left))
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size)


def png_bytes(size=(64, 32)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "#336699").save(buffer, format="PNG")
    return buffer.getvalue()


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def truncated_png():
    """A PNG whose chunks are whole and checksummed but whose pixel data stops halfway: what
    Pillow's `verify()` passes and only decoding finds."""
    width = height = 64
    pixels = zlib.compress(b"".join(b"\x00" + os.urandom(3 * width) for _ in range(height)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels[: len(pixels) // 2])
        + _png_chunk(b"IEND", b"")
    )


def truncated_jpeg():
    buffer = io.BytesIO()
    Image.effect_noise((128, 128), 80).convert("RGB").save(buffer, format="JPEG")
    return buffer.getvalue()[:4000]


def upload(data, name):
    """An in-memory file the test clients send as a multipart file."""
    file = io.BytesIO(data)
    file.name = name
    return file
