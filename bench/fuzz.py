"""A long fuzz run of the properties of tests/test_fuzz.py, plus byte-level mutation of real files.

    .venv/bin/python -m bench.fuzz [--minutes 10] [--hang-s 10] [--targets documents,mutated,...]

Prints, per target, executions, crashes (an exception other than ReportError, or a broken property),
hangs (one input taking more than --hang-s), and the distinct crash signatures with a shortened input.
In-process targets are interrupted by SIGALRM; the `files` target converts mutated real files in the
isolated child process of runner.py, so a native hang or crash is counted instead of stopping the run.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
warnings.simplefilter("ignore")

import test_fuzz as props  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ingest.errors import ReportError  # noqa: E402
from ingest.options import Options  # noqa: E402

DEFAULT_MINUTES = 10.0
DEFAULT_HANG_S = 10.0
ROUND_S = 20.0  # each target gets rounds of this many seconds in turn
BATCH = 200  # examples per hypothesis call inside a round


class Hang(Exception):
    """One input ran past the hang limit."""


@dataclass
class Tally:
    """What one target met."""

    executions: int = 0
    crashes: int = 0
    hangs: int = 0
    seconds: float = 0.0
    signatures: dict[str, str] = field(default_factory=dict)  # signature -> shortened input

    def record(self, kind: str, err: BaseException | str, shown: str) -> None:
        """Count one crash or hang and keep the first input of each distinct signature."""
        if kind == "hang":
            self.hangs += 1
            sig = f"hang: {err}"
        else:
            self.crashes += 1
            sig = signature(err) if isinstance(err, BaseException) else str(err)
        self.signatures.setdefault(sig, shown[:400])


def signature(err: BaseException) -> str:
    """Exception type and the innermost project frame: one line per distinct bug."""
    frames = [
        f for f in traceback.extract_tb(err.__traceback__) if str(ROOT) in f.filename and "bench/" not in f.filename
    ]
    where = f"{Path(frames[-1].filename).relative_to(ROOT)}:{frames[-1].lineno}" if frames else "?"
    first = str(err).splitlines()[0][:120] if str(err) else ""
    return f"{type(err).__name__} at {where}: {first}"


def _alarm(_signum: int, _frame: Any) -> None:
    raise Hang()


def guarded(tally: Tally, hang_s: float, check: Callable[[Any], None], value: Any) -> None:
    """Run one property on one input, counting a crash or a hang instead of stopping."""
    tally.executions += 1
    signal.setitimer(signal.ITIMER_REAL, hang_s)
    try:
        check(value)
    except Hang:
        tally.record("hang", f"> {hang_s:g} s", repr(value))
    except ReportError:
        pass
    except Exception as e:  # noqa: BLE001 - every other exception is a finding
        tally.record("crash", e, repr(value))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def check_document(doc: Any) -> None:
    """Repairs keep grids consistent; the normaliser raises only ReportError and invents nothing."""
    report = props.convert_doc(doc)
    if report is not None:
        props.assert_nothing_invented(doc, report)


def check_number(raw: str) -> None:
    """The number-parser properties."""
    props.test_parse_number_total_and_faithful.hypothesis.inner_test(raw)  # type: ignore[attr-defined]


def check_bytes(data: bytes) -> None:
    """Sniffer, text adapter and guards on arbitrary bytes."""
    props.test_text_adapter_and_sniffer_on_arbitrary_bytes.hypothesis.inner_test(data)  # type: ignore[attr-defined]
    props.test_guards_on_arbitrary_bytes.hypothesis.inner_test(data)  # type: ignore[attr-defined]


def check_text_dump(args: tuple[list[str], str]) -> None:
    """A generated text dump through the text adapter, repairs and the normaliser."""
    props.test_text_dumps_convert_or_refuse_cleanly.hypothesis.inner_test(*args)  # type: ignore[attr-defined]


IN_PROCESS: dict[str, tuple[Any, Callable[[Any], None]]] = {
    "documents": (props.documents(), check_document),
    "mutated": (props.mutated_seeds(), check_document),
    "text_dumps": (st.tuples(props.text_dump_lines, st.sampled_from(["utf-8", "gb18030", "utf-16"])), check_text_dump),
    "numbers": (st.text(max_size=40), check_number),
    "bytes": (st.binary(max_size=3000), check_bytes),
}


def run_in_process(name: str, tally: Tally, seconds: float, hang_s: float) -> None:
    """Draw examples of one target's strategy for about `seconds`."""
    strategy, check = IN_PROCESS[name]
    deadline = time.monotonic() + seconds

    @settings(
        max_examples=BATCH,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def batch(value: Any) -> None:
        if time.monotonic() < deadline:
            guarded(tally, hang_s, check, value)

    while time.monotonic() < deadline:
        batch()


def corpus() -> list[tuple[str, bytes]]:
    """Real files to mutate: the shared PDF and web page, the seeds, and committed sample documents."""
    shared = Path(os.environ.get("GOVREPORT_SHARED", ROOT.parent / "shared"))
    files = [shared / "real" / "hongze_2024.pdf", shared / "real" / "pingtan_2024.html"]
    files += sorted((shared / "seeds").glob("*.txt"))[:2]
    files += sorted((ROOT / "samples").rglob("*.docx"))[:2]
    return [(p.suffix, p.read_bytes()) for p in files if p.is_file()]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A few byte-level edits: flips, cuts, duplicated or deleted runs, interesting values."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not b:
            break
        i = rng.randrange(len(b))
        op = rng.randrange(6)
        if op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i] = rng.choice([0, 0xFF, 0x7F, 0x80, ord("0"), ord("9"), ord("<"), ord("("), ord("[")])
        elif op == 2:
            del b[i : i + rng.randint(1, 256)]
        elif op == 3:
            j = rng.randrange(len(b))
            b[i:i] = b[j : j + rng.randint(1, 256)]
        elif op == 4:
            del b[rng.randrange(len(b)) :]
        else:
            b[i : i + 4] = rng.choice([b"\xff\xff\xff\x7f", b"9999", b"-1", b"\x00\x00\x00\x00"])
    return bytes(b)


def run_files(tally: Tally, seconds: float, hang_s: float, workdir: Path, rng: random.Random) -> None:
    """Convert mutated real files in the isolated runner: errors other than documented kinds are crashes."""
    from runner import IsolatedRunner

    seeds = corpus()
    deadline = time.monotonic() + seconds
    with IsolatedRunner() as runner:
        while time.monotonic() < deadline and seeds:
            suffix, data = rng.choice(seeds)
            mutated = mutate(data, rng)
            path = workdir / f"mutant{suffix}"
            path.write_bytes(mutated)
            tally.executions += 1
            _doc, _report, err = runner.convert_document(str(path), Options(ocr="never"), timeout_s=hang_s)
            if err is None:
                continue
            shown = f"{suffix} mutant of {len(data)} bytes, first diff at {_first_diff(data, mutated)}"
            if err.kind == "timeout":
                tally.record("hang", f"> {hang_s:g} s on a {suffix} mutant", shown)
            elif err.kind in ("conversion_failed", "unreadable") and (
                "internal error" in err.reason or "crashed" in err.reason
            ):
                tally.record("crash", f"{err.kind}: {err.reason[:160]}", shown)


def _first_diff(a: bytes, b: bytes) -> int:
    """Offset of the first byte where two files differ."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=DEFAULT_MINUTES, help="total time budget")
    ap.add_argument("--hang-s", type=float, default=DEFAULT_HANG_S, help="seconds after which one input is a hang")
    ap.add_argument("--targets", default=",".join([*IN_PROCESS, "files"]))
    ap.add_argument("--seed", type=int, default=None, help="seed of the byte mutator")
    args = ap.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t]
    unknown = [t for t in targets if t not in IN_PROCESS and t != "files"]
    if unknown or args.minutes <= 0 or args.hang_s <= 0:
        ap.error(f"unknown targets {unknown}" if unknown else "--minutes and --hang-s must be positive")
    signal.signal(signal.SIGALRM, _alarm)
    rng = random.Random(args.seed)
    tallies = {t: Tally() for t in targets}
    end = time.monotonic() + args.minutes * 60
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"govreport-fuzz-{os.getpid()}"
    workdir.mkdir(parents=True, exist_ok=True)
    while time.monotonic() < end:
        for t in targets:
            slot = min(ROUND_S, end - time.monotonic())
            if slot <= 0:
                break
            start = time.monotonic()
            if t == "files":
                run_files(tallies[t], slot, args.hang_s, workdir, rng)
            else:
                run_in_process(t, tallies[t], slot, args.hang_s)
            tallies[t].seconds += time.monotonic() - start
    print(f"{'target':<12}{'executions':>12}{'crashes':>10}{'hangs':>8}{'distinct':>10}{'seconds':>10}")
    for t, tl in tallies.items():
        print(f"{t:<12}{tl.executions:>12}{tl.crashes:>10}{tl.hangs:>8}{len(tl.signatures):>10}{tl.seconds:>10.0f}")
    total = sum(tl.executions for tl in tallies.values())
    print(
        f"{'total':<12}{total:>12}{sum(tl.crashes for tl in tallies.values()):>10}"
        f"{sum(tl.hangs for tl in tallies.values()):>8}"
    )
    for t, tl in tallies.items():
        for sig, shown in tl.signatures.items():
            print(f"\n[{t}] {sig}\n    input: {shown}")
    return 1 if any(tl.signatures for tl in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
