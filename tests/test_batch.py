"""`cli.py batch` end to end: a mixed folder on a 2-worker LocalCluster, killed with SIGKILL halfway and rerun;
an external `dask scheduler` + `dask worker`; the per-file time and memory limits."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import ROOT, need_shared, table_mismatches

PY = str(ROOT / ".venv" / "bin") + "/python" if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
DASK = str(Path(PY).parent / "dask")
VERSION = "test-batch-1"


def batch_cmd(inp: Path, out: Path, *extra: str) -> list[str]:
    return [PY, str(ROOT / "cli.py"), "batch", str(inp), "-o", str(out), *extra]


def env(**extra: str) -> dict[str, str]:
    e = dict(os.environ)
    e["GOVREPORT_TOOLKIT_VERSION"] = VERSION
    e.update(extra)
    return e


def gen(script: str, out: Path, *args: str) -> None:
    """Run one of the samples/ generators."""
    module = "samples." + script.removesuffix(".py")
    subprocess.run([PY, "-m", module, "--out", str(out), *args], check=True, capture_output=True, cwd=ROOT)


def place(src: Path, dst: Path, expected: Path | None, exp_map: dict[str, Path], root: Path) -> None:
    """Copy src to dst in the input tree and note its truth."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    if expected is not None:
        exp_map[str(dst.relative_to(root))] = expected


def sources_with_truth(folder: Path) -> list[tuple[Path, Path]]:
    """(file, NAME.expected.json) pairs in a generator's output folder."""
    out = []
    for e in sorted(folder.glob("*.expected.json")):
        stem = e.name[: -len(".expected.json")]
        srcs = [p for p in folder.glob(stem + ".*") if not p.name.endswith(".json")]
        if srcs:
            out.append((srcs[0], e))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A mixed input tree: text dumps, DOCX, HTML, PDF, a scan, duplicates, broken files, hostile names,
    symlinks."""
    base = tmp_path_factory.mktemp("batch")
    made, inp = base / "made", base / "in"
    gen("generate.py", made / "docx", "--count", "14", "--seed", "11", "--template", "mixed", "--errors", "2")
    gen("make_html.py", made / "html", "--count", "4", "--seed", "5")
    gen("make_pdf.py", made / "pdf", "--count", "5", "--seed", "3")
    truth: dict[str, Path] = {}
    for folder, sub in ((made / "docx", "docx"), (made / "html", "html"), (made / "pdf", "pdf")):
        for src, exp in sources_with_truth(folder):
            place(src, inp / sub / src.name, exp, truth, inp)
    for src, exp in sources_with_truth(ROOT / "samples" / "docx"):
        place(src, inp / "docx" / "committed" / src.name, exp, truth, inp)
    for src, exp in sources_with_truth(need_shared() / "seeds"):
        place(src, inp / "text" / src.name, exp, truth, inp)
    for src, exp in sources_with_truth(ROOT / "samples" / "doc")[:1]:  # legacy Word: LibreOffice under the limits
        place(src, inp / "doc" / src.name, exp, truth, inp)
    scan = ROOT / "samples" / "scan" / "hongze_2024_200dpi_g4.tif"  # a scan: OCR in the conversion child
    place(scan, inp / "scan" / scan.name, scan.with_name(scan.stem + ".expected.json"), truth, inp)
    real = need_shared() / "real"
    place(
        real / "pingtan_2024.html", inp / "html" / "pingtan_2024.html", real / "pingtan_2024.expected.json", truth, inp
    )
    pdf = (real / "hongze_2024.pdf").read_bytes()
    for i in range(4):  # the slow real PDF, as four different files (a comment appended)
        (inp / "pdf" / f"hongze_{i}.pdf").write_bytes(pdf + f"\n%variant {i}\n".encode())
        truth[f"pdf/hongze_{i}.pdf"] = real / "hongze_2024.expected.json"
    # Duplicates: the same bytes under another name.
    dups = {
        "dup/copy of seed.txt": "text/000_5f8f501b00686a02.txt",
        "dup/again.docx": "docx/committed/docx2021_plain.docx",
    }
    dups["dup/hongze copy.pdf"] = "pdf/hongze_0.pdf"
    for d, s in dups.items():
        place(inp / s, inp / d, truth[s], truth, inp)
    # Hostile names: a newline, dots.
    place(inp / "text" / "001_f4141a8ebd31f87f.txt", inp / "odd" / "new\nline.txt", None, truth, inp)
    (inp / "odd" / "new\nline.txt").write_bytes((inp / "text" / "001_f4141a8ebd31f87f.txt").read_bytes() + b"\n")
    truth["odd/new\nline.txt"] = truth["text/001_f4141a8ebd31f87f.txt"]
    place(
        inp / "text" / "002_d783aba02661c840.txt",
        inp / "odd" / "..dots...txt",
        truth["text/002_d783aba02661c840.txt"],
        truth,
        inp,
    )
    # Symlinks: a loop back to the root, and a second name for a file (listed once).
    os.symlink("..", inp / "odd" / "loop")
    os.symlink("../text/003_bc2bf4a594b5b2f9.txt", inp / "odd" / "link.txt")
    # Broken files and what they must be recorded as.
    broken = {
        "broken/empty.pdf": "empty",
        "broken/truncated.docx": "corrupt",
        "broken/random.bin": "unsupported",
        "broken/truncated.pdf": "corrupt",
        "broken/notes.txt": "not_a_report",
    }
    (inp / "broken").mkdir()
    (inp / "broken" / "empty.pdf").write_bytes(b"")
    docx = (inp / "docx" / "committed" / "docx2021_plain.docx").read_bytes()
    (inp / "broken" / "truncated.docx").write_bytes(docx[: len(docx) // 2])
    (inp / "broken" / "random.bin").write_bytes(bytes((i * 7919 + 13) % 256 for i in range(20000)))
    (inp / "broken" / "truncated.pdf").write_bytes(pdf[: len(pdf) // 3])
    (inp / "broken" / "notes.txt").write_text("会议纪要\n今天讨论了食堂的菜单。\n", encoding="utf-8")
    return {"base": base, "in": inp, "truth": truth, "broken": broken, "dups": dups}


def file_count(db: Path) -> int:
    """Rows in the files table, read-only (0 while the index does not exist yet)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT count(*) FROM files").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def group_members(pgid: int) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter():
        try:
            if os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except (ProcessLookupError, psutil.Error):
            pass
    return out


def final_counts(stderr: str) -> dict[str, int]:
    last = [ln for ln in stderr.splitlines() if "files/s" in ln][-1]
    return {k: int(v) for v, k in re.findall(r"(\d+) (converted|failed|already done)", last)}


def flat(prefix: str, obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(flat(f"{prefix}.{k}" if prefix else k, v))
        return out
    return {prefix: obj}


def json_rel(key: str) -> str:
    head, base = os.path.split(key)
    return os.path.join(head, base.rsplit(".", 1)[0] + ".json")


@pytest.fixture(scope="module")
def killed_and_rerun(corpus: dict[str, Any]) -> dict[str, Any]:
    """Run batch on 2 workers, SIGKILL its process group halfway, rerun to the end, then once more."""
    out = corpus["base"] / "out"
    db = out / "index.sqlite"
    total = len(corpus["truth"]) + len(corpus["broken"])
    assert total >= 40 and any(k.startswith("scan/") for k in corpus["truth"])
    proc = subprocess.Popen(
        batch_cmd(corpus["in"], out, "--workers", "2"),
        env=env(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while file_count(db) < 12 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    at_kill = file_count(db)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    end = time.monotonic() + 10
    while group_members(proc.pid) and time.monotonic() < end:
        time.sleep(0.1)
    leftovers = group_members(proc.pid)
    second = subprocess.run(batch_cmd(corpus["in"], out, "--workers", "2"), env=env(), capture_output=True, text=True)
    third = subprocess.run(batch_cmd(corpus["in"], out, "--workers", "2"), env=env(), capture_output=True, text=True)
    return {
        "out": out,
        "db": db,
        "total": total,
        "at_kill": at_kill,
        "leftovers": leftovers,
        "second": second,
        "third": third,
    }


def test_kill_halfway_then_rerun_loses_and_duplicates_nothing(
    corpus: dict[str, Any], killed_and_rerun: dict[str, Any]
) -> None:
    r = killed_and_rerun
    assert 0 < r["at_kill"] < r["total"], f"the kill came at {r['at_kill']} of {r['total']} files, not halfway"
    assert r["leftovers"] == [], f"processes survived the kill: {r['leftovers']}"
    assert r["second"].returncode == 1, r["second"].stderr[-2000:]  # the broken files
    counts = final_counts(r["second"].stderr)
    assert counts["already done"] >= r["at_kill"]
    assert counts["converted"] + counts["failed"] + counts["already done"] == r["total"]
    third = final_counts(r["third"].stderr)
    assert r["third"].returncode == 1
    assert third == {"converted": 0, "failed": 0, "already done": r["total"]}

    conn = sqlite3.connect(r["db"])
    rows = {
        row[0]: row
        for row in conn.execute("SELECT path, status, error_kind, sha256, converted_as, json_path FROM files")
    }
    assert set(rows) == set(corpus["truth"]) | set(corpus["broken"])
    assert not any(p.startswith("odd/loop") or p == "odd/link.txt" for p in rows)
    for path, kind in corpus["broken"].items():
        assert rows[path][1:3] == ("failed", kind), path
    leftovers = [p for p in r["out"].rglob("*") if p.name.endswith(".partial")]
    assert leftovers == []


def test_every_good_file_has_right_values_in_json_and_index(
    corpus: dict[str, Any], killed_and_rerun: dict[str, Any]
) -> None:
    from pipeline import convert

    r = killed_and_rerun
    conn = sqlite3.connect(r["db"])
    direct: dict[Path, list[str]] = {}  # what an in-process conversion gets wrong, per truth file
    matched = 0
    for key, exp_path in sorted(corpus["truth"].items()):
        status, jpath = conn.execute("SELECT status, json_path FROM files WHERE path = ?", (key,)).fetchone()
        assert status == "ok", key
        assert jpath == json_rel(key)
        report = json.loads((r["out"] / jpath).read_text(encoding="utf-8"))
        assert report["source"]["file"] == os.path.basename(key)
        expected = json.loads(exp_path.read_text(encoding="utf-8"))
        if exp_path not in direct:
            direct[exp_path] = table_mismatches(convert(str(corpus["in"] / key)), expected)
        # The batch reproduces the pipeline exactly; where the pipeline reads the file right, so does the batch.
        assert table_mismatches(report, expected) == direct[exp_path], key
        matched += not direct[exp_path]
        values = dict(conn.execute('SELECT field, value FROM "values" WHERE path = ?', (key,)).fetchall())
        assert values == flat("", report["tables"]), key
        checks = {k: bool(v) for k, v in conn.execute("SELECT rule, ok FROM checks WHERE path = ?", (key,))}
        assert checks == {c["rule"]: c["ok"] for c in report["checks"]}, key
    assert matched >= 35, f"only {matched} files read right"


def test_duplicates_converted_once_and_both_written(corpus: dict[str, Any], killed_and_rerun: dict[str, Any]) -> None:
    conn = sqlite3.connect(killed_and_rerun["db"])
    for dup, orig in corpus["dups"].items():
        a = conn.execute("SELECT sha256, converted_as FROM files WHERE path = ?", (dup,)).fetchone()
        b = conn.execute("SELECT sha256, converted_as FROM files WHERE path = ?", (orig,)).fetchone()
        assert a[0] == b[0]
        assert a[1] == b[1] and a[1] in (dup, orig), (dup, a, b)
        assert (killed_and_rerun["out"] / json_rel(dup)).is_file()
        assert (killed_and_rerun["out"] / json_rel(orig)).is_file()


def test_hostile_names_stay_inside_out_dir(corpus: dict[str, Any], killed_and_rerun: dict[str, Any]) -> None:
    out = killed_and_rerun["out"]
    assert (out / "odd" / "new\nline.json").is_file()
    assert (out / "odd" / "..dots...json").is_file()
    base = corpus["base"]
    assert sorted(p.name for p in base.iterdir()) == ["in", "made", "out"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def test_against_a_separately_started_scheduler_and_workers(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    truth: dict[str, Path] = {}
    for src, exp in sources_with_truth(need_shared() / "seeds"):
        place(src, inp / src.name, exp, truth, inp)
    for src, exp in sources_with_truth(ROOT / "samples" / "docx")[:2]:
        place(src, inp / "docx" / src.name, exp, truth, inp)
    (inp / "empty.txt").write_bytes(b"")
    port = free_port()
    addr = f"tcp://127.0.0.1:{port}"
    logs = open(tmp_path / "dask.log", "wb")  # noqa: SIM115
    sched = subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        cwd=tmp_path,  # not the checkout: the workers find the code without PYTHONPATH
        start_new_session=True,
        stdout=logs,
        stderr=logs,
    )
    workers = None
    try:
        workers = subprocess.Popen(
            [DASK, "worker", addr, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
            cwd=tmp_path,
            start_new_session=True,
            stdout=logs,
            stderr=logs,
        )
        run = subprocess.run(
            batch_cmd(inp, out, "--scheduler", addr), env=env(), capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 1, run.stderr[-2000:]
        assert "error: empty.txt: empty: " in run.stderr
        conn = sqlite3.connect(out / "index.sqlite")
        rows = dict(conn.execute("SELECT path, status FROM files").fetchall())
        assert rows == {**{k: "ok" for k in truth}, "empty.txt": "failed"}
        for key, exp in truth.items():
            report = json.loads((out / json_rel(key)).read_text(encoding="utf-8"))
            assert table_mismatches(report, json.loads(exp.read_text(encoding="utf-8"))) == [], key
        assert workers.poll() is None, "the batch must leave a shared cluster running"
    finally:
        if workers is not None:
            stop_group(workers)
        stop_group(sched)
        logs.close()


def test_time_and_memory_limits_are_recorded_as_error_kinds(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    inp = tmp_path / "in"
    inp.mkdir()
    # A page of 3500 pt with no text: rendered for OCR it needs far more than 700 MB.
    im = Image.new("L", (3000, 3000), 255)
    ImageDraw.Draw(im).rectangle((100, 100, 2900, 2900), outline=0, width=5)
    im.save(inp / "huge_page.pdf", resolution=3000 / 3500 * 72)
    shutil.copyfile(ROOT / "samples" / "docx" / "docx2021_plain.docx", inp / "plain.docx")
    mem = subprocess.run(
        batch_cmd(inp, tmp_path / "out_mem", "--workers", "1", "--quiet"),
        env=env(GOVREPORT_BATCH_MEMORY_MB="700"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert mem.returncode == 1
    conn = sqlite3.connect(tmp_path / "out_mem" / "index.sqlite")
    assert dict(conn.execute("SELECT path, coalesce(error_kind, status) FROM files")) == {
        "huge_page.pdf": "too_large",
        "plain.docx": "ok",
    }
    slow = tmp_path / "slow"
    slow.mkdir()
    shutil.copyfile(inp / "huge_page.pdf", slow / "huge_page.pdf")  # seconds of rendering before anything else
    shutil.copyfile(need_shared() / "seeds" / "000_5f8f501b00686a02.txt", slow / "seed.txt")
    t = subprocess.run(
        batch_cmd(slow, tmp_path / "out_t", "--workers", "1", "--timeout", "1", "--quiet"),
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert t.returncode == 1
    conn = sqlite3.connect(tmp_path / "out_t" / "index.sqlite")
    assert dict(conn.execute("SELECT path, coalesce(error_kind, status) FROM files")) == {
        "huge_page.pdf": "timeout",
        "seed.txt": "ok",
    }
    # A rerun under the same limit does not try the timed-out file again.
    again = subprocess.run(
        batch_cmd(slow, tmp_path / "out_t", "--workers", "1", "--timeout", "1"),
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1
    assert final_counts(again.stderr) == {"converted": 0, "failed": 0, "already done": 2}


def test_chunk_size_follows_conversion_time_and_shrinks_at_the_end() -> None:
    from batch import BatchSettings
    from batch.run import ChunkSize

    sizer = ChunkSize(BatchSettings(timeout_s=60, task_seconds=0.5, max_files_per_task=16))
    assert sizer.files(left=1000, threads=2) == 1  # no conversion time known yet: one file per task
    sizer.observe(0.05)
    assert sizer.files(left=1000, threads=2) == 10  # about 0.5 s of conversion per task
    assert sizer.files(left=12, threads=2) == 3  # the last files spread over every thread
    assert sizer.files(left=3, threads=2) == 1
    for _ in range(100):
        sizer.observe(0.001)
    assert sizer.files(left=1000, threads=2) == 16  # never more than max_files_per_task
    for _ in range(100):
        sizer.observe(70.0)  # scans
    assert sizer.files(left=1000, threads=2) == 1


def test_inputs_go_biggest_first_and_equal_sizes_keep_their_order(tmp_path: Path) -> None:
    from batch.discover import list_inputs
    from batch.run import largest_first

    inp = tmp_path / "in"
    inp.mkdir()
    for name, size in [("a.pdf", 10), ("b.tiff", 3000), ("c.pdf", 10), ("d.docx", 500)]:
        (inp / name).write_bytes(b"x" * size)
    (inp / "e.pdf").symlink_to(inp / "gone.pdf")  # dangling: no size, still listed (and failed later)
    inputs = list_inputs(str(inp), str(tmp_path / "out"))
    ordered = [os.path.basename(i.abs_path) for i in largest_first(inputs)]
    assert ordered == ["b.tiff", "d.docx", "a.pdf", "c.pdf", "e.pdf"]


def test_feed_chunks_by_bytes_and_holds_duplicates_back(tmp_path: Path) -> None:
    from batch import BatchSettings
    from batch.discover import list_inputs
    from batch.progress import Progress
    from batch.run import Batch, Feed
    from ingest.options import Options

    inp = tmp_path / "in"
    inp.mkdir()
    seeds = [p for p, _ in sources_with_truth(need_shared() / "seeds")][:5]
    for i, src in enumerate(seeds):
        shutil.copyfile(src, inp / f"{i}.txt")
    shutil.copyfile(seeds[1], inp / "1b.txt")  # a duplicate of 1.txt, listed right after it
    (inp / "big.txt").write_bytes(seeds[0].read_bytes() * 20 + b"\n")
    sizes = {p.name: p.stat().st_size for p in inp.iterdir()}
    inputs = list_inputs(str(inp), str(tmp_path / "out"))
    options = Options().validated()
    os.makedirs(tmp_path / "out")
    batch = Batch(str(tmp_path / "out"), BatchSettings(timeout_s=60), options, Progress(len(inputs), enabled=False))
    try:
        max_bytes = sizes["0.txt"] + sizes["1.txt"] + 1
        feed = Feed(batch, inputs, options, max_bytes)
        chunks = []
        while chunk := feed.take(4):
            chunks.append([os.path.basename(ex.input.abs_path) for ex in chunk])
        assert feed.left() == 0
    finally:
        batch.close()
    # Sorted: 0, 1, 1b (same bytes as 1: waits for its conversion), 2, 3, 4, big (alone, over max_bytes).
    assert [n for c in chunks for n in c] == ["0.txt", "1.txt", "2.txt", "3.txt", "4.txt", "big.txt"]
    assert all(sum(sizes[n] for n in c) <= max_bytes for c in chunks if len(c) > 1)
    assert ["big.txt"] in chunks
    assert len(chunks) >= 3


def test_one_bad_file_in_a_task_does_not_touch_the_others(tmp_path: Path) -> None:
    import dataclasses

    from PIL import Image, ImageDraw

    from batch.worker import convert_chunk, shutdown_children
    from ingest.options import Options

    im = Image.new("L", (3000, 3000), 255)
    ImageDraw.Draw(im).rectangle((100, 100, 2900, 2900), outline=0, width=5)
    im.save(tmp_path / "huge_page.pdf", resolution=3000 / 3500 * 72)  # needs far more than 700 MB for OCR
    seed = next(p for p, _ in sources_with_truth(need_shared() / "seeds"))
    written = tmp_path / "out" / "seed.json"
    jobs: list[tuple[str, str | None]] = [(str(seed), str(written))]
    jobs += [(str(tmp_path / "huge_page.pdf"), str(tmp_path / "huge.json")), (str(tmp_path / "missing.txt"), None)]
    jobs += [(str(seed), None)]
    options = dataclasses.asdict(Options().validated())
    try:
        out = convert_chunk(jobs, options, 60.0, 700 * 1024 * 1024, 500, str(ROOT))
    finally:
        shutdown_children()
    assert [o["ok"] for o in out] == [True, False, False, True]
    assert [o.get("kind") for o in out[1:3]] == ["too_large", "unreadable"]
    # the first report was written by the worker (only its stamp came back), the last one travelled back
    assert "json" not in out[0] and out[0]["written"][0] == written.stat().st_size
    assert not (tmp_path / "huge.json").exists()
    assert json.loads(out[3]["json"]) == json.loads(written.read_bytes())


def test_child_is_renewed_after_its_file_count_or_when_grown_too_big() -> None:
    from runner import RENEW_RSS_SHARE, IsolatedRunner

    conv = IsolatedRunner(1000 * 2**20, files_per_child=3)
    conv.served = 1
    assert not conv.worn_out(100 * 2**20)
    assert conv.worn_out(int(RENEW_RSS_SHARE * 1000 * 2**20) + 1)
    conv.served = 3
    assert conv.worn_out(0)


def test_conversion_child_uses_one_core(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A worker's conversion child runs its libraries single-threaded: OpenCV's own pool ignores
    OMP_NUM_THREADS, and two children each spreading over both cores slow each other down. It does not
    inherit the Dask worker's malloc tuning."""
    import psutil

    from runner import IsolatedRunner

    for name in ("OMP_NUM_THREADS", "OPENCV_FOR_THREADS_NUM", "GOVREPORT_SCAN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # as a Dask nanny sets it for its worker
    monkeypatch.setattr("runner.CORE_LOCK_DIR", tmp_path)  # no other batch's claims
    conv = IsolatedRunner(1000 * 2**20, files_per_child=3, one_core=True)  # as batch.worker makes it
    other = IsolatedRunner(1000 * 2**20, files_per_child=3, one_core=True)
    proc = conv.start()
    try:
        env = psutil.Process(proc.pid).environ()
        affinity = psutil.Process(proc.pid).cpu_affinity()
    finally:
        conv.stop()
    assert [env.get(n) for n in ("OMP_NUM_THREADS", "OPENCV_FOR_THREADS_NUM", "GOVREPORT_SCAN_WORKERS")] == ["1"] * 3
    # glibc's own allocator tuning, not the Dask worker's (which faults every scan image in page by page)
    assert "MALLOC_TRIM_THRESHOLD_" not in env
    # pinned to a core of its own: the two converters of this process claimed different ones
    assert conv.core is not None and affinity == [conv.core]
    assert other.core != conv.core and (other.core is not None or len(os.sched_getaffinity(0)) == 1)


class _LocalRun:
    """A stand-in for a Dask client whose run() calls the function here, as one worker named w."""

    def __init__(self, answer: bool | None = None) -> None:
        self.answer = answer

    def run(self, fn: Any, *args: Any) -> dict[str, Any]:
        return {"tcp://w": fn(*args) if self.answer is None else self.answer}


def test_workers_write_only_where_they_share_the_output_folder(tmp_path: Path) -> None:
    from batch.run import workers_share

    assert workers_share(_LocalRun(), str(tmp_path))  # this process is a worker that sees the probe
    assert not workers_share(_LocalRun(answer=False), str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # the probe is gone


def test_reports_travel_back_when_the_workers_do_not_share_the_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With workers that cannot see OUT_DIR, the batch process writes every JSON itself, duplicates too."""
    from batch.run import run_batch

    monkeypatch.setenv("GOVREPORT_TOOLKIT_VERSION", VERSION)
    monkeypatch.setattr("batch.run.workers_share", lambda client, out_dir: False)
    pairs = sources_with_truth(need_shared() / "seeds")[:2]
    inp = tmp_path / "in"
    inp.mkdir()
    truth = {}
    for src, exp in pairs:
        shutil.copyfile(src, inp / src.name)
        truth[src.stem] = json.loads(exp.read_text(encoding="utf-8"))
    shutil.copyfile(pairs[0][0], inp / "copy.txt")
    truth["copy"] = truth[pairs[0][0].stem]
    out = tmp_path / "out"
    assert run_batch(str(inp), str(out), workers=1, progress=False) == 0
    for stem, expected in truth.items():
        report = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
        assert table_mismatches(report, expected) == []
        assert report["source"]["file"] == (f"{stem}.txt")
    conn = sqlite3.connect(out / "index.sqlite")
    assert conn.execute("SELECT count(*) FROM files WHERE status = 'ok'").fetchone()[0] == 3
    assert conn.execute('SELECT count(DISTINCT path) FROM "values"').fetchone()[0] == 3


def test_a_saved_pages_picture_folder_is_part_of_the_page_not_reports(tmp_path: Path) -> None:
    """`page.html` with `page_files/` (as browsers save a page): its pictures are read with the page, not as
    reports of their own; a picture folder with no page beside it, and other pictures, are still inputs."""
    from batch.discover import list_inputs

    inp = tmp_path / "in"
    for rel in [
        "page.html",
        "page_files/t1.png",
        "b.htm",
        "b.files/x.jpg",
        "c_文件/y.png",
        "orphan_files/z.png",
        "scan.png",
    ]:
        (inp / rel).parent.mkdir(parents=True, exist_ok=True)
        (inp / rel).write_bytes(b"x")
    listed = sorted(i.key for i in list_inputs(str(inp), str(tmp_path / "out")))
    assert listed == ["b.htm", "c_文件/y.png", "orphan_files/z.png", "page.html", "scan.png"]
