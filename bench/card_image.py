"""What a chart costs a Teams card: a data URI against the signed link Touchpoint serves.

Draws two 600 x 300 bar charts as a weekly digest would show them (12 weeks of CSAT; SLA
compliance for 4 priorities x 2 targets, with a legend), each as matplotlib draws it and
reduced to 64 colours, and prints the PNG's bytes, its data URI's, and the card's with that
image as a data URI and as a link, against the budget `bot.teams.render` keeps under Teams'
~28 KB message limit.

matplotlib (with Pillow) is not a Touchpoint dependency; install it beside Touchpoint to run
this: ``pip install matplotlib && python bench/card_image.py``.
"""

from __future__ import annotations

import base64
import io

from bot.chat.message import Image, Message
from bot.teams.render import MAX_CARD_BYTES, TeamsRenderer, card_size

LINK = "https://touchpoint.example.com/images/" + "0" * 64 + ".1767225600." + "A" * 43


def charts() -> dict[str, bytes]:
    # Imported here: only this measurement needs matplotlib, which Touchpoint does not.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn = {}
    fig, ax = plt.subplots(figsize=(6, 3))
    bars = ax.bar([f"W{n}" for n in range(27, 39)],
                  [4.1, 4.3, 4.0, 4.4, 4.2, 4.5, 4.6, 4.3, 4.4, 4.7, 4.5, 4.6], color="#2E86AB")
    ax.set_ylim(0, 5)
    ax.set_ylabel("CSAT (1-5)")
    ax.set_title("CSAT by week")
    ax.bar_label(bars, fmt="%.1f", fontsize=8)
    fig.tight_layout()
    drawn["csat by week"] = _png(fig, plt)

    fig, ax = plt.subplots(figsize=(6, 3))
    positions = range(4)
    first = ax.bar([i - 0.19 for i in positions], [92, 88, 95, 97], 0.38,
                   label="first response", color="#3C8D2F")
    resolved = ax.bar([i + 0.19 for i in positions], [81, 85, 90, 94], 0.38,
                      label="resolution", color="#E4A11B")
    ax.set_xticks(list(positions), ["P1", "P2", "P3", "P4"])
    ax.set_ylim(0, 100)
    ax.set_ylabel("% within SLA")
    ax.set_title("SLA compliance by priority, week 38")
    ax.legend(loc="lower right", fontsize=8)
    ax.bar_label(first, fmt="%d%%", fontsize=8)
    ax.bar_label(resolved, fmt="%d%%", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    drawn["sla by priority"] = _png(fig, plt)
    return drawn


def _png(fig, plt) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def quantised(png: bytes) -> bytes:
    from PIL import Image as Picture  # Pillow comes with matplotlib

    buffer = io.BytesIO()
    Picture.open(io.BytesIO(png)).convert("RGB").quantize(colors=64).save(
        buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def main() -> None:
    renderer = TeamsRenderer()
    context = {"usages": ["touchpoint help"], "unknown": None}
    text_only = card_size(renderer.message_card(Message("help", context)))
    print(f"card budget {MAX_CARD_BYTES:,} bytes; the help card's text alone: {text_only:,}")
    print(f"{'chart':16} {'kind':10} {'png':>7} {'data URI':>9} {'card+URI':>9} "
          f"{'card+link':>9}")
    for name, drawn in charts().items():
        for kind, png in (("as drawn", drawn), ("64 colours", quantised(drawn))):
            uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            message = Message("help", context, image=Image(png, name))
            with_uri = card_size(renderer.message_card(message, image_url=uri))
            with_link = card_size(renderer.message_card(message, image_url=LINK))
            print(f"{name:16} {kind:10} {len(png):>7,} {len(uri):>9,} {with_uri:>9,} "
                  f"{with_link:>9,}{'  over budget' if with_uri > MAX_CARD_BYTES else ''}")


if __name__ == "__main__":
    main()
