"""PNGs made in the tests with zlib alone: a bar chart like the digest's, and noise.

`bar_chart` draws flat bars, axes and grid lines on white at 600 x 300, the size and kind of
picture a weekly digest posts; `noise` is random pixels, which do not compress, for the
limits.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Sequence

WHITE, GREY, AXIS = (255, 255, 255), (225, 225, 225), (40, 40, 40)
COLOURS = ((46, 134, 171), (228, 161, 27))


def png(width: int, height: int, rows: Sequence[bytes]) -> bytes:
    """An 8-bit RGB PNG from `height` rows of `width` * 3 bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def bar_chart(values: Sequence[float] = (4.1, 4.3, 4.0, 4.4, 4.2, 4.5, 4.6, 4.3, 4.4, 4.7,
                                          4.5, 4.6),
              width: int = 600, height: int = 300, top: float = 5.0) -> bytes:
    """Bars for `values` on a 0..`top` scale, with an axis and five grid lines."""
    left, bottom, plot_top = 40, height - 30, 20
    pixels = [[WHITE] * width for _ in range(height)]
    for step in range(1, 6):
        y = bottom - (bottom - plot_top) * step // 5
        pixels[y][left:width - 10] = [GREY] * (width - 10 - left)
    slot = (width - 10 - left) // len(values)
    for index, value in enumerate(values):
        x0 = left + index * slot + slot // 6
        bar_top = bottom - int((bottom - plot_top) * value / top)
        colour = COLOURS[index % len(COLOURS)]
        for y in range(bar_top, bottom):
            pixels[y][x0:x0 + slot * 2 // 3] = [colour] * (slot * 2 // 3)
    for y in range(plot_top, bottom + 1):
        pixels[y][left] = AXIS
    pixels[bottom][left:width - 10] = [AXIS] * (width - 10 - left)
    return png(width, height, [bytes(c for pixel in row for c in pixel) for row in pixels])


def noise(width: int, height: int, seed: int = 12) -> bytes:
    """Random pixels: about 3 bytes a pixel however hard zlib tries."""
    rng = random.Random(seed)
    return png(width, height, [rng.randbytes(width * 3) for _ in range(height)])
