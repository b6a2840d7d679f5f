"""Benchmark: formfill batch against pdftk fill_form (one call per profile) and PyPDFForm, same profiles.

    .venv/bin/python bench/run.py [--profiles 200] [--big 2000] [--pdftk-sample 30] [--json-out FILE]

Generates N distinct, valid profiles (deterministic variations of samples/advance-parole-i485.json)
in a temporary folder and measures, in the same run:

- `formfill batch` with jobs = CPU count, forms per second *including* the pdfplumber verification
  (each batch runs in a fresh subprocess so its peak RSS is its own);
- `pdftk fill_form`, one call per profile as firms script it today, fed an XFDF of exactly the values
  formfill writes, on the plain (unencrypted) blank; a sample of calls is timed and extrapolated;
- PyPDFForm, when it is importable (it is not a dependency; the row is skipped otherwise);
- one `formfill fill` CLI call and one `formfill review` call end to end (Python start-up included) against one
  `pdftk fill_form` call, alternated;
- peak RSS for the small and the big batch, and a cProfile of an in-process run (what bounds it).

Figures are printed with the three ratios issue 18 sets targets for (one fill call at most 0.5x a pdftk call,
batch at least 30x pdftk per profile with peak memory flat from the small to the big batch, review at most 2x a
fill), and written as JSON with --json-out. Nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import datetime as dt
import html
import json
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "advance-parole-i485.json"
VENV_BIN = Path(sys.executable).parent

FAMILY = [
    "GARCIA",
    "NGUYEN",
    "SMITH",
    "KOWALSKI",
    "OKAFOR",
    "HERNANDEZ",
    "CHEN",
    "PATEL",
    "IVANOVA",
    "SILVA",
    "MUNOZ",
    "ABDULLAH",
    "MULLER",
    "ROSSI",
    "KIM",
    "TANAKA",
    "DUBOIS",
    "MENSAH",
    "LOPEZ RAMIREZ",
    "O NEILL",
]
GIVEN = [
    "MARIA",
    "JOSE",
    "LINH",
    "JOHN",
    "ANNA",
    "CHIDI",
    "WEI",
    "PRIYA",
    "OLGA",
    "JOAO",
    "AHMED",
    "SOFIA",
    "YUKI",
    "PIERRE",
    "AMA",
    "LUCIA",
    "MIGUEL",
    "FATIMA",
    "DMITRI",
    "GRACE",
]
STREETS = [
    "W 7th St",
    "Main St",
    "Ocean Ave",
    "Elm St",
    "Broadway",
    "Maple Dr",
    "Sunset Blvd",
    "Pine Rd",
    "Lakeview Ter",
    "Mission St",
]
PLACES = [
    ("Los Angeles", "CA", "90017"),
    ("Houston", "TX", "77002"),
    ("Chicago", "IL", "60601"),
    ("Miami", "FL", "33130"),
    ("New York", "NY", "10001"),
    ("Seattle", "WA", "98101"),
    ("Phoenix", "AZ", "85004"),
    ("Denver", "CO", "80202"),
    ("Atlanta", "GA", "30303"),
    ("Boston", "MA", "02108"),
]
COUNTRIES = ["Mexico", "Vietnam", "Philippines", "India", "Nigeria", "Brazil", "Ukraine", "China"]


# --- profiles -------------------------------------------------------------------------------------


def make_profile(base: dict[str, Any], i: int, rng: random.Random) -> dict[str, Any]:
    """A distinct, valid variation of the sample: names, dates, addresses, numbers."""
    p = copy.deepcopy(base)
    p["id"] = f"bench-{i:05d}"
    a = p["applicant"]
    a["name"] = {"family": rng.choice(FAMILY), "given": rng.choice(GIVEN), "middle": rng.choice([None, *GIVEN[:8]])}
    a["other_names"] = [] if i % 3 else [{"family": rng.choice(FAMILY), "given": a["name"]["given"], "middle": None}]
    city, state, zip_code = rng.choice(PLACES)
    m = a["mailing_address"]
    m.update(
        street=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        city=city,
        state=state,
        zip_code=zip_code,
        unit_type=rng.choice([None, "apt", "ste"]),
    )
    m["unit_number"] = None if m["unit_type"] is None else str(rng.randint(1, 40)) + rng.choice("ABCD")
    a["a_number"] = f"A{rng.randint(10_000_000, 299_999_999):09d}"
    a["ssn"] = f"{rng.randint(100, 665):03d}{rng.randint(10, 99):02d}{rng.randint(1000, 9999):04d}"
    a["date_of_birth"] = (dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 18_000))).isoformat()
    a["i94_number"] = f"{rng.randint(10**10, 10**11 - 1)}"
    a["country_of_birth"] = a["country_of_citizenship"] = rng.choice(COUNTRIES)
    a["sex"] = rng.choice(["F", "M"])
    p["application"]["receipt_number"] = f"IOE{rng.randint(10**9, 10**10 - 1)}"
    b = p["biographics"]
    b.update(height_feet=rng.randint(4, 6), height_inches=rng.randint(0, 11), weight_pounds=rng.randint(95, 260))
    p["travel"]["departure_date"] = (dt.date(2026, 12, 1) + dt.timedelta(days=rng.randint(0, 90))).isoformat()
    p["travel"]["length_days"] = rng.randint(3, 60)
    p["travel"]["countries"] = [a["country_of_birth"]]
    area = rng.choice(["213", "312", "305", "646", "206", "602"])
    p["contact"] = {
        "daytime_phone": f"{area}555{rng.randint(1000, 9999)}",
        "mobile_phone": f"{area}555{rng.randint(1000, 9999)}",
        "email": f"client{i}@example.com",
    }
    return p


def make_profiles(n: int, folder: Path, seed: int = 131) -> list[Path]:
    """N profile files in `folder`; the same N always gives the same profiles."""
    from formfill import api

    folder.mkdir(parents=True, exist_ok=True)
    base = json.loads(SAMPLE.read_text())
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        data = make_profile(base, i, rng)
        problems = api.validate(data)
        if problems:
            raise SystemExit(f"generated profile {i} is invalid: {problems}")
        path = folder / f"{data['id']}.json"
        path.write_text(json.dumps(data))
        paths.append(path)
    return paths


# --- formfill -------------------------------------------------------------------------------------


def child_batch(profiles: str, out: str, form: str, jobs: int) -> None:
    """Run one batch in this (fresh) process and print its figures as JSON: the subprocess side."""
    from formfill.batch import batch

    start = time.perf_counter()
    summary = batch([profiles], Path(out), form=form, jobs=jobs)
    wall = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": wall,
                "succeeded": summary.succeeded,
                "failed": summary.failed,
                "jobs": summary.jobs,
                "rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def run_batch(profiles: Path, out: Path, form: Path, jobs: int) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child-batch", str(profiles), str(out), str(form), str(jobs)],
        capture_output=True,
        text=True,
        check=False,
    )
    process_wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"batch failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = process_wall
    figures["forms_per_second"] = figures["succeeded"] / figures["seconds"]
    return figures


def timed(cmd: list[str], **kwargs: Any) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, check=False, **kwargs)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


# --- pdftk ----------------------------------------------------------------------------------------


def planned_values(profile: Path, blank_path: Path) -> list[tuple[str, str, str]]:
    """The (field, value, kind) formfill writes for a profile; checkbox on-states without the slash."""
    from formfill import api
    from formfill.forms import open_blank

    _, the_plan = api.prepare(api.load_profile(profile).profile, open_blank(blank_path))
    pairs = []
    for placed in the_plan.placed:
        value = placed.assignment.value
        pairs.append((placed.assignment.field, value[1:] if value.startswith("/") else value, placed.assignment.kind))
    return pairs


def write_xfdf(values: list[tuple[str, str, str]], path: Path) -> None:
    rows = "".join(f'<field name="{html.escape(f)}"><value>{html.escape(v)}</value></field>' for f, v, _ in values)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
        f'xml:space="preserve"><fields>{rows}</fields></xfdf>\n',
        encoding="utf-8",
    )


def bench_pdftk(profiles: list[Path], blank: Path, work: Path, parallel: int) -> dict[str, Any]:
    """One pdftk call per profile (XFDF prepared beforehand, outside the timing), serial and in parallel."""
    work.mkdir(parents=True, exist_ok=True)
    jobs = []
    for p in profiles:
        xfdf = work / f"{p.stem}.xfdf"
        write_xfdf(planned_values(p, blank), xfdf)
        jobs.append(["pdftk", str(blank), "fill_form", str(xfdf), "output", str(work / f"{p.stem}.pdf")])
    serial = [timed(cmd) for cmd in jobs]
    start = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(timed, jobs))
    par_wall = time.perf_counter() - start
    return {
        "calls": len(jobs),
        "mean_call_seconds": statistics.mean(serial),
        "median_call_seconds": statistics.median(serial),
        "forms_per_second": len(serial) / sum(serial),
        "parallel": parallel,
        "parallel_forms_per_second": len(jobs) / par_wall,
    }


# --- PyPDFForm ------------------------------------------------------------------------------------


def child_pypdfform(values_file: str, blank: str, out_dir: str) -> None:
    """Fill with PyPDFForm in this process (any interpreter that has it; formfill is not needed here)."""
    try:
        from PyPDFForm import PdfWrapper  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        print(json.dumps({"skipped": "PyPDFForm is not installed (pip install PyPDFForm, or --pypdfform-python)"}))
        return
    jobs = json.loads(Path(values_file).read_text())
    raw = Path(blank).read_bytes()
    keys = set(PdfWrapper(raw).schema.get("properties", {}))  # PyPDFForm keys fields by their last name part
    times, matched, planned = [], 0, 0
    for job in jobs:
        data: dict[str, Any] = {}
        for name, value, kind in job["values"]:
            key = name.rsplit(".", 1)[-1]
            planned += 1
            if key in keys:
                matched += 1
                data[key] = True if kind == "check" else value
        start = time.perf_counter()
        filled = PdfWrapper(raw).fill(data).read()
        (Path(out_dir) / f"{job['stem']}.pdf").write_bytes(filled)
        times.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "calls": len(times),
                "mean_call_seconds": statistics.mean(times),
                "forms_per_second": len(times) / sum(times),
                "fields_matched": matched,
                "fields_planned": planned,
                "python": sys.executable,
            }
        )
    )


def bench_pypdfform(profiles: list[Path], blank: Path, work: Path, python: str) -> dict[str, Any]:
    """PyPDFForm, in-process per fill (no start-up), in `python` (it is not a formfill dependency)."""
    work.mkdir(parents=True, exist_ok=True)
    values = work / "values.json"
    values.write_text(json.dumps([{"stem": p.stem, "values": planned_values(p, blank)} for p in profiles]))
    proc = subprocess.run(
        [python, __file__, "--child-pypdfform", str(values), str(blank), str(work)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"skipped": f"PyPDFForm run failed: {proc.stderr.strip()[-500:]}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def bench_single(paths: list[Path], plain: Path, encrypted: Path, tmp: Path, rounds: int) -> dict[str, Any]:
    """One CLI call each, end to end (Python or Java start-up included): `formfill fill` (verification
    included), `formfill review` (fill, verify and render the review page) and `pdftk fill_form` with the same
    values, alternated round by round so a change in the machine's load hits all three alike."""
    ffbin = str(VENV_BIN / "formfill")
    xfdf = tmp / "single.xfdf"
    write_xfdf(planned_values(paths[0], plain), xfdf)
    fill, review, pdftk, enc = [], [], [], []
    for i in range(rounds):
        p = str(paths[i % len(paths)])
        fill.append(timed([ffbin, "fill", p, "-o", str(tmp / f"single-{i}.pdf"), "--form", str(plain)]))
        pdftk.append(timed(["pdftk", str(plain), "fill_form", str(xfdf), "output", str(tmp / f"single-pdftk-{i}.pdf")]))
        review.append(timed([ffbin, "review", p, "-o", str(tmp / f"single-{i}.html"), "--form", str(plain)]))
        if encrypted.is_file() and i < 3:
            enc.append(timed([ffbin, "fill", p, "-o", str(tmp / f"single-enc-{i}.pdf"), "--form", str(encrypted)]))
    return {
        "rounds": rounds,
        "formfill_fill_cli_seconds": statistics.median(fill),
        "formfill_fill_cli_encrypted_blank_seconds": statistics.median(enc) if enc else None,
        "formfill_review_cli_seconds": statistics.median(review),
        "pdftk_fill_form_seconds": statistics.median(pdftk),
        "all": {"fill": fill, "review": review, "pdftk": pdftk},
    }


# --- what bounds it -------------------------------------------------------------------------------


def stage_times(profile: Path, blank: Path, repeat: int = 15) -> dict[str, float]:
    """Median seconds of each stage of one fill, timed directly (cProfile inflates pdfminer's many calls)."""
    from formfill import api
    from formfill.forms import open_blank

    form = open_blank(blank)
    times: dict[str, list[float]] = {
        "load_profile": [],
        "prepare (map + layout)": [],
        "render (write PDF)": [],
        "read_back (pdfplumber verify)": [],
    }
    for _ in range(repeat):
        t0 = time.perf_counter()
        loaded = api.load_profile(profile)
        t1 = time.perf_counter()
        fmap, the_plan = api.prepare(loaded.profile, form)
        t2 = time.perf_counter()
        data, sheets = api.render(form, the_plan)
        t3 = time.perf_counter()
        api.read_back(data, fmap, the_plan, form, sheets)
        t4 = time.perf_counter()
        for key, sec in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            times[key].append(sec)
    return {k: statistics.median(v) for k, v in times.items()}


def _package(filename: str) -> str:
    for name in ("pdfminer", "pdfplumber", "pypdf", "pydantic", "formfill", "logging"):
        if f"/{name}/" in filename or filename.endswith(f"/{name}/__init__.py"):
            return name
    return "other"


def profile_in_process(profiles: Path, out: Path, blank: Path, n: int) -> dict[str, Any]:
    """cProfile one in-process batch (jobs=1) of n profiles: own time by package and the top functions."""
    from formfill.batch import batch
    from formfill.forms import open_blank

    open_blank(blank)  # the once-per-worker cost is not what we are looking at
    subset = sorted(profiles.glob("*.json"))[:n]
    shutil.rmtree(out, ignore_errors=True)
    prof = cProfile.Profile()
    prof.enable()
    batch([str(p) for p in subset], out, form=blank, jobs=1)
    prof.disable()
    raw: dict[Any, Any] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    by_package: dict[str, float] = {}
    for key, v in raw.items():
        by_package[_package(key[0])] = by_package.get(_package(key[0]), 0.0) + v[2]
    top = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:12]
    return {
        "profiles": n,
        "own_time_share_by_package": {
            k: round(v / total, 3) for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])
        },
        "top_tottime": [
            {"function": f"{Path(k[0]).parent.name}/{Path(k[0]).name}:{k[1]}:{k[2]}", "share": round(v[2] / total, 3)}
            for k, v in top
        ],
        "stage_seconds_per_form": stage_times(subset[0], blank),
    }


# --- main -----------------------------------------------------------------------------------------


def find_forms() -> tuple[Path, Path]:
    base = Path(os.environ.get("FORMFILL_FORMS_DIR") or REPO.parent / "shared" / "forms" / "i-131")
    plain, enc = base / "i-131_01-20-25.pdf", base / "i-131_01-20-25_encrypted.pdf"
    if not plain.is_file():
        raise SystemExit(f"blank form not found: {plain} (set FORMFILL_FORMS_DIR)")
    return plain, enc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profiles", type=int, default=200, help="profiles in the main comparison (default 200)")
    ap.add_argument("--big", type=int, default=2000, help="profiles in the memory run (0 to skip; default 2000)")
    ap.add_argument("--pdftk-sample", type=int, default=30, help="pdftk calls actually timed (default 30)")
    ap.add_argument("--jobs", type=int, default=None, help="formfill workers (default: CPU count)")
    ap.add_argument("--cprofile", type=int, default=50, help="profiles in the cProfile run (0 to skip)")
    ap.add_argument("--single", type=int, default=5, help="rounds of single CLI calls (default 5)")
    ap.add_argument("--json-out", type=Path, default=None, help="also write the figures here")
    ap.add_argument(
        "--pypdfform-python",
        default=sys.executable,
        help="a Python that has PyPDFForm (default: this one; skipped when it lacks it)",
    )
    ap.add_argument("--child-batch", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--child-pypdfform", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_batch:
        child_batch(args.child_batch[0], args.child_batch[1], args.child_batch[2], int(args.child_batch[3]))
        return
    if args.child_pypdfform:
        child_pypdfform(*args.child_pypdfform)
        return
    if shutil.which("pdftk") is None:
        raise SystemExit("pdftk is not installed (apt-get install pdftk-java)")

    from formfill.batch import default_jobs

    plain, encrypted = find_forms()
    jobs = args.jobs or default_jobs()
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "usable_cpus": default_jobs(),
            "jobs": jobs,
            "python": sys.version.split()[0],
            "load_average_at_start": os.getloadavg()[0],
        }
    }
    with tempfile.TemporaryDirectory(prefix="formfill-bench-") as tmp_name:
        tmp = Path(tmp_name)
        n = args.profiles
        print(f"Generating {max(n, args.big)} profiles ...", flush=True)
        paths = make_profiles(max(n, args.big), tmp / "all")
        small = tmp / "small"
        small.mkdir()
        for p in paths[:n]:
            os.link(p, small / p.name)

        print(f"formfill batch: {n} profiles, {jobs} jobs ...", flush=True)
        ff = run_batch(small, tmp / "out-small", plain, jobs)
        ff_enc = run_batch(small, tmp / "out-small-enc", encrypted, jobs) if encrypted.is_file() else None
        results["formfill_batch"] = {**ff, "profiles": n, "blank": "plain"}
        if ff_enc:
            results["formfill_batch_encrypted_blank"] = {**ff_enc, "profiles": n, "blank": "encrypted (as shipped)"}

        k = min(args.pdftk_sample, n)
        print(f"pdftk fill_form: timing {k} of {n} calls (one per profile) ...", flush=True)
        pk = bench_pdftk(paths[:k], plain, tmp / "pdftk", parallel=jobs)
        pk["extrapolated_seconds_for_profiles"] = pk["mean_call_seconds"] * n
        results["pdftk"] = pk

        print("PyPDFForm ...", flush=True)
        pf = bench_pypdfform(paths[:k], plain, tmp / "pypdfform", args.pypdfform_python)
        results["pypdfform"] = pf

        print(f"single calls: formfill fill, formfill review and pdftk fill_form alternated, {args.single} each ...",
              flush=True)
        results["single_call"] = bench_single(paths, plain, encrypted, tmp, args.single)

        if args.big:
            big = tmp / "all"
            print(f"formfill batch: {args.big} profiles (memory) ...", flush=True)
            results["formfill_batch_big"] = {**run_batch(big, tmp / "out-big", plain, jobs), "profiles": args.big}

        if args.cprofile:
            print(f"cProfile: {args.cprofile} profiles in-process ...", flush=True)
            results["cprofile"] = profile_in_process(small, tmp / "out-prof", plain, min(args.cprofile, n))

    results["machine"]["load_average_at_end"] = os.getloadavg()[0]
    s = results["single_call"]
    results["ratios"] = {
        "batch_vs_pdftk_per_profile": ff["forms_per_second"] / pk["forms_per_second"],
        "batch_vs_pdftk_parallel": ff["forms_per_second"] / pk["parallel_forms_per_second"],
        "single_pdftk_over_formfill": s["pdftk_fill_form_seconds"] / s["formfill_fill_cli_seconds"],
        "fill_cli_over_pdftk": s["formfill_fill_cli_seconds"] / s["pdftk_fill_form_seconds"],
        "review_over_fill": s["formfill_review_cli_seconds"] / s["formfill_fill_cli_seconds"],
    }
    if "formfill_batch_big" in results:
        big = results["formfill_batch_big"]
        results["ratios"]["worker_rss_big_over_small"] = big["rss_worker_mb"] / ff["rss_worker_mb"]
        results["ratios"]["parent_rss_big_over_small"] = big["rss_parent_mb"] / ff["rss_parent_mb"]
    if "skipped" not in pf:
        results["ratios"]["batch_vs_pypdfform"] = ff["forms_per_second"] / pf["forms_per_second"]
    report(results)
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))


def report(r: dict[str, Any]) -> None:
    ff, pk, s = r["formfill_batch"], r["pdftk"], r["single_call"]
    m = r["machine"]
    print()
    print(
        f"Machine: {m['usable_cpus']} usable CPUs, Python {m['python']}; formfill jobs={m['jobs']}; load average "
        f"{m['load_average_at_start']:.1f} at start, {m['load_average_at_end']:.1f} at end (other work skews figures)"
    )
    print(
        f"formfill batch ({ff['profiles']} profiles, verified): {ff['forms_per_second']:.1f} forms/s "
        f"({ff['seconds']:.1f} s in batch(), {ff['process_seconds']:.1f} s with start-up; {ff['failed']} failed)"
    )
    if "formfill_batch_encrypted_blank" in r:
        fe = r["formfill_batch_encrypted_blank"]
        print(f"formfill batch, encrypted blank as shipped: {fe['forms_per_second']:.1f} forms/s")
    print(
        f"pdftk fill_form, one call per profile: {pk['mean_call_seconds']:.2f} s/call = "
        f"{pk['forms_per_second']:.2f} forms/s (timed {pk['calls']} calls; {ff['profiles']} profiles would take "
        f"~{pk['extrapolated_seconds_for_profiles']:.0f} s); {pk['parallel']} in parallel: "
        f"{pk['parallel_forms_per_second']:.2f} forms/s"
    )
    pf = r["pypdfform"]
    if "skipped" in pf:
        print(f"PyPDFForm: skipped: {pf['skipped']}")
    else:
        print(
            f"PyPDFForm (in-process, one form at a time, no verification): {pf['mean_call_seconds']:.2f} s/form = "
            f"{pf['forms_per_second']:.2f} forms/s ({pf['fields_matched']}/{pf['fields_planned']} values matched a "
            "PyPDFForm key)"
        )
    print(
        f"Ratio: formfill batch / pdftk per profile = {r['ratios']['batch_vs_pdftk_per_profile']:.1f}x "
        f"(vs {pk['parallel']} parallel pdftk: {r['ratios']['batch_vs_pdftk_parallel']:.1f}x)"
    )
    enc = s["formfill_fill_cli_encrypted_blank_seconds"]
    print(
        f"Single call (median of {s['rounds']}, alternated): formfill fill {s['formfill_fill_cli_seconds']:.2f} s"
        + (f" ({enc:.2f} s with the encrypted blank)" if enc else "")
        + f", formfill review {s['formfill_review_cli_seconds']:.2f} s, "
        f"pdftk fill_form {s['pdftk_fill_form_seconds']:.2f} s"
    )
    q = r["ratios"]
    print("Targets (issue 18), same run:")
    print(f"  one fill call / one pdftk call   {q['fill_cli_over_pdftk']:5.2f}x  (target <= 0.5x)")
    print(f"  batch / pdftk, per profile       {q['batch_vs_pdftk_per_profile']:5.1f}x  (target >= 30x)")
    print(f"  review call / fill call          {q['review_over_fill']:5.2f}x  (target <= 2x)")
    if "worker_rss_big_over_small" in q:
        print(f"  peak RSS big / small batch       worker {q['worker_rss_big_over_small']:.2f}x, parent "
              f"{q['parent_rss_big_over_small']:.2f}x  (target: flat, ~1.0x)")
    for key in ("formfill_batch", "formfill_batch_big"):
        if key in r:
            b = r[key]
            print(
                f"Peak RSS, {b['profiles']} profiles: parent {b['rss_parent_mb']:.0f} MB, largest worker "
                f"{b['rss_worker_mb']:.0f} MB ({b['forms_per_second']:.1f} forms/s)"
            )
    if "cprofile" in r:
        c = r["cprofile"]
        print("One fill, stage by stage (median, no profiler):")
        for label, sec in c["stage_seconds_per_form"].items():
            print(f"  {label:<32} {sec * 1000:6.1f} ms")
        shares = ", ".join(f"{k} {v:.0%}" for k, v in c["own_time_share_by_package"].items())
        print(f"cProfile of {c['profiles']} profiles in-process, own time by package: {shares}")
        for row in c["top_tottime"][:8]:
            print(f"    {row['share']:5.1%}  {row['function']}")
    print()
    print(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
