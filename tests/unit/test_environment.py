"""environment.yml (conda users) and pyproject.toml (pip users) must list the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"python-duckdb": "duckdb"}
# PyPI extras that conda-forge ships as separate packages
EXPANDED = {"dask[dataframe,distributed]": {"dask", "distributed"}}


def _name_and_bound(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower(), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"]["optional-dependencies"].values():
        reqs += extra
    out: dict[str, str] = {}
    for r in reqs:
        name, bound = _name_and_bound(r)
        for n in EXPANDED.get(name, {name}):
            out[n] = bound
    return out


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for d in items:
            if d.startswith("-e") or d in ("pip",):
                continue
            name, bound = _name_and_bound(d)
            if name == "python":
                continue
            out[CONDA_TO_PYPI.get(name, name)] = bound
    return out


def test_same_packages_and_lower_bounds():
    py, env = _pyproject(), _environment()
    assert set(py) == set(env), f"only in pyproject: {set(py) - set(env)}; only in environment.yml: {set(env) - set(py)}"
    for name, bound in py.items():
        assert env[name] == bound, f"{name}: pyproject {bound!r} vs environment.yml {env[name]!r}"


def test_python_version_agrees():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert f"python{data['project']['requires-python']}" in env["dependencies"]
