"""Seeded synthetic CRM on the 31 mainland provinces, with planted structure.

The generator is deterministic for a given ``(n_customers, seed, as_of)`` and plants
structure that tests check the analysis recovers (``DemoData.truth``):

* **Four true value tiers** (VIP, Key, Regular, Dormant) with distinct purchase
  behaviour: purchase rate per year 40 / 12 / 4 / 4-but-stopped, typical order value
  10,000 / 2,000 / 400 / 400 CNY.  Dormant customers stopped buying 380-900 days
  before the as-of date.
* **An overloaded region**: East (华东) grows fastest (more, newer customers) but is
  staffed so that its reps carry about 1.5x their capacity in tier-weighted accounts,
  while the other regions run at about 0.8x.  First-response time rises and CSAT/NPS
  fall with the owner rep's load ratio (``truth_meta['effects']``).
* **Cross-region buyers** (about 5%): 30% of their orders are booked in a province of
  another region.
* **Ownership conflicts** (about 1.5%): a second owner rep claims the customer (rows in
  ``ownership``), and both reps log interactions with them.
* **Owners outside the region** (about 1%): the owner rep belongs to another region.
* **Industries** with different value levels (multiplier on order value).

Only tests and benchmarks read the truth; notebooks and reports never do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from . import measures
from .contract import Dataset
from .params import DEFAULT_TIER_EFFORT

TIER_LABELS = ["VIP", "Key", "Regular", "Dormant"]
TIER_SHARES = np.array([0.05, 0.15, 0.45, 0.35])
#: purchases per year while active
TIER_RATE = np.array([40.0, 12.0, 4.0, 4.0])
#: median order value (CNY) before the industry multiplier
TIER_ORDER_VALUE = np.array([10000.0, 2000.0, 400.0, 400.0])
#: service contacts per year
TIER_CONTACT_RATE = np.array([10.0, 5.0, 1.5, 0.3])
#: effort weight per tier (the library default, :data:`segment_lib.params.DEFAULT_TIER_EFFORT`)
TIER_EFFORT = dict(DEFAULT_TIER_EFFORT)

INDUSTRIES = ["Manufacturing", "Retail", "IT", "Healthcare", "Logistics", "Finance"]
INDUSTRY_SHARES = np.array([0.28, 0.24, 0.16, 0.12, 0.12, 0.08])
INDUSTRY_VALUE = np.array([1.0, 0.85, 1.15, 1.05, 0.9, 1.2])

OVERLOADED_REGION = "East"
LOAD_OVERLOADED = 1.5
LOAD_NORMAL = 0.8
BASE_CAPACITY = 150.0  # tier-weighted accounts per rep

#: planted service effects (per unit of owner-rep load ratio)
EFFECTS = {
    "log_first_response_hours_per_load": 1.2,  # log-hours rise by 1.2 per +1.0 load ratio
    "first_response_median_hours_at_load_1": 2.0,
    "csat_latent_per_load": -1.0,  # latent CSAT points per +1.0 load ratio (before rounding/clipping)
    "nps_per_csat_point": 2.0,
    "complaint_rate_base": 0.03,
    "complaint_rate_per_excess_load": 0.10,
}

GAP_SHAPE = 4.0  # regularity of re-ordering (gamma shape of the gaps between orders)

CHANNELS = np.array(["phone", "wechat", "email", "visit"])
CHANNEL_P = np.array([0.4, 0.3, 0.2, 0.1])

#: a second candidate split shipped with the demo: East hands Anhui and Jiangxi to Central
#: and Shandong to North (reps keep their regions).
PROPOSAL_A_MOVES = {"AH": "Central", "JX": "Central", "SD": "North"}


@dataclass
class DemoData:
    """A generated demo CRM: the validated-shape tables plus the planted truth."""

    dataset: Dataset
    truth: pd.DataFrame
    truth_meta: dict = field(default_factory=dict)


def provinces() -> pd.DataFrame:
    """The shipped table of 31 provinces (see data/README)."""
    with resources.files("segment_lib.data").joinpath("china_provinces.csv").open("rb") as f:
        return pd.read_csv(f, dtype={"province_id": str})


def _geo_units(prov: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "geo_unit_id": prov["province_id"],
            "name": prov["name_zh"],
            "parent": "CN",
            "lat": prov["lat"].astype(float),
            "lon": prov["lon"].astype(float),
            "population": prov["population_10k_2020"].astype(float),
            "neighbors": prov["neighbors"].fillna(""),
        }
    )


def _days(x: np.ndarray) -> np.ndarray:
    return (x * 86400.0).astype("int64").astype("timedelta64[s]")


def generate(n_customers: int = 20000, seed: int = 7, as_of: str | pd.Timestamp = "2025-12-31",
             years: float = 3.0) -> DemoData:
    """Generate the demo CRM (deterministic for the same arguments).

    Parameters
    ----------
    n_customers: number of customers (about 15 transactions each over ``years``).
    seed: seed of the single ``numpy.random.Generator`` that drives every draw.
    as_of: the analysis date; nothing is dated after it.
    years: length of the transaction history.
    """
    if n_customers < 200:
        raise ValueError("n_customers must be at least 200 so every region gets reps and customers")
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp(as_of).normalize()
    end = as_of.to_datetime64()
    start = (as_of - pd.Timedelta(days=round(365.25 * years))).to_datetime64()
    prov = provinces()
    geo = _geo_units(prov)
    region_of_unit = dict(zip(prov["province_id"], prov["traditional_region_en"]))
    regions = sorted(set(region_of_unit.values()))

    # --- customers -----------------------------------------------------------------
    n = n_customers
    growth = np.where(prov["traditional_region_en"].to_numpy() == OVERLOADED_REGION, 1.6, 1.0)
    w = prov["population_10k_2020"].to_numpy(float) * growth
    unit_idx = rng.choice(len(prov), size=n, p=w / w.sum())
    unit = prov["province_id"].to_numpy()[unit_idx]
    region = np.array([region_of_unit[u] for u in prov["province_id"]])[unit_idx]
    tier = rng.choice(4, size=n, p=TIER_SHARES)
    industry = rng.choice(len(INDUSTRIES), size=n, p=INDUSTRY_SHARES)
    is_east = region == OVERLOADED_REGION
    # tenure: East customers are newer (fast growth); a few brand-new customers everywhere
    age_days = np.where(is_east, rng.uniform(400, 1300, n), rng.uniform(400, 2400, n))
    new = rng.random(n) < 0.02
    age_days = np.where(new, rng.uniform(30, 330, n), age_days)
    tier = np.where(new, 2, tier)  # brand-new customers are planted as Regular
    created = end - _days(age_days)
    jitter = rng.normal(0, 0.35, size=(n, 2))
    lat = prov["lat"].to_numpy()[unit_idx] + jitter[:, 0]
    lon = prov["lon"].to_numpy()[unit_idx] + jitter[:, 1]
    cust_ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 6))

    # --- reps: staffing plants the load ratio per region --------------------------------
    effort = measures.customer_effort(pd.Series(np.asarray(TIER_LABELS, dtype=object)[tier], index=cust_ids),
                                      cust_ids, TIER_EFFORT).effort.to_numpy(dtype=float)
    rep_rows = []
    rep_counter = 0
    owner = np.empty(n, dtype=object)
    rep_load_target = {}
    for r in regions:
        members = np.flatnonzero(region == r)
        load_target = LOAD_OVERLOADED if r == OVERLOADED_REGION else LOAD_NORMAL
        total = effort[members].sum()
        n_reps = max(2, int(round(total / (BASE_CAPACITY * load_target))))
        jitter = rng.uniform(0.85, 1.15, n_reps)
        # capacities scaled so the region's total load / capacity equals the planted ratio
        caps = np.round(total / (n_reps * load_target) * jitter / jitter.mean(), 1)
        ids = [f"R{rep_counter + i + 1:03d}" for i in range(n_reps)]
        rep_counter += n_reps
        # assign accounts to reps in proportion to capacity (workload then tracks capacity)
        owner[members] = rng.choice(ids, size=len(members), p=caps / caps.sum())
        hire = end - _days(rng.uniform(200, 3000, n_reps))
        for i, rid in enumerate(ids):
            rep_rows.append((rid, r, float(caps[i]), hire[i]))
            rep_load_target[rid] = load_target
    reps = pd.DataFrame(rep_rows, columns=["rep_id", "region_id", "capacity", "hire_date"])
    reps["name"] = [f"销售{i:03d}" for i in range(1, len(reps) + 1)]
    rep_ids = reps["rep_id"].to_numpy()
    rep_region = reps.set_index("rep_id")["region_id"]

    # owners outside the customer's region (~1%)
    outside = rng.random(n) < 0.01
    foreign_choice = rng.choice(rep_ids, size=n)
    outside &= rep_region.reindex(foreign_choice).to_numpy() != region
    owner = np.where(outside, foreign_choice, owner).astype(str)

    # ownership conflicts (~1.5%): a second rep of the same region claims the customer
    conflict = rng.random(n) < 0.015
    second = np.empty(n, dtype=object)
    reps_by_region = {r: reps.loc[reps["region_id"] == r, "rep_id"].to_numpy() for r in regions}
    for r in regions:
        m = np.flatnonzero(conflict & (region == r))
        cand = reps_by_region[r]
        pick = cand[rng.integers(0, len(cand), size=len(m))]
        same = pick == owner[m]
        pick[same] = cand[(np.searchsorted(cand, pick[same]) + 1) % len(cand)]
        second[m] = pick
    ownership = pd.DataFrame({"customer_id": cust_ids, "rep_id": owner})
    ownership = pd.concat(
        [ownership, pd.DataFrame({"customer_id": cust_ids[conflict], "rep_id": second[conflict].astype(str)})],
        ignore_index=True,
    ).sort_values(["customer_id", "rep_id"], kind="stable").reset_index(drop=True)

    # realised load ratio of every rep (accounts in ownership weighted by true tier effort)
    eff_by_cust = pd.Series(effort, index=cust_ids)
    rep_load = (
        ownership.assign(e=eff_by_cust.reindex(ownership["customer_id"]).to_numpy())
        .groupby("rep_id")["e"].sum()
        .reindex(rep_ids, fill_value=0.0)
        / reps.set_index("rep_id")["capacity"]
    )

    # --- transactions ----------------------------------------------------------------
    act_start = np.maximum(created, start)
    stop_days = rng.uniform(380, 900, n)
    act_end = np.where(tier == 3, end - _days(stop_days), end)
    act_end = np.maximum(act_end, act_start + _days(np.full(n, 1.0)))
    span_days = (act_end - act_start) / np.timedelta64(1, "D")
    rate = TIER_RATE[tier] * rng.gamma(20.0, 1 / 20.0, n)  # customer-level spread of the buying rate
    period = 365.25 / rate
    # purchases follow a renewal process (regular re-ordering): gamma gaps with shape 4
    n_draw = np.ceil(span_days / period * 1.5 + 4).astype(int)
    gidx = np.repeat(np.arange(n), n_draw)
    gaps = rng.gamma(GAP_SHAPE, 1.0 / GAP_SHAPE, len(gidx)) * period[gidx]
    first = np.r_[0, np.cumsum(n_draw)[:-1]]
    gaps[first] = rng.random(n) * period  # first order at a random phase
    csum = np.cumsum(gaps)
    offset = np.where(first > 0, csum[first - 1], 0.0)
    t_off = csum - np.repeat(offset, n_draw)
    keep = t_off < span_days[gidx]
    never = rng.random(n) < 0.01  # ~1% of customers never bought
    keep &= ~never[gidx]
    cidx = gidx[keep]
    m = len(cidx)
    order_value = TIER_ORDER_VALUE[tier] * INDUSTRY_VALUE[industry] * rng.lognormal(0, 0.2, n)
    t_date = act_start[cidx] + _days(t_off[keep])
    t_date = t_date.astype("datetime64[D]")
    amount = np.round(order_value[cidx] * rng.lognormal(0, 0.3, m), 2)
    is_return = rng.random(m) < 0.02
    amount = np.where(is_return, -np.round(amount * rng.uniform(0.1, 1.0, m), 2), amount)
    cross = rng.random(n) < 0.05
    booked_unit = unit[cidx].copy()
    away = cross[cidx] & (rng.random(m) < 0.3)
    # an away order goes to a random province of a different region
    other_units = {r: prov.loc[prov["traditional_region_en"] != r, "province_id"].to_numpy() for r in regions}
    for r in regions:
        sel = np.flatnonzero(away & (region[cidx] == r))
        cand = other_units[r]
        booked_unit[sel] = cand[rng.integers(0, len(cand), size=len(sel))]
    # a cross-region customer is one with at least one away order
    cross_real = np.zeros(n, dtype=bool)
    cross_real[np.unique(cidx[away])] = True
    order = np.lexsort((t_date, cidx))
    tx = pd.DataFrame(
        {
            "customer_id": cust_ids[cidx[order]],
            "date": pd.to_datetime(t_date[order]),
            "amount": amount[order],
            "geo_unit_id": booked_unit[order],
        }
    )
    tx.insert(0, "transaction_id", np.char.add("T", np.char.zfill(np.arange(1, m + 1).astype(str), 8)))

    # --- interactions (last two years) --------------------------------------------------
    i_start = np.maximum(created, end - _days(np.full(n, 730.0)))
    i_span = (end - i_start) / np.timedelta64(1, "D")
    # dormant customers contact less once they stopped buying
    n_int = rng.poisson(TIER_CONTACT_RATE[tier] * i_span / 365.25)
    icx = np.repeat(np.arange(n), n_int)
    k = len(icx)
    opened = i_start[icx] + _days(rng.random(k) * i_span[icx])
    opened = opened.astype("datetime64[s]")
    # the handling rep: the owner, or for conflict customers either claimant
    handler = owner[icx].copy()
    alt = conflict[icx] & (rng.random(k) < 0.5)
    handler[alt] = second[icx][alt]
    handler = handler.astype(str)
    load_h = rep_load.reindex(handler).to_numpy()
    med = EFFECTS["first_response_median_hours_at_load_1"]
    log_resp = np.log(med) + EFFECTS["log_first_response_hours_per_load"] * (load_h - 1.0) + rng.normal(0, 0.6, k)
    resp_hours = np.exp(log_resp)
    first_resp = opened + _days(resp_hours / 24.0)
    resolved = first_resp + _days(rng.lognormal(np.log(20), 0.8, k) / 24.0)
    p_complaint = EFFECTS["complaint_rate_base"] + EFFECTS["complaint_rate_per_excess_load"] * np.maximum(load_h - 1.0, 0)
    is_complaint = rng.random(k) < p_complaint
    # a few tickets still open at the as-of date: no response / resolution yet
    first_resp_ts = pd.to_datetime(first_resp)
    resolved_ts = pd.to_datetime(resolved)
    first_resp_ts = first_resp_ts.where(first_resp_ts <= pd.Timestamp(end), pd.NaT)
    resolved_ts = resolved_ts.where(resolved_ts <= pd.Timestamp(end), pd.NaT)
    order_i = np.lexsort((opened, icx))
    inter = pd.DataFrame(
        {
            "interaction_id": np.char.add("I", np.char.zfill(np.arange(1, k + 1).astype(str), 8)),
            "customer_id": cust_ids[icx[order_i]],
            "rep_id": handler[order_i],
            "opened_at": pd.to_datetime(opened[order_i]),
            "first_response_at": first_resp_ts[order_i],
            "resolved_at": resolved_ts[order_i],
            "is_complaint": is_complaint[order_i],
            "channel": CHANNELS[rng.choice(len(CHANNELS), size=k, p=CHANNEL_P)],
        }
    )

    # --- surveys: about 35% of contacts in the last year get a survey ----------------------
    recent = (opened >= (end - np.timedelta64(365, "D"))) & (rng.random(k) < 0.35)
    sidx = np.flatnonzero(recent)
    s_load = load_h[sidx]
    tier_bonus = np.array([0.15, 0.1, 0.0, -0.1])[tier[icx[sidx]]]
    latent = 4.2 + EFFECTS["csat_latent_per_load"] * (s_load - 1.0) + tier_bonus + rng.normal(0, 0.7, len(sidx))
    csat = np.clip(np.round(latent), 1, 5)
    nps = np.clip(np.round(EFFECTS["nps_per_csat_point"] * (latent - 4.2) + 8.0 + rng.normal(0, 1.2, len(sidx))), 0, 10)
    s_date = np.minimum(resolved[sidx].astype("datetime64[s]") + _days(rng.uniform(0, 3, len(sidx))),
                        end.astype("datetime64[s]"))
    surveys = pd.DataFrame(
        {
            "customer_id": cust_ids[icx[sidx]],
            "date": pd.to_datetime(s_date).normalize(),
            "csat": csat,
            "nps": nps,
            "rep_id": handler[sidx],
        }
    ).sort_values(["date", "customer_id"], kind="stable").reset_index(drop=True)

    # --- splits ------------------------------------------------------------------------
    trad = pd.DataFrame({"split": "traditional", "geo_unit_id": prov["province_id"],
                         "region_id": prov["traditional_region_en"]})
    prop = trad.assign(split="proposal_a")
    prop["region_id"] = prop["geo_unit_id"].map(PROPOSAL_A_MOVES).fillna(prop["region_id"])
    splits = pd.concat([trad, prop], ignore_index=True)

    phone = np.char.add("13", np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9))
    customers = pd.DataFrame(
        {
            "customer_id": cust_ids,
            "geo_unit_id": unit,
            "owner_rep_id": owner,
            "industry": np.array(INDUSTRIES)[industry],
            "created_at": pd.to_datetime(created.astype("datetime64[D]")),
            "lat": np.round(lat, 4),
            "lon": np.round(lon, 4),
            "name": np.char.add("客户", np.arange(1, n + 1).astype(str)),
            "phone": phone,
        }
    )
    truth = pd.DataFrame(
        {
            "customer_id": cust_ids,
            "true_tier": np.array(TIER_LABELS)[tier],
            "true_tier_rank": tier,
            "region_id": region,
            "is_cross_region": cross_real,
            "has_owner_conflict": conflict,
            "owner_outside_region": outside,
            "is_new": new,
            "owner_load_ratio": rep_load.reindex(owner).to_numpy(),
        }
    )
    region_load = (
        pd.DataFrame({"rep_id": rep_ids, "load": rep_load.to_numpy(), "region": reps["region_id"]})
        .groupby("region")["load"].mean().round(4).to_dict()
    )
    meta = {
        "seed": seed,
        "n_customers": n,
        "as_of": str(as_of.date()),
        "n_tiers": 4,
        "tier_labels": TIER_LABELS,
        "tier_effort": TIER_EFFORT,
        "overloaded_region": OVERLOADED_REGION,
        "planted_load": {"overloaded": LOAD_OVERLOADED, "normal": LOAD_NORMAL},
        "realised_mean_rep_load": region_load,
        "effects": EFFECTS,
        "n_transactions": int(m),
        "n_interactions": int(k),
        "n_surveys": int(len(surveys)),
        "n_owner_conflicts": int(conflict.sum()),
        "n_cross_region": int(cross_real.sum()),
        "n_owner_outside_region": int(outside.sum()),
    }
    ds = Dataset(
        customers=customers,
        transactions=tx,
        reps=reps,
        geo_units=geo,
        splits=splits,
        interactions=inter,
        surveys=surveys,
        ownership=ownership,
        as_of=as_of,
        current_split="traditional",
    )
    return DemoData(dataset=_typed(ds), truth=truth, truth_meta=meta)


def _typed(ds: Dataset) -> Dataset:
    """Cast the generated tables to the contract's dtypes (via io when available)."""
    from .contract import DTYPES, TABLES

    for name, spec in TABLES.items():
        df = ds.table(name)
        if df is None or df.empty:
            continue
        for c in spec.columns:
            if c.name in df.columns:
                df[c.name] = df[c.name].astype(DTYPES[c.kind])
        setattr(ds, name, df)
    return ds


TABLE_FILES = ["customers", "transactions", "interactions", "surveys", "reps", "geo_units", "splits", "ownership"]


def write_demo(out_dir: str | Path, n_customers: int = 20000, seed: int = 7,
               as_of: str = "2025-12-31") -> Path:
    """Generate the demo and write it as Parquet files (plus ``truth/``) into ``out_dir``.

    The layout matches ``config/demo.yaml``.  Writes go to a temporary sibling
    directory that is renamed into place, so a failure never leaves half a dataset.
    Returns ``out_dir``.
    """
    import os
    import shutil
    import tempfile

    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    demo = generate(n_customers=n_customers, seed=seed, as_of=as_of)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for name in TABLE_FILES:
            demo.dataset.table(name).to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "truth").mkdir()
        demo.truth.to_parquet(tmp / "truth" / "customers_truth.parquet", index=False)
        (tmp / "truth" / "truth.json").write_text(json.dumps(demo.truth_meta, indent=2, ensure_ascii=False))
        (tmp / "demo.json").write_text(json.dumps({"n_customers": n_customers, "seed": seed, "as_of": as_of}))
        if out.exists():
            old = out.with_name(f".{out.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def read_truth(demo_dir: str | Path) -> tuple[pd.DataFrame, dict]:
    """Read the planted truth written by :func:`write_demo` (tests only)."""
    d = Path(demo_dir) / "truth"
    return pd.read_parquet(d / "customers_truth.parquet"), json.loads((d / "truth.json").read_text())
