"""The one exception type for input the toolkit refuses, with a kind from a fixed list."""

from __future__ import annotations

import os

# Each kind is a documented reason a file cannot be converted.
KINDS = {
    "empty": "the file is empty",
    "corrupt": "the file is damaged or truncated",
    "encrypted": "the file is password-protected",
    "unsupported": "the format is not one the toolkit reads",
    "not_a_report": "the document holds no annual-report table",
    "too_large": "the file breaks a size limit",
    "timeout": "the conversion took longer than the time limit",
    "conversion_failed": "an external converter failed",
    "unreadable": "the file could not be read",
}


class ReportError(Exception):
    """A file the toolkit cannot convert; ``str()`` is the one-line reason."""

    def __init__(self, kind: str, reason: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown error kind {kind!r}")
        super().__init__(reason)
        self.kind = kind
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (ReportError, (self.kind, self.reason))

    def line(self, path: str) -> str:
        """The one-line message for stderr: file, kind, reason."""
        return f"error: {printable_path(path)}: {self.kind}: {self.reason}"


def printable_path(path: str) -> str:
    """A path as one line of valid text: undecodable bytes and control characters escaped."""
    text = os.fsencode(path).decode("utf-8", errors="backslashreplace")
    if any(ch in text for ch in "\n\r\t\x0b\x0c"):
        text = text.encode("unicode_escape").decode("ascii")
    return text
