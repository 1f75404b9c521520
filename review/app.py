"""`cli.py review OUT_DIR`: a local web app (Flask) to review the doubtful cells of a convert or batch output.

Bound to 127.0.0.1 unless --host says otherwise (with a warning); every request must carry the random
token of the URL printed at start (``?token=`` or the ``X-Token`` header), or it is refused (403). Each
decision goes through :func:`corrections.decide`: the store first, then the report JSON and the batch
index, under the folder's lock; the exports are rewritten in a background thread right after.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
import threading

from flask import Flask, Response, abort, jsonify, request

from corrections import decide, sync_folder
from corrections.apply import ACTIONS
from corrections.folder import exports_behind, read_report, refresh_exports_locked, report_path
from review.crop import crop_png, find_source
from review.page import PAGE
from review.queue import Archive


def create_app(out_dir: str, token: str, source_dir: str | None = None) -> Flask:
    """The review app over one output folder, answering only requests that carry the token."""
    app = Flask("govreport-review")
    archive = Archive(out_dir)
    exporter = Exporter(out_dir)

    @app.before_request
    def need_token() -> None:
        """Refuse (403) a request without the app's token."""
        given = request.args.get("token") or request.headers.get("X-Token") or ""
        if not secrets.compare_digest(given.encode(), token.encode()):
            abort(403)

    @app.get("/")
    def index() -> Response:
        """The page."""
        return Response(PAGE, mimetype="text/html")

    @app.get("/api/queue")
    def queue() -> Response:
        """The progress and the next cells to review."""
        return jsonify(archive.queue())

    @app.post("/api/decide")
    def decide_one() -> tuple[Response, int] | Response:
        """Accept, correct or mark unreadable one cell; 400 with the reason for a bad request."""
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return jsonify(error="a JSON object is expected"), 400
        rel, field, action, value = data.get("report"), data.get("field"), data.get("action"), data.get("value")
        if not isinstance(rel, str) or not isinstance(field, str) or action not in ACTIONS:
            return jsonify(error="report, field and action (correct, confirm, unreadable) are required"), 400
        if value is not None and not isinstance(value, str | int | float) or isinstance(value, bool):
            return jsonify(error="value must be a number or blank"), 400
        try:
            report = decide(out_dir, rel, field, action, None if value is None else str(value), exports=False)
        except ValueError as e:
            return jsonify(error=str(e)), 400
        exporter.wake()
        cell = next(c for c in report["cells"] if c["field"] == field)
        failing = [c["rule"] for c in report["checks"] if not c["ok"]]
        return jsonify(cell=cell, failing=failing)

    @app.get("/api/exports")
    def exports_state() -> Response:
        """Whether the exports are still being rewritten."""
        return jsonify(pending=exporter.pending())

    @app.get("/api/crop")
    def crop() -> Response:
        """A cell cut out of its original page (404 when the original or its place is not known)."""
        rel, field = request.args.get("report", ""), request.args.get("field", "")
        try:
            report = read_report(report_path(out_dir, rel))
        except (OSError, ValueError):
            abort(404)
        cell = next((c for c in report["cells"] if c.get("field") == field), None)
        src = find_source(out_dir, rel, report, source_dir)
        png = crop_png(src, report, cell) if src and cell else None
        if png is None:
            abort(404)
        return Response(png, mimetype="image/png")

    return app


class Exporter:
    """Rewrites the folder's exports in a background thread after decisions (a rewrite of a large archive's
    exports takes seconds; decisions made meanwhile are taken by the next rewrite)."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.wanted = threading.Event()
        self.busy = threading.Lock()
        threading.Thread(target=self.run, name="exports", daemon=True).start()

    def wake(self) -> None:
        """Ask for a rewrite of the exports."""
        self.wanted.set()

    def pending(self) -> bool:
        """Whether a rewrite is asked for or running."""
        return self.wanted.is_set() or self.busy.locked()

    def run(self) -> None:
        """Rewrite the exports whenever asked, one rewrite at a time."""
        while True:
            self.wanted.wait()
            with self.busy:
                self.wanted.clear()
                try:
                    refresh_exports_locked(self.out_dir)
                except Exception as e:  # an export that fails leaves the decisions stored; say so
                    print(f"warning: {self.out_dir}: exports not rewritten: {type(e).__name__}: {e}", file=sys.stderr)


def loopback(host: str) -> bool:
    """Whether an address to listen on is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(out_dir: str, host: str = "127.0.0.1", port: int = 0, open_source: str | None = None) -> int:
    """Serve the app until interrupted; print the URL with its token."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # its request lines would print the token

    if not os.path.isdir(out_dir):
        print(f"error: {out_dir}: not a folder", file=sys.stderr)
        return 2
    for note in sync_folder(out_dir):  # decisions stored by a process killed before it rewrote a JSON
        print(f"warning: {note}", file=sys.stderr)
    if exports_behind(out_dir):
        refresh_exports_locked(out_dir)
    if not loopback(host):
        print(
            f"warning: listening on {host}: other machines can reach this review app (anyone with the URL can edit)",
            file=sys.stderr,
        )
    token = secrets.token_urlsafe(24)
    server = make_server(host, port, create_app(out_dir, token, open_source), threaded=True)
    shown = f"[{host}]" if ":" in host else host
    print(f"review: http://{shown}:{server.server_port}/?token={token}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
