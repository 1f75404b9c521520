"""A plain-text progress line on stderr: files done, failed, skipped, files/s and ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def eta_text(seconds: float | None) -> str:
    """H:MM:SS, or ? when unknown."""
    if seconds is None:
        return "?"
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """Counts outcomes and redraws one status line (a fresh line every few seconds when not a terminal)."""

    def __init__(self, total: int, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.total = total
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.ok = self.failed = self.skipped = 0
        self.start = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False
        self.last_line = ""

    @property
    def done(self) -> int:
        return self.ok + self.failed + self.skipped

    def rate(self) -> float:
        """Files converted (or failed) per second in this run, skipped files not counted."""
        elapsed = time.monotonic() - self.start
        return (self.ok + self.failed) / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        """The status text."""
        rate = self.rate()
        left = self.total - self.done
        eta = left / rate if rate > 0 else (0.0 if left == 0 else None)
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} files, "
            f"{self.ok} converted, {self.failed} failed, {self.skipped} already done, "
            f"{rate:.2f} files/s, ETA {eta_text(eta)}"
        )

    def draw(self, force: bool = False) -> None:
        """Redraw at most 5 times a second on a terminal, every 5 s otherwise."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last_draw < (0.2 if self.tty else 5.0):
            return
        self.last_draw = now
        text = self.line()
        if self.tty:
            self.stream.write("\r\x1b[K" + text)
        elif text != self.last_line:
            self.stream.write(text + "\n")
        self.last_line = text
        self.stream.flush()
        self.drawn = True

    def message(self, text: str) -> None:
        """Print a line (an error) without garbling the status line."""
        if self.tty and self.drawn and self.enabled:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()
        self.last_draw = 0.0 if self.tty else self.last_draw

    def finish(self) -> None:
        """Draw the final status and end the line."""
        if not self.enabled:
            return
        self.draw(force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
