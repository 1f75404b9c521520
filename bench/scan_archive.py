"""Scans as archives hold them: accuracy per font family and per dpi, silent errors, identity, worst case.

Makes ``--count`` scans (``samples/make_scans.py generate_realistic``, own seed: the tests never see
them) into DIR unless it holds them already: every pinned face (AR PL UMing, Noto Serif CJK, AR PL
UKai, WenQuanYi Zen Hei / Micro Hei, Noto Sans CJK) x 150/200/300 dpi, with grey-shaded headers, noise,
JPEG, bilevel pages, red seals, skew, punch holes and dark edges, broken rulings; ``--photos N`` adds
phone photos (``samples/make_photos.py``, own seed). Converts each (``bench/scan_eval.convert_one``:
``samples.scoring.silent_errors`` is the one judge, for the tests too), then prints per scan, per font, per dpi and per fault:
fields right, silent errors, agency and year right / null / WRONG; and writes the worst scan's overlay
PNGs to ``docs/`` (``cli.py overlay``). Run by hand, niced:

    nice .venv/bin/python -m bench.scan_archive DIR [--count 60 --seed 4242] [--photos 6] [--overlay-to docs]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ["GOVREPORT_SCAN_WORKERS"] = "1"
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parent.parent

from bench.scan_eval import convert_one, pairs  # noqa: E402

FACE_KEYS = ("uming", "noto_serif", "ukai", "zenhei", "microhei", "noto_sans")
FAULT_WORDS = ("shaded", "noise", "jpeg", "bilevel", "seal", "skew", "punch", "broken", "blur", "photo")


def make(folder: Path, count: int, seed: int, photos: int) -> None:
    """The scans (and photos) with expected JSON in folder, unless it holds some already."""
    if list(folder.glob("*.expected.json")):
        return
    from samples.make_scans import generate_realistic

    generate_realistic(folder, count, seed)
    if photos:
        import tempfile

        from samples.fonts import FACES
        from samples.make_scans import realistic_sources

        with tempfile.TemporaryDirectory(prefix="scan_archive_") as tmp:
            pdfs = []
            for k in range(photos):
                face = list(FACES)[k % len(FACES)]
                pdfs += [str(p) for p, _ in realistic_sources(Path(tmp) / str(k), face, 1, seed * 7 + k, k % 2 == 1)]
            subprocess.run(
                [sys.executable, "-m", "samples.make_photos", *pdfs, "--out", str(folder),
                 "--seed", str(seed)],
                check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
            )  # fmt: skip


def identity(report_wrong: list[str], field: str) -> str:
    """'right', 'null' (not read, owned up to) or 'WRONG' for report.agency or report.year."""
    for w in report_wrong:
        if w.startswith(f"report.{field}:"):
            return "null" if ": got None" in w else "WRONG"
    return "right"


def keys(note: str, name: str) -> dict[str, list[str]]:
    """The groups a scan counts in: its font, its dpi, its faults."""
    desc = note.split(";")[0]
    font = next((p.split()[1] for p in desc.split(", ") if p.startswith("font ")), "?")
    if "phone photo" in note:  # the face is in the source's name: "from ukai_shaded_s7_00.pdf"
        source = note.rsplit("from ", 1)[-1]
        font = next((f for f in FACE_KEYS if source.startswith(f + "_")), "?")
    dpi = next((p for p in desc.replace("scan: ", "").split(", ") if p.endswith("dpi")), "photo")
    faults = [w for w in FAULT_WORDS if w in desc or (w == "photo" and "photo" in name)] or ["clean"]
    return {"font": [font], "dpi": [dpi], "fault": faults}


def table(title: str, groups: dict[str, list[float]]) -> None:
    """One summary table: scans, fields, wrong, silent, % right, agency/year wrong."""
    print(f"\n{title:14}{'scans':>6}{'fields':>8}{'wrong':>7}{'silent':>7}{'right':>9}{'id wrong':>9}{'cpu s':>8}")
    for name, (k, n, w, s, idw, cpu) in sorted(groups.items()):
        print(f"{name:14}{k:6.0f}{n:8.0f}{w:7.0f}{s:7.0f}{1 - w / max(n, 1):9.2%}{idw:9.0f}{cpu:8.0f}")


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("dir")
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--photos", type=int, default=0)
    ap.add_argument("--show", type=int, default=4, help="wrong fields listed per scan")
    ap.add_argument("--overlay-to", default="", help="write the worst scan's overlay PNGs here (e.g. docs)")
    args = ap.parse_args(argv)
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    make(folder, args.count, args.seed, args.photos)
    todo = pairs(folder)
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(convert_one, todo))
    groups: dict[str, dict[str, list[float]]] = {"font": {}, "dpi": {}, "fault": {}, "all": {}}
    ids = {"agency": {"right": 0, "null": 0, "WRONG": 0}, "year": {"right": 0, "null": 0, "WRONG": 0}}
    worst = ("", -1.0)
    for (path, n, wrong, silent, cpu), (_, exp) in zip(results, todo, strict=True):
        note = json.loads(Path(exp).read_text(encoding="utf-8"))["note"]
        id_wrong = 0
        for f in ids:
            verdict = identity(wrong, f)
            ids[f][verdict] += 1
            id_wrong += verdict == "WRONG"
        table_wrong = [w for w in wrong if not w.startswith("report.")]
        k = keys(note, Path(path).name)
        k["all"] = ["all"]
        for kind, names in k.items():
            for name in names:
                g = groups[kind].setdefault(name, [0, 0, 0, 0, 0, 0.0])
                for i, v in enumerate((1, n, len(table_wrong), len(silent), id_wrong, cpu)):
                    g[i] += v
        score = len(table_wrong) / max(n, 1) + 10 * len(silent)
        if score > worst[1]:
            worst = (path, score)
        print(f"{Path(path).name[:46]:48}{n:5}{len(table_wrong):5}{len(silent):4}{cpu:7.1f}s  {note.split(';')[0]}")
        for w in wrong[: args.show]:
            print("      " + ("S " if w in silent else "  ") + w)
    for kind in ("font", "dpi", "fault", "all"):
        table(kind, groups[kind])
    print("\nidentity (of", len(results), "scans):", json.dumps(ids))
    print(f"worst: {Path(worst[0]).name} (score {worst[1]:.3f})")
    if args.overlay_to and worst[0]:
        out = Path(args.overlay_to)
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "overlay", worst[0], "-o", str(out)], check=False)
    (folder / "last.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
