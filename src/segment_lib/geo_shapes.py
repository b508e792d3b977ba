"""Seeded datasets of three public-data shapes, for tests and the example configs (not for analysis).

* :func:`county_grid` — 100 units on a 10 x 10 grid given by an edge list (``adjacency`` table, no
  ``neighbors`` column), a ``workload`` per unit, and a current split of 8 territories one of which
  lies in two pieces.
* :func:`wide_plans` — 32 units with a ``neighbors`` column and a wide plan table: six plans (4 to 8
  regions), each staffed through ``split_reps``.
* :func:`point_units` — about 1,000 point-only units (coordinates and population, no adjacency) with
  customers (some churned), CSAT-only surveys and two candidate plans.

Every function returns canonical frames (``{table: DataFrame}``) for
:func:`segment_lib.io.dataset_from_frames`; :func:`write_shape` writes one shape as CSV files next to
a config (``data/geo_shapes/make_geo_shapes.py`` writes the example data).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["SHAPES", "county_grid", "point_units", "wide_plans", "write_shape"]


def _grid_units(w: int, h: int, prefix: str, lat0: float, lon0: float, step: float) -> pd.DataFrame:
    rows = [(f"{prefix}{r:02d}{c:02d}" if w * h > 99 else f"{prefix}{r * w + c + 1:02d}", r, c)
            for r in range(h) for c in range(w)]
    df = pd.DataFrame(rows, columns=["geo_unit_id", "row", "col"])
    df["lat"] = lat0 + df["row"] * step
    df["lon"] = lon0 + df["col"] * step * 1.2
    return df


def _grid_edges(units: pd.DataFrame) -> pd.DataFrame:
    pos = {(r, c): u for u, r, c in zip(units["geo_unit_id"], units["row"], units["col"])}
    edges = [(u, pos[(r, c + 1)]) for (r, c), u in pos.items() if (r, c + 1) in pos]
    edges += [(u, pos[(r + 1, c)]) for (r, c), u in pos.items() if (r + 1, c) in pos]
    return pd.DataFrame(edges, columns=["unit_a", "unit_b"])


def _customers(rng, units: pd.DataFrame, n: int, weights: np.ndarray, owner_of_unit: dict,
               as_of: pd.Timestamp, churn: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers spread over units by ``weights`` with 1-12 orders each in the year before ``as_of``."""
    p = weights / weights.sum()
    unit = rng.choice(units["geo_unit_id"].to_numpy(), size=n, p=p)
    cust = pd.DataFrame({"customer_id": [f"K{i:05d}" for i in range(n)], "geo_unit_id": unit})
    cust["owner_rep_id"] = [owner_of_unit[u] for u in unit]
    if churn:
        cust["churned"] = rng.random(n) < 0.12
    n_orders = rng.integers(1, 13, size=n)
    cid = np.repeat(cust["customer_id"].to_numpy(), n_orders)
    days = rng.integers(0, 365, size=len(cid))
    tx = pd.DataFrame({"transaction_id": [f"T{i:06d}" for i in range(len(cid))], "customer_id": cid,
                       "date": as_of - pd.to_timedelta(days, unit="D"),
                       "amount": np.round(rng.lognormal(6.0, 0.8, size=len(cid)), 2)})
    return cust, tx


def _voronoi(xy: np.ndarray, k: int, rng) -> np.ndarray:
    """Zones: each point to the nearest of ``k`` seed points picked among the points (Voronoi)."""
    seeds = xy[rng.choice(len(xy), size=k, replace=False)]
    return np.argmin(((xy[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2), axis=1)


def _reps_for(split: pd.Series, load: pd.Series, prefix: str, per_region: int = 2, cap_factor=None):
    """Reps (``per_region`` per region) with capacity from the region's load (``cap_factor`` per region)."""
    reg_load = load.groupby(split).sum()
    rows = []
    for r, l in reg_load.items():
        f = 1.0 if cap_factor is None else cap_factor.get(r, 1.0)
        for j in range(per_region):
            rows.append((f"{prefix}{r}-{j + 1}", r, round(float(l) * f / per_region, 1)))
    return pd.DataFrame(rows, columns=["rep_id", "region_id", "capacity"])


def county_grid(seed: int = 12) -> dict[str, pd.DataFrame]:
    """100 counties (10 x 10 grid, edge list), unit workloads, 8 territories; T8 lies in two pieces."""
    rng = np.random.default_rng(seed)
    gu = _grid_units(10, 10, "C", 38.0, -98.0, 0.4)
    gu["workload"] = np.round(rng.uniform(40, 400, size=len(gu)), 0)
    gu["population"] = np.round(gu["workload"] * rng.uniform(800, 1200, size=len(gu)), 0)
    # 8 territories: 4 column bands x 2 row bands (5 x 2.5 each) ...
    terr = "T" + (1 + (gu["col"] // 3).clip(upper=3) + 4 * (gu["row"] // 5)).astype(str)
    # ... and a detached piece of T8 inside T1's area (two counties), a two-piece territory
    terr[(gu["row"].isin([1])) & (gu["col"].isin([0, 1]))] = "T8"
    split = pd.Series(terr.to_numpy(), index=gu["geo_unit_id"])
    load = pd.Series(gu["workload"].to_numpy(), index=gu["geo_unit_id"])
    reps = _reps_for(split, load, "R", cap_factor={"T1": 0.8, "T2": 1.25})
    total_cap = reps["capacity"].sum()
    reps["capacity"] = (reps["capacity"] * load.sum() * 1.05 / total_cap).round(1)
    owner = {u: f"R{t}-{1 + i % 2}" for i, (u, t) in enumerate(split.items())}
    as_of = pd.Timestamp("2025-12-31")
    cust, tx = _customers(rng, gu, 400, gu["workload"].to_numpy(), owner, as_of)
    splits = pd.DataFrame({"split": "territories_2025", "geo_unit_id": split.index, "region_id": split.to_numpy()})
    return {"geo_units": gu.drop(columns=["row", "col"]), "adjacency": _grid_edges(gu), "splits": splits,
            "reps": reps, "customers": cust, "transactions": tx}


def wide_plans(seed: int = 32) -> dict[str, pd.DataFrame]:
    """32 states (4 x 8 grid, ``neighbors`` column) and a wide table of six plans of 4 to 8 regions."""
    rng = np.random.default_rng(seed)
    gu = _grid_units(8, 4, "S", 30.0, -110.0, 3.0)
    edges = _grid_edges(gu)
    nb: dict[str, list[str]] = {u: [] for u in gu["geo_unit_id"]}
    for a, b in zip(edges["unit_a"], edges["unit_b"]):
        nb[a].append(b)
        nb[b].append(a)
    gu["neighbors"] = [";".join(nb[u]) for u in gu["geo_unit_id"]]
    gu["population"] = np.round(rng.lognormal(15, 0.6, size=len(gu)), 0)
    wide = pd.DataFrame({"geo_unit_id": gu["geo_unit_id"]})
    xy = gu[["row", "col"]].to_numpy(float)
    for i, k in enumerate((4, 5, 6, 6, 7, 8)):
        lab = _voronoi(xy + rng.normal(0, 0.3, xy.shape), k, rng)
        wide[f"plan_{chr(ord('a') + i)}"] = [f"{chr(ord('A') + int(x))}" for x in lab]
    units = gu["geo_unit_id"].to_numpy()
    weights = gu["population"].to_numpy()
    n_reps = 16
    reps = pd.DataFrame({"rep_id": [f"P{i:02d}" for i in range(n_reps)], "capacity": 110.0})
    sr = []
    for plan in wide.columns[1:]:
        regions = sorted(wide[plan].unique())
        for i, rep in enumerate(reps["rep_id"]):
            sr.append((plan, regions[i % len(regions)], rep))
    split_reps = pd.DataFrame(sr, columns=["split", "region_id", "rep_id"])
    reps["region_id"] = split_reps[split_reps["split"] == "plan_a"].set_index("rep_id")["region_id"].reindex(
        reps["rep_id"]).to_numpy()
    cur = wide.set_index("geo_unit_id")["plan_a"]
    owner = {}
    for u in units:
        team = reps.loc[reps["region_id"] == cur[u], "rep_id"].tolist()
        owner[u] = team[int(rng.integers(len(team)))]
    as_of = pd.Timestamp("2025-12-31")
    cust, tx = _customers(rng, gu, 600, weights, owner, as_of)
    splits = wide.melt(id_vars="geo_unit_id", var_name="split", value_name="region_id")[
        ["split", "geo_unit_id", "region_id"]]
    return {"geo_units": gu.drop(columns=["row", "col"]), "splits": splits, "splits_wide": wide,
            "split_reps": split_reps, "reps": reps, "customers": cust, "transactions": tx}


def point_units(n_units: int = 1000, n_customers: int = 3000, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Point-only units (zip-code like: lat, lon, population; no adjacency), customers with a churn
    flag, CSAT-only surveys and two plans (``zones_2024`` current, ``zones_new``)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform([33.0, -100.0], [41.0, -86.0], size=(12, 2))
    pick = rng.integers(0, len(centres), size=n_units)
    latlon = centres[pick] + rng.normal(0, 0.8, size=(n_units, 2))
    gu = pd.DataFrame({"geo_unit_id": [f"{10000 + 7 * i:05d}" for i in range(n_units)],
                       "lat": latlon[:, 0].round(4), "lon": latlon[:, 1].round(4),
                       "population": np.round(rng.lognormal(9, 0.7, size=n_units), 0)})
    xy = np.c_[gu["lat"], gu["lon"] * np.cos(np.radians(37))]
    plans = {}
    for name in ("zones_2024", "zones_new"):
        lab = _voronoi(xy, 6, rng)
        plans[name] = pd.Series([f"Z{int(x) + 1}" for x in lab], index=gu["geo_unit_id"])
    cur = plans["zones_2024"]
    reps = pd.DataFrame([(f"Z{r}-{j}", f"Z{r}") for r in range(1, 7) for j in (1, 2)], columns=["rep_id", "region_id"])
    owner = {u: f"{r}-{1 + int(rng.integers(2))}" for u, r in cur.items()}
    as_of = pd.Timestamp("2025-12-31")
    cust, tx = _customers(rng, gu, n_customers, gu["population"].to_numpy(), owner, as_of, churn=True)
    # capacity: about the region's tier-weighted customers; the first zone short of reps
    per_region = cust["geo_unit_id"].map(cur).value_counts()
    reps["capacity"] = [round(per_region.get(r, 1) * (2.0 if r == "Z1" else 3.4) / 2, 1) for r in reps["region_id"]]
    n_sv = n_customers // 3
    sv = pd.DataFrame({"customer_id": rng.choice(cust["customer_id"], size=n_sv),
                       "date": as_of - pd.to_timedelta(rng.integers(0, 300, size=n_sv), unit="D")})
    zone = sv["customer_id"].map(cust.set_index("customer_id")["geo_unit_id"]).map(cur)
    sv["csat"] = np.clip(np.round(rng.normal(np.where(zone == "Z1", 3.4, 4.1), 0.9)), 1, 5)
    # churn is higher where reps are short (zone Z1)
    z = cust["geo_unit_id"].map(cur)
    cust["churned"] = rng.random(len(cust)) < np.where(z == "Z1", 0.25, 0.10)
    splits = pd.concat([pd.DataFrame({"split": n, "geo_unit_id": s.index, "region_id": s.to_numpy()})
                        for n, s in plans.items()], ignore_index=True)
    return {"geo_units": gu, "splits": splits, "reps": reps, "customers": cust, "transactions": tx,
            "surveys": sv}


SHAPES = {"counties": county_grid, "states_wide": wide_plans, "zipcodes": point_units}


def write_shape(name: str, folder: str | Path) -> Path:
    """Write shape ``name`` (a key of :data:`SHAPES`) as CSV files into ``folder``; returns the folder.

    ``states_wide`` writes its plans as one wide table (``splits.csv``: geo_unit_id + one column per plan).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    frames = SHAPES[name]()
    if "splits_wide" in frames:
        frames["splits"] = frames.pop("splits_wide")
    for table, df in frames.items():
        df.to_csv(out / f"{table}.csv", index=False, date_format="%Y-%m-%d")
    return out
