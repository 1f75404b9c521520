"""`cli.py review OUT_DIR` end to end in real headless Chromium, over a batch of two committed scans.

A person opens the queue, corrects three doubtful cells (to the values printed, from the scans' truth)
and confirms a fourth; the report JSON, the batch index, the CSV export and the checks show them; the
batch rerun from scratch keeps them. Requests without the token are refused, bad values and paths are
refused, concurrent edits lose nothing, and a server killed mid-edit loses nothing the store holds.
"""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from browser import HAVE_BROWSER, chrome
from conftest import ROOT

from batch.export import export
from batch.run import run_batch
from corrections.apply import recompute_checks
from normalize.checks import get_field

SCANS = ("scan_s5_003_pdf2021_s5_003.jpg", "scan_s5_006_pdf2021_s5_001.png")
NO_BROWSER = pytest.mark.skipif(not HAVE_BROWSER, reason="chromium or chromedriver not installed")


class Server:
    """`cli.py review` in a child process, with the URL it printed."""

    def __init__(self, out: Path, source: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "cli.py", "review", str(out), "--source", str(source)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line.startswith("review: http://127.0.0.1:"), line + (
            self.proc.stderr.read() if self.proc.stderr else ""
        )
        self.url = line.split(" ", 1)[1]
        self.base, self.token = self.url.split("/?token=")

    def call(self, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, Any]:
        """An API request (with the token unless another is given): status and decoded JSON (or bytes)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method="POST" if body is not None else "GET")
        req.add_header("X-Token", self.token if token is None else token)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw = r.read()
                return r.status, json.loads(raw) if r.headers.get_content_type() == "application/json" else raw
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        for f in (self.proc.stdout, self.proc.stderr):
            if f is not None:
                f.close()


def truth(field: str, report_name: str) -> Any:
    """The value printed in a scan, from its committed truth."""
    stem = report_name.rsplit(".", 1)[0]
    expected = json.loads((ROOT / "samples" / "scan" / f"{stem}.expected.json").read_text(encoding="utf-8"))
    return get_field(expected["tables"], field)


def cell_of(out: Path, rel: str, field: str) -> dict[str, Any]:
    report = json.loads((out / rel).read_text(encoding="utf-8"))
    return next(c for c in report["cells"] if c["field"] == field)


def wait_for(driver: Any, script: str, expected: Any, timeout: float = 30) -> None:
    """Wait until a script of the page returns the expected value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if driver.execute_script(script) == expected:
            return
        time.sleep(0.1)
    raise AssertionError(f"{script} never gave {expected!r} (last {driver.execute_script(script)!r})")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A batch output of the two scans, with a CSV export."""
    root = tmp_path_factory.mktemp("review_app")
    src, out = root / "in", root / "out"
    src.mkdir()
    for name in SCANS:
        shutil.copy(ROOT / "samples" / "scan" / name, src / name)
    assert run_batch(str(src), str(out), workers=1, progress=False) == 0
    assert export(str(out), "csv") == 0
    return {"src": src, "out": out}


@NO_BROWSER
def test_review_in_the_browser_then_batch_rerun_keeps_it(archive: dict[str, Path]) -> None:
    from selenium.webdriver.common.by import By

    src, out = archive["src"], archive["out"]
    server = Server(out, src)
    decided: list[tuple[str, str, str, Any]] = []  # (report, field, action, value)
    try:
        assert server.call("/api/queue", token="")[0] == 403
        assert server.call("/api/queue", token="wrong")[0] == 403
        status, _body = server.call("/", token="")
        assert status == 403
        with chrome() as d:
            d.get(server.url)
            wait_for(d, "return document.body.dataset.ready", "1")
            total = int(d.execute_script("return document.body.dataset.total"))
            assert total >= 4 and d.execute_script("return document.body.dataset.reviewed") == "0"
            first = d.find_element(By.CSS_SELECTOR, ".item:not(.done)")
            assert (
                first.find_element(By.CSS_SELECTOR, ".why").text and first.find_element(By.CSS_SELECTOR, ".read").text
            )
            wait_for(
                d,
                "var i=document.querySelector('.item:not(.done) img');return !!(i&&i.complete&&i.naturalWidth>100);",
                True,
            )
            for n in range(4):
                card = d.find_element(By.CSS_SELECTOR, ".item:not(.done)")
                rel, field = card.get_attribute("data-report"), card.get_attribute("data-field")
                if n < 3:
                    value = truth(field, rel)
                    box = card.find_element(By.CSS_SELECTOR, "input.val")
                    box.clear()
                    box.send_keys("" if value is None else str(value))
                    card.find_element(By.CSS_SELECTOR, "button.correct").click()
                    decided.append((rel, field, "correct", value))
                else:
                    card.find_element(By.CSS_SELECTOR, "button.accept").click()
                    decided.append((rel, field, "confirm", cell_of(out, rel, field)["value"]))
                wait_for(d, "return document.body.dataset.reviewed", str(n + 1))
            assert f"4 of {total} reviewed" in d.find_element(By.ID, "progress").text
            # a value that is not a number is refused, and said on the card
            card = d.find_element(By.CSS_SELECTOR, ".item:not(.done)")
            box = card.find_element(By.CSS_SELECTOR, "input.val")
            box.clear()
            box.send_keys("abc")
            card.find_element(By.CSS_SELECTOR, "button.correct").click()
            wait_for(
                d,
                "var e=document.querySelector('.item:not(.done) .err');return e&&e.textContent.indexOf('not a number')>=0;",
                True,
            )
        assert len({(r, f) for r, f, _a, _v in decided}) == 4
        end = time.monotonic() + 60
        while server.call("/api/exports")[1]["pending"] and time.monotonic() < end:  # rewritten in the background
            time.sleep(0.2)
        check_outputs(out, decided)
        assert (
            server.call("/api/decide", {"report": "../x.json", "field": decided[0][1], "action": "confirm"})[0] == 400
        )
        assert server.call("/api/decide", {"report": decided[0][0], "field": "x.y.z", "action": "confirm"})[0] == 400
        assert server.call("/api/crop?report=../../etc/passwd&field=x")[0] == 404
    finally:
        server.stop()

    # the batch rerun from scratch: everything but the store removed
    for p in out.iterdir():
        if not p.name.startswith("corrections.sqlite"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    assert run_batch(str(src), str(out), workers=1, progress=False) == 0
    assert export(str(out), "csv") == 0
    check_outputs(out, decided)


def check_outputs(out: Path, decided: list[tuple[str, str, str, Any]]) -> None:
    """The JSON, the checks, the index and the CSV export show every decision."""
    import sqlite3

    conn = sqlite3.connect(out / "index.sqlite")
    try:
        for rel, field, action, value in decided:
            c = cell_of(out, rel, field)
            assert (c["source"], c["review"], c["value"], c["confidence"]) == ("manual", action, value, 1.0), c
            report = json.loads((out / rel).read_text(encoding="utf-8"))
            assert get_field(report["tables"], field) == value
            assert report["checks"] == recompute_checks(report)
            row = conn.execute(
                'SELECT v.value, v.confidence FROM "values" v JOIN files f ON f.path = v.path '
                "WHERE f.json_path = ? AND v.field = ?",
                (rel, field),
            ).fetchone()
            assert row == (value, 1.0), (rel, field, row)
    finally:
        conn.close()
    with open(out / "export" / "values.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    conf_col = next(k for k in rows[0] if k.startswith("confidence"))
    field_col = next(k for k in rows[0] if k.startswith("field"))
    for _rel, field, _a, _v in decided:
        assert any(r[field_col] == field and float(r[conf_col]) == 1.0 for r in rows), field


def test_concurrent_edits_and_a_killed_server_lose_nothing(archive: dict[str, Path]) -> None:
    from corrections.apply import Correction
    from corrections.store import connect, load, record

    src, out = archive["src"], archive["out"]
    server = Server(out, src)
    try:
        status, queue = server.call("/api/queue")
        open_items = [i for i in queue["items"] if not i["review"]][:8]
        assert len(open_items) == 8
        results: list[int] = []

        def post(item: dict[str, Any]) -> None:
            results.append(server.call("/api/decide", {**item, "action": "correct", "value": "7"})[0])

        threads = [
            threading.Thread(target=post, args=({"report": i["report"], "field": i["field"]},)) for i in open_items
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200] * 8
        for i in open_items:
            assert cell_of(out, i["report"], i["field"])["value"] == 7
        # a decision the store committed before the server died, its JSON not yet rewritten
        victim = next(i for i in queue["items"] if not i["review"] and i not in open_items)
        sha = json.loads((out / victim["report"]).read_text(encoding="utf-8"))["source"]["sha256"]
        conn = connect(str(out))
        record(conn, [Correction(sha, victim["field"], "correct", 3, victim["report"])])
        conn.close()
    finally:
        server.stop(signal.SIGKILL)
    assert cell_of(out, victim["report"], victim["field"])["source"] == "document"
    server = Server(out, src)  # starting again brings the JSON up to the store
    try:
        assert cell_of(out, victim["report"], victim["field"])["value"] == 3
        assert len(load(str(out))) >= 9
    finally:
        server.stop()


def test_only_loopback_addresses_pass_without_a_warning() -> None:
    from review.app import loopback

    assert loopback("127.0.0.1") and loopback("::1") and loopback("localhost") and loopback("127.0.0.2")
    assert not loopback("0.0.0.0") and not loopback("192.0.2.10") and not loopback("example.org")
