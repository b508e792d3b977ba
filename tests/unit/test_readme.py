"""The README's API example runs as written (on a small demo instead of the config's data)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_api_example_runs(small_cfg):
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    assert 'load_dataset("config/demo.yaml")' in code and 'build_context("config/demo.yaml"' in code
    code = code.replace('load_dataset("config/demo.yaml")', "demo.generate(2000, seed=7).dataset")
    code = code.replace('build_context("config/demo.yaml"', f"build_context({str(small_cfg)!r}")
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)
    assert ns["model"].n_tiers_ == 4
    findings = ns["regions"].region_findings(ns["ev"])
    assert findings[0].startswith("**East**")
    m = ns["proposal"].metrics
    assert m["balance_after"] < m["balance_before"] and m["max_deviation_after"] <= 0.10 + 1e-9
    assert ns["ctx"].tiers.names == ["VIP", "Key", "Regular", "Dormant"] and ns["ctx"].tiers.model.n_tiers_ == 4
