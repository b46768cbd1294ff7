#!/usr/bin/env python3
"""Draws the app icons (assets/icon-*.png): a violet gradient with a light
disc, like the demo pictures. Run once; the PNGs are committed."""
import struct
import zlib


def png(size, path):
    rows = []
    c = size / 2
    r = size * 0.28
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            t = (x + y) / (2 * size)
            red, green, blue = int(91 + 80 * t), int(63 + 40 * t), int(214 - 60 * t)
            if (x - c * 1.1) ** 2 + (y - c * 0.9) ** 2 < r * r:
                red, green, blue = 236, 230, 255
            row += bytes([red, green, blue, 255])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", raw))
        f.write(chunk(b"IEND", b""))


for s in (192, 512):
    png(s, f"assets/icon-{s}.png")
