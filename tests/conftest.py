"""Shared test helpers: where the shared data is, and how a report is compared with its truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from samples.scoring import ROOT, SHARED, failing_rules, silent_errors, table_fields, table_mismatches

__all__ = [
    "ROOT",
    "SHARED",
    "SHARED_MISSING",
    "need_shared",
    "failing_rules",
    "silent_errors",
    "table_fields",
    "table_mismatches",
]

SHARED_MISSING = (
    f"the shared reports are not at {SHARED} (lay ../shared beside the checkout, as CI does, "
    "or set GOVREPORT_SHARED to its folder)"
)


def need_shared() -> Path:
    """The shared folder; the calling test or fixture is skipped with SHARED_MISSING when it is not there (a
    glob of a missing folder finds nothing, and the test would fail on an empty list)."""
    if not SHARED.is_dir():
        pytest.skip(SHARED_MISSING)
    return SHARED


def _chain(err: BaseException) -> list[BaseException]:
    """The exception and those it was raised from or during (a ReportError names no file; the OSError it
    replaced, kept as its context, does)."""
    out: list[BaseException] = []
    e: BaseException | None = err
    while e is not None and e not in out:
        out.append(e)
        e = e.__cause__ or e.__context__
    return out


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A test that failed on a file of the missing shared folder is reported skipped, with the reason, not failed."""
    outcome = yield
    report = outcome.get_result()
    err = call.excinfo.value if call.excinfo is not None else None
    if SHARED.is_dir() or err is None:
        return
    if any(str(SHARED) in f"{getattr(e, 'filename', '')} {e!r}" for e in _chain(err)):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {SHARED_MISSING}")
