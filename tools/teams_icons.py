"""Draw the Teams app icons into bot/teams/icons/: run again after changing the app's colour.

    .venv/bin/python tools/teams_icons.py

Teams wants a 192x192 colour icon and a 32x32 outline icon (white on transparent). Both show
a speech bubble with a tick cut out of it, drawn from simple shapes with 4x4 supersampling
and written as RGBA PNGs with zlib and struct alone.
"""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from bot.chat.templates import templates_for

ICONS_DIR = Path(__file__).resolve().parents[1] / "bot" / "teams" / "icons"
SAMPLES = 4
WHITE = (255, 255, 255)

Shape = Callable[[float, float], bool]


def _rounded_rect(cx: float, cy: float, half_w: float, half_h: float, radius: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        dx = max(abs(x - cx) - (half_w - radius), 0.0)
        dy = max(abs(y - cy) - (half_h - radius), 0.0)
        return math.hypot(dx, dy) <= radius

    return inside


def _triangle(a: tuple[float, float], b: tuple[float, float],
              c: tuple[float, float]) -> Shape:
    def side(p: tuple[float, float], q: tuple[float, float], x: float, y: float) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    def inside(x: float, y: float) -> bool:
        signs = (side(a, b, x, y), side(b, c, x, y), side(c, a, x, y))
        return all(s >= 0 for s in signs) or all(s <= 0 for s in signs)

    return inside


def _stroke(points: list[tuple[float, float]], half_width: float) -> Shape:
    def distance(p: tuple[float, float], q: tuple[float, float], x: float, y: float) -> float:
        vx, vy = q[0] - p[0], q[1] - p[1]
        t = max(0.0, min(1.0, ((x - p[0]) * vx + (y - p[1]) * vy) / (vx * vx + vy * vy)))
        return math.hypot(x - p[0] - t * vx, y - p[1] - t * vy)

    def inside(x: float, y: float) -> bool:
        return any(distance(p, q, x, y) <= half_width for p, q in itertools.pairwise(points))

    return inside


def glyph() -> Shape:
    """The bubble and its tail, less the tick, in a unit square (y grows downwards)."""
    bubble = _rounded_rect(0.5, 0.42, 0.40, 0.30, 0.14)
    tail = _triangle((0.26, 0.66), (0.46, 0.66), (0.22, 0.90))
    tick = _stroke([(0.31, 0.43), (0.45, 0.56), (0.70, 0.30)], 0.055)
    return lambda x, y: (bubble(x, y) or tail(x, y)) and not tick(x, y)


def coverage(shape: Shape, size: int, margin: float) -> list[list[float]]:
    """How much of each pixel the shape covers, with the shape inside `margin` of the edges."""
    scale = 1.0 - 2 * margin
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            hits = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    u = (px + (sx + 0.5) / SAMPLES) / size
                    v = (py + (sy + 0.5) / SAMPLES) / size
                    hits += shape((u - margin) / scale, (v - margin) / scale)
            row.append(hits / SAMPLES**2)
        rows.append(row)
    return rows


def png(pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An 8-bit RGBA PNG of the rows of pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    height, width = len(pixels), len(pixels[0])
    # Each scanline starts with its filter type, 0 (none).
    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel)
                   for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def color_icon(accent: tuple[int, int, int]) -> bytes:
    """192x192: the white glyph on the app's colour, inside Teams' safe area."""
    def blend(cover: float) -> tuple[int, int, int, int]:
        r, g, b = (round(a + (w - a) * cover) for a, w in zip(accent, WHITE, strict=True))
        return (r, g, b, 255)

    return png([[blend(c) for c in row] for row in coverage(glyph(), 192, 0.2)])


def outline_icon() -> bytes:
    """32x32: the glyph in white on transparent."""
    return png([[(*WHITE, round(255 * c)) for c in row] for row in coverage(glyph(), 32, 0.04)])


def accent_color() -> tuple[int, int, int]:
    value = templates_for("teams").render_block("manifest/app", "accent_color", {})
    return tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def main() -> None:
    ICONS_DIR.mkdir(parents=True, exist_ok=True)
    (ICONS_DIR / "color.png").write_bytes(color_icon(accent_color()))
    (ICONS_DIR / "outline.png").write_bytes(outline_icon())
    print(f"wrote color.png and outline.png in {ICONS_DIR}")


if __name__ == "__main__":
    main()
