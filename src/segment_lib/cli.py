"""Command line: ``segment-lib demo-data | run | validate``.

Errors the user can fix (:class:`~segment_lib.errors.SegmentLibError`) are printed as one line
``error: ...`` with exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import SegmentLibError


def _progress(msg: str) -> None:
    print(msg, flush=True)


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from . import demo

    out = Path(args.out)
    marker = out / "demo.json"
    if not args.force and marker.is_file():
        try:
            meta = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            meta = {}
        if meta.get("n_customers") == args.n_customers and meta.get("seed") == args.seed:
            _progress(f"demo data already in {out} ({args.n_customers:,} customers, seed {args.seed}); "
                      "skipping (use --force to regenerate)")
            return 0
    t0 = time.perf_counter()
    _progress(f"generating demo data: {args.n_customers:,} customers, seed {args.seed} …")
    demo.write_demo(out, n_customers=args.n_customers, seed=args.seed)
    _progress(f"demo data written to {out} in {time.perf_counter() - t0:.1f}s")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import run_reports

    run_dir = run_reports(args.config, notebooks=args.notebooks or None, run_name=args.run_name,
                          progress=_progress, notebooks_dir=args.notebooks_dir, reports_dir=args.reports_dir,
                          timeout=args.timeout, as_of=args.as_of, jobs=args.jobs)
    _progress(f"open {run_dir.parent / 'index.html'}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .config import load_config
    from .io import load_dataset

    cfg = load_config(args.config)
    ds = load_dataset(cfg)
    s = ds.summary()
    for row in s.itertuples(index=False):
        if row.rows:
            _progress(f"loaded {row.table}: {row.rows:,} rows")
    _progress("")
    _progress(f"{'table':<14}{'rows':>10}{'columns':>9}  source")
    for row in s.itertuples(index=False):
        src = Path(str(row.source)).name if row.source else "-"
        _progress(f"{row.table:<14}{row.rows:>10,}{row.columns:>9}  {src}")
    _progress("")
    as_of = "latest data" if ds.as_of is None else f"{ds.as_of:%Y-%m-%d}"
    where = (f"current split: {ds.current_split}; splits: {', '.join(ds.split_names)}" if ds.current_split
             else "no regions (no splits)")
    _progress(f"as of {as_of}; {where}")
    from .views import REQUIREMENTS, unmet

    reasons = {n: unmet(n, ds) for n in REQUIREMENTS}
    runs = [REQUIREMENTS[n].title for n, why in reasons.items() if not why]
    _progress(f"reports that can run: {', '.join(runs) or 'none'}")
    for why in filter(None, reasons.values()):
        _progress(f"  not run: {why}")
    if ds.warnings:
        _progress(f"{len(ds.warnings)} warning(s):")
        for w in ds.warnings:
            _progress(f"  - {w}")
    else:
        _progress("no warnings: the data meets the contract")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="segment-lib", description="Customer tiering and region-split reports.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo-data", help="generate the synthetic demo CRM")
    d.add_argument("--out", default="data/demo", help="output folder (default: data/demo)")
    d.add_argument("--n-customers", type=int, default=20000, help="number of customers (default: 20000)")
    d.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    d.add_argument("--force", action="store_true", help="regenerate even if the same demo already exists")
    d.set_defaults(func=_cmd_demo_data)

    r = sub.add_parser("run", help="execute the report notebooks and write reports/")
    r.add_argument("--config", required=True, help="YAML config, e.g. config/demo.yaml")
    r.add_argument("--notebooks", nargs="+", metavar="NAME", help="only these notebooks, e.g. 00_overview")
    r.add_argument("--run-name", help="reports/<run-name>/ (default: the config's run_name)")
    r.add_argument("--notebooks-dir", help="folder with the NN_name.ipynb notebooks")
    r.add_argument("--reports-dir", help="write here instead of the config's reports.dir")
    r.add_argument("--timeout", type=int, default=None, help="seconds allowed per notebook cell")
    r.add_argument("--as-of", help="analysis date YYYY-MM-DD, overriding the config's as_of (e.g. quarterly re-runs)")
    r.add_argument("--jobs", type=int, default=None,
                   help="notebooks executed at the same time (default: one per core)")
    r.set_defaults(func=_cmd_run)

    v = sub.add_parser("validate", help="load the data, print table sizes and warnings")
    v.add_argument("--config", required=True, help="YAML config")
    v.set_defaults(func=_cmd_validate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from ._exit import skip_final_collections

    skip_final_collections()  # the command's objects are not garbage-collected one by one at exit
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SegmentLibError as exc:
        msg = " ".join(str(exc).split())  # one line
        print(f"error: {msg}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
