"""Time `formfill review` for each bundled sample: in-process (blank opened once) and as one CLI call.

    .venv/bin/python bench/review_time.py [--form BLANK.pdf]

Reported in the README; the target is under 5 s per review on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from formfill.forms import find_blank, open_blank
from formfill.review import review

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--form", default=None)
    args = parser.parse_args()
    blank_path = find_blank(Path(args.form) if args.form else None)
    blank = open_blank(blank_path)
    times = []
    for sample in sorted((REPO / "samples").glob("*.json")):
        start = time.perf_counter()
        page = review(sample, form=blank).to_html()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        print(f"{sample.stem:28s} {elapsed:5.2f} s  {len(page) / 1e6:4.2f} MB HTML")
    print(f"in-process: median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("formfill")), "review",
                        str(REPO / "samples" / "re-parole.json"), "--form", str(blank_path),
                        "-o", str(Path(tmp) / "r.html")], check=True, capture_output=True)
        print(f"one CLI call (start-up, blank from cache, fill, verify, render, write): "
              f"{time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
