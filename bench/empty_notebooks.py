"""The floor of a report run: papermill executing N empty notebooks one after another.

    .venv/bin/python bench/empty_notebooks.py            # 4 notebooks, prints the seconds

Each notebook has a ``parameters`` cell and one empty code cell, so the time is kernel start-up,
papermill's own work and kernel shutdown -- what any papermill report of 4 notebooks pays before
doing anything.  ``bench/run_all.py`` measures it in the same run as the demo report set
(stage ``pipeline_demo``) and reports the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def empty_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("config_path = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def run_empty(n: int = 4, workdir: str | Path | None = None) -> float:
    """Seconds for papermill to execute ``n`` empty notebooks one after another."""
    import papermill as pm

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        src = empty_notebook(Path(tmp) / "empty.ipynb")
        t0 = time.perf_counter()
        for i in range(n):  # one kernel per notebook, as the runner does
            pm.execute_notebook(str(src), str(Path(tmp) / f"out{i}.ipynb"), parameters={"config_path": "x"},
                                kernel_name="python3", progress_bar=False, log_output=False,
                                extra_arguments=["--IPKernelApp.log_level=ERROR"])  # as the runner
        return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> float:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=4, help="number of notebooks (default 4)")
    a = ap.parse_args(argv)
    s = run_empty(a.n)
    print(f"{a.n} empty notebooks: {s:.2f} s")
    return s


if __name__ == "__main__":
    main(sys.argv[1:])
