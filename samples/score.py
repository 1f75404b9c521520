"""Print, for converted samples, how many canonical fields match each sample's expected JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cli import output_name
from samples.scoring import failing_rules, table_fields, table_mismatches


def main(out_dir: str, inputs: list[str]) -> int:
    total = right = 0
    print(f"{'sample':<60}{'fields right':>14}{'checks as expected':>20}")
    for path in inputs:
        exp_path = Path(path).with_name(Path(path).name.rsplit(".", 1)[0] + ".expected.json")
        got_path = Path(out_dir) / output_name(path)
        if not exp_path.exists():
            continue
        expected = json.loads(exp_path.read_text(encoding="utf-8"))
        n = table_fields(expected)
        total += n
        if not got_path.exists():
            print(f"{path:<60}{'failed':>14}")
            continue
        report = json.loads(got_path.read_text(encoding="utf-8"))
        bad = len(table_mismatches(report, expected))
        right += max(0, n - bad)
        checks_ok = failing_rules(report) == set(expected.get("failing_checks", []))
        print(f"{path:<60}{f'{n - bad}/{n}':>14}{('yes' if checks_ok else 'NO'):>20}")
    print(f"{'all':<60}{f'{right}/{total}':>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
