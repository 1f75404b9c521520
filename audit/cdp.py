"""A minimal driver of headless Chromium over the DevTools protocol on a pipe (no extra package).

Used by the dashboard's test and benchmark: open a page, evaluate script in it (select a filter,
read the DOM), time its load, take a screenshot. Chromium reads commands on fd 3 and writes answers
on fd 4, each a JSON object ended by a NUL byte (`--remote-debugging-pipe`).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Browser:
    """One headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, width: int = 1400, height: int = 1000, executable: str = CHROMIUM) -> None:
        self.profile = tempfile.mkdtemp(prefix="cdp-")
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()

        def fds() -> None:  # in the child: fd 3 reads commands, fd 4 writes answers
            a, b = os.dup(to_child_r), os.dup(from_child_w)  # above 4, so neither dup2 clobbers the other
            os.dup2(a, 3)
            os.dup2(b, 4)

        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-pipe",
            f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            [executable, *flags],
            preexec_fn=fds,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page.enable", "Runtime.enable", "Network.enable"):
                self.call(domain, session=True)
        except Exception:  # a browser that did not start: nothing left behind
            self.close()
            raise

    def _read(self, timeout: float) -> dict[str, Any]:
        """The next message from Chromium."""
        end = time.monotonic() + timeout
        while b"\0" not in self._buf:
            if time.monotonic() > end:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        out: dict[str, Any] = json.loads(msg)
        return out

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: bool = False, timeout: float = 60
    ) -> Any:
        """Send a command and wait for its result (events seen meanwhile are kept in self.events)."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        while True:
            ans = self._read(timeout)
            if ans.get("id") == self._id:
                if "error" in ans:
                    raise RuntimeError(f"{method}: {ans['error']}")
                return ans.get("result", {})
            self.events.append(ans)

    def wait_event(self, method: str, timeout: float = 60) -> dict[str, Any]:
        """Wait for an event of the page (one already seen counts)."""
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        while True:
            ev = self._read(timeout)
            if ev.get("method") == method:
                return ev
            self.events.append(ev)

    def open(self, url: str, ready: str = "document.body && document.body.dataset.ready === '1'") -> float:
        """Navigate and wait until the ready expression holds; the seconds it took."""
        self.events.clear()
        t0 = time.monotonic()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_event("Page.loadEventFired")
        while not self.eval(ready):
            if time.monotonic() - t0 > 60:
                raise TimeoutError(f"{url} did not become ready")
            time.sleep(0.01)
        return time.monotonic() - t0

    def eval(self, expression: str) -> Any:
        """Evaluate script in the page; its value (an exception in the page raises here)."""
        res = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"page script failed: {res['exceptionDetails'].get('exception', {}).get('description')}")
        return res.get("result", {}).get("value")

    def errors(self) -> list[str]:
        """Uncaught exceptions and console errors the page reported."""
        out = []
        for ev in self.events:
            if ev.get("method") == "Runtime.exceptionThrown":
                out.append(str(ev["params"]["exceptionDetails"].get("exception", {}).get("description")))
            elif ev.get("method") == "Runtime.consoleAPICalled" and ev["params"].get("type") == "error":
                out.append(" ".join(str(a.get("value")) for a in ev["params"].get("args", [])))
        return out

    def requests(self) -> list[str]:
        """URLs the page requested over the network (a self-contained page asks for its own file only)."""
        return [ev["params"]["request"]["url"] for ev in self.events if ev.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: str) -> None:
        """A PNG of the whole page."""
        metrics = self.call("Page.getLayoutMetrics", session=True)
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        res = self.call(
            "Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True}, session=True
        )
        with open(path, "wb") as f:
            f.write(base64.b64decode(res["data"]))

    def close(self) -> None:
        """Close the browser and remove its profile."""
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
