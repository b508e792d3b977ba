"""Reports a manager can read: "What to do" first, analyst terms only inside the collapsed appendix
(in English and Chinese), Chinese reports Chinese outside the appendix, plain numbers.

Uses the shared runs ``small_run`` (English) and ``small_run_zh`` (the same demo, reports.language zh).
"""

from __future__ import annotations

import html
import json
import re

import pytest

REPORTS = ("00_overview", "01_tiering", "02_regions", "03_rebalance")

#: words that belong in the analyst appendix only (case-insensitive, whole words)
ANALYST_TERMS = ("silhouette", "Davies", "Calinski", "inertia", "ARI", "bootstrap", "cluster-robust", "CP-SAT",
                 "kmeans", "k-means", "TierModel", "solver", "gerrychain", "ReCom", "Jaccard", "BIC", "Gini",
                 "CV", "gap", "p-value", "regression", "Markov", "轮廓系数", "求解器", "自助法", "聚类稳健",
                 "基尼", "马尔可夫", "回归")
#: English words that must not be visible in a Chinese report (outside appendix, data warnings, header/footer)
ENGLISH = ("What to do", "Key findings", "province", "revenue", "customers", "region", "Tier", "capacity",
           "For analysts", "workload", "Summary", "showing")


def _body(page: str) -> str:
    """Visible text outside the analyst appendix, the data-warnings box, the page header and footer."""
    s = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    s = re.sub(r"<details\b.*?</details>", " ", s, flags=re.S)
    s = re.sub(r'<div class="sl-box sl-warning".*?</ul></div>', " ", s, flags=re.S)
    s = re.sub(r"<(header|footer)\b.*?</\1>", " ", s, flags=re.S)
    s = re.sub(r"<[^>]+>", " ", s)
    return html.unescape(s)


def _has(text: str, term: str) -> bool:
    if term.isascii():
        return re.search(rf"(?<![A-Za-z]){re.escape(term)}(?![A-Za-z])", text, flags=re.I if term.islower() else 0) \
            is not None
    return term in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_what_to_do_first_and_analyst_terms_only_in_the_appendix(lang, request):
    run = request.getfixturevalue("small_run" if lang == "en" else "small_run_zh")
    for name in REPORTS:
        page = (run / f"{name}.html").read_text(encoding="utf-8")
        actions, section = page.find('class="sl-box sl-actions"'), page.find('class="sl-section"')
        assert 0 < actions < section, f"{lang}/{name}: the What to do box is not the first section"
        assert page.count("<details") == 1 and "<details open" not in page, f"{lang}/{name}: appendix"
        body = _body(page)
        found = [term for term in ANALYST_TERMS if _has(body, term)]
        assert not found, f"{lang}/{name}: analyst terms outside the appendix: {found}"
        n_actions = len(re.findall(r"<li\b", page[actions:page.find("</ol>", actions)]))
        assert 1 <= n_actions <= 5, f"{lang}/{name}: {n_actions} actions"


def test_chinese_reports_read_chinese(small_run_zh):
    for name in REPORTS:
        page = (small_run_zh / f"{name}.html").read_text(encoding="utf-8")
        assert '<html lang="zh"' in page
        body = _body(page)
        cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in body)
        assert cjk > 300, f"{name}: only {cjk} Chinese characters"
        found = [w for w in ENGLISH if re.search(rf"\b{re.escape(w)}\b", body, flags=re.I)]
        assert not found, f"{name}: English outside the appendix: {found}"
        assert not re.search(r"¥[\d.,]+[kMB]\b", body), f"{name}: amounts in k/M instead of 万/亿"
        # the data warnings too (file and column names stay as in the data)
        box = " ".join(re.findall(r'<div class="sl-box sl-warning".*?</ul></div>', page, flags=re.S))
        words = re.sub(r"\[[^\]]*\]|'[^']*'|<[^>]+>", " ", box)
        assert not re.search(r"\b(have|has|are|dates|amounts|rows|kept|dropped|after|without)\b", words), \
            f"{name}: data warnings in English: {words[:300]}"
        nb = json.loads((small_run_zh / f"{name}.ipynb").read_text(encoding="utf-8"))
        stderr = " ".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", [])
                          if o.get("name") == "stderr")
        assert "missing from font" not in stderr, f"{name}: a chart lacks Chinese glyphs"
    index = (small_run_zh.parent / "index.html").read_text(encoding="utf-8")
    assert "更换团队的收入占总收入" in index and "打开报告" in index


def test_rebalance_numbers_a_manager_can_trust(small_run):
    page = _body((small_run / "03_rebalance.html").read_text(encoding="utf-8"))
    metrics = json.loads((small_run / "metrics.json").read_text(encoding="utf-8"))["03_rebalance"]
    share = metrics["rebalance_moved_revenue_share_of_total"]
    # the solver's own share is of total revenue too (core accounts count in the denominator)
    assert 0 < share < 1 and abs(share - metrics["rebalance_moved_revenue_share"]) < 1e-9
    assert f"{share:.1%} of total revenue" in page
    n = int(re.search(r"compares today's split with ([\d,]+) valid alternatives", page).group(1).replace(",", ""))
    assert n == 300  # the real number drawn, never "thousands"
    assert not re.search(r"\b\d{4,}\b(?![.,]\d)", re.sub(r"\d{4}-\d{2}-\d{2}|C\d+", "", page)), \
        "a count without thousands separators"


def test_first_to_call_is_ranked_by_revenue_at_risk(small_run):
    page = (small_run / "01_tiering.html").read_text(encoding="utf-8")
    table = page[page.find("First to call"):]
    table = table[:table.find("</table>")]
    before = re.findall(r'<td[^>]*class="data row\d+ col1"[^>]*>([^<]*)</td>', table)
    order = {"VIP": 0, "Key": 1, "Regular": 2, "Dormant": 3}
    assert before and [order[b.strip()] for b in before] == sorted(order[b.strip()] for b in before)
