"""Pictures of Auditbot's messages for docs/user-guide.md, taken from the demo.

Runs `auditbot demo --out`, opens transcript.html#<message> in headless Chromium (the page then
shows that one message alone), and writes docs/images/<name>.png, trimmed to the message.

    python docs/screenshots.py            # needs chromium (Debian: apt-get install chromium)
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

from bot.demo.month import run_demo

IMAGES = Path(__file__).parent / "images"
WIDTH = 760

# (file name, words the message contains): the first such message on the page is shot. Who
# gets which case changes from run to run (the draw is random), so shots go by words, not names.
SHOTS = [
    ("import-problems", "1 problem, so nothing can be imported"),
    ("import-check", "checked: 200 new"),
    ("selection-dm", "Your case for the December 2026 audit"),
    ("redraw-form", "Ask for another case"),
    ("booking-form", "a form opens Book discussion"),
    ("booking-practitioner-dm", "I can make it"),
    ("selection-dm-booked", "Re-book"),
    ("family-contact-form", "a form opens Child and family"),
    ("family-contact-outcome", "Record how it went"),
    ("booking-reminder", "starts in an hour"),
    ("discussion-held-question", "Did the audit discussion"),
    ("audit-step-form", "Audit: step 1 of 5"),
    ("audit-final-form", "Audit: step 5 of 5"),
    ("audit-result-practitioner", "your feedback"),
    ("action-dm", "New action from"),
    ("alert-dm", "A child may be at risk now"),
    ("chasing-dm", "Book the audit discussion about"),
    ("chasing-dm-escalated", "Escalated to you"),
    ("team-digest", "stands in December 2026 (on Monday"),
    ("reaudit-dm", "Start the re-audit"),
    ("reaudit-form", "Re-audit: step 1 of 5"),
    ("tac-checkpoint-form", "TAC checkpoint"),
    ("tac-task-dm", "Summary completed"),
    ("status-reply", "reply to /audit status"),
    ("briefing-dm", "QA briefing: December 2026"),
]

_ARTICLE = re.compile(r'<article class="(?:msg|modal)" id="([^"]+)">(.*?)</article>', re.S)


def anchors(page: str) -> dict[str, str]:
    """Each shot's anchor on the page; a missing message stops the script with its name."""
    articles = [(anchor, _words(body)) for anchor, body in _ARTICLE.findall(page)]
    found = {}
    for name, words in SHOTS:
        anchor = next((a for a, text in articles if words in text), None)
        if anchor is None:
            raise SystemExit(f"{name}: no message contains {words!r}")
        found[name] = anchor
    return found


def _words(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def shoot(chromium: str, page: Path, anchor: str, target: Path) -> None:
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            # No network but the page: without these, Chromium waits on blocked connections.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--window-size={WIDTH},2400",
            f"--screenshot={target}",
            f"{page.as_uri()}#{anchor}",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    trim(target)


def trim(path: Path) -> None:
    """Cut the white page around the message, keeping a small margin."""
    image = Image.open(path).convert("RGB")
    background = Image.new("RGB", image.size, (255, 255, 255))
    box = ImageChops.difference(image, background).getbbox()
    if box:
        left, top, right, bottom = box
        margin = 8
        image = image.crop(
            (
                max(left - margin, 0),
                max(top - margin, 0),
                min(right + margin, image.width),
                min(bottom + margin, image.height),
            )
        )
    image.save(path, optimize=True)


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as out:
        run_demo(io.StringIO(), Path(out))
        page = Path(out) / "transcript.html"
        for name, anchor in anchors(page.read_text(encoding="utf-8")).items():
            shoot(chromium, page, anchor, IMAGES / f"{name}.png")
            print(f"wrote {IMAGES / name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
