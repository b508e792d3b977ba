"""Reading a split: normalise the many ways to name one, encode it on the prepared ids, check it.

A split maps geo units to regions (``Dataset.split(name)``) and reps to regions
(``Dataset.rep_regions(name)``).  :func:`layout` turns one into integer codes on the prepared
customer / unit / rep positions (:class:`SplitLayout`); customers in geo units without a region
are counted under the region :data:`UNASSIGNED`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..contract import Dataset
from ..errors import DataContractError

if TYPE_CHECKING:  # pragma: no cover
    from .base import _Prep

UNASSIGNED = "(unassigned)"


def _normalise_split(dataset: Dataset, split, rep_regions) -> tuple[str, pd.Series, pd.Series]:
    """(name, Series geo_unit_id -> region_id, Series rep_id -> region_id) from a split name, Series,
    mapping or DataFrame (``geo_unit_id``/``region_id``); None means the dataset's current split."""
    if split is None:
        split = dataset.current_split
        if split is None:
            raise DataContractError("no split given and the dataset has no current split", file="splits",
                                    hint="pass split='name' or set current_split in the config")
    if isinstance(split, str):
        s = dataset.split(split)
        rr = dataset.rep_regions(split) if rep_regions is None else rep_regions
        return split, s, rr
    if isinstance(split, pd.DataFrame):
        if not {"geo_unit_id", "region_id"} <= set(split.columns):
            raise DataContractError("a split table needs columns geo_unit_id and region_id", file="splits")
        name = str(split["split"].iloc[0]) if "split" in split.columns and len(split) else "custom"
        dup = split["geo_unit_id"].astype(str).duplicated(keep=False)
        if dup.any():
            raise DataContractError("a geo unit is assigned twice", file="splits", column="geo_unit_id",
                                    values=split.loc[dup, "geo_unit_id"].astype(str).unique().tolist(),
                                    hint="give every geo unit exactly one region")
        split = split.set_index("geo_unit_id")["region_id"].rename(name)
    if isinstance(split, Mapping):
        split = pd.Series(split, name="custom")
    if not isinstance(split, pd.Series):
        raise DataContractError(f"cannot read a split from {type(split).__name__}", file="splits",
                                hint="pass a split name, a Series geo_unit_id -> region_id, or a DataFrame")
    name = str(split.name) if split.name is not None else "custom"
    if split.index.has_duplicates:
        raise DataContractError("a geo unit is assigned twice", file="splits", column="geo_unit_id",
                                values=split.index[split.index.duplicated()].astype(str).unique().tolist())
    rr = rep_regions if rep_regions is not None else dataset.reps.set_index("rep_id")["region_id"]
    return name, split, rr


def _encode_split(ds, unit_ids, rep_ids, split: pd.Series, rep_regions: pd.Series, name: str,
                  units_with_customers, on_unassigned: str, warnings: list[str]):
    """(region code per unit, region code per rep, region labels, orphan unit positions); -1 = none.

    Raises for unknown units / reps, a rep staffed twice, and (``on_unassigned="error"``) units
    with customers left without a region; softer problems go to ``warnings``.
    """
    s = split.copy()
    s.index = pd.Index(s.index.astype(str))
    unknown = s.index.difference(unit_ids)
    if len(unknown):
        raise DataContractError(f"split '{name}' names geo units that are not in geo_units", file="splits",
                                column="geo_unit_id", values=sorted(unknown.tolist()),
                                hint="fix the unit ids or add the units to geo_units")
    s = s.astype("object").where(s.notna(), None)
    assigned = s.dropna().astype(str)
    regions = pd.Index(sorted(assigned.unique()), name="region_id")
    unit_region = np.full(len(unit_ids), -1)
    unit_region[unit_ids.get_indexer(assigned.index)] = regions.get_indexer(assigned.to_numpy())
    orphan = np.flatnonzero(unit_region < 0)
    if len(orphan):
        with_c = orphan[units_with_customers[orphan] > 0]
        if len(with_c) and on_unassigned == "error":
            raise DataContractError(
                f"split '{name}' leaves {len(with_c)} geo units with customers without a region",
                file="splits", column="region_id", values=unit_ids[with_c].tolist(),
                hint="assign every geo unit to a region, or pass on_unassigned='warn'")
        warnings.append(f"split '{name}': {len(orphan)} geo units have no region "
                        f"({', '.join(unit_ids[orphan][:10].tolist())}"
                        f"{'…' if len(orphan) > 10 else ''}); "
                        f"{int(units_with_customers[orphan].sum()):,} customers in them are counted as '{UNASSIGNED}'")
    # reps
    rr = rep_regions.copy()
    rr.index = pd.Index(rr.index.astype(str))
    unknown_r = rr.index.difference(rep_ids)
    if len(unknown_r):
        raise DataContractError(f"split '{name}' staffs reps that are not in the reps table", file="split_reps",
                                column="rep_id", values=sorted(unknown_r.tolist()), hint="fix the rep ids")
    if rr.index.has_duplicates:
        raise DataContractError(f"split '{name}' staffs a rep in two regions", file="split_reps", column="rep_id",
                                values=rr.index[rr.index.duplicated()].unique().tolist())
    rr = rr.astype("object").where(rr.notna(), None).dropna().astype(str)
    rep_region = np.full(len(rep_ids), -1)
    codes = regions.get_indexer(rr.to_numpy())
    staffed = rep_ids.get_indexer(rr.index)
    rep_region[staffed] = codes
    idle = rr.index[codes < 0]
    if len(idle):
        warnings.append(f"split '{name}': {len(idle)} reps are staffed in regions the split does not have "
                        f"({', '.join(sorted(set(rr[codes < 0])))}); they get no customers")
    listed = np.zeros(len(rep_ids), dtype=bool)
    listed[staffed] = True  # (every rep in rr is known, checked above)
    unstaffed = rep_ids[~listed]
    if len(unstaffed):
        warnings.append(f"split '{name}': {len(unstaffed)} reps are not staffed in any region; "
                        "their customers are handed over")
    return unit_region, rep_region, regions, orphan


@dataclass
class SplitLayout:
    """One split encoded on the prepared positions (internal).

    unit_region / rep_region / cust_region: region code (in ``regions``) per unit / rep / customer,
    -1 = none.  ``labels`` = ``regions`` plus :data:`UNASSIGNED` when a customer has no region;
    ``cust_label``: code in ``labels`` per customer.  ``orphan``: unit positions without a region.
    """

    name: str
    regions: pd.Index
    labels: pd.Index
    unit_region: np.ndarray
    rep_region: np.ndarray
    cust_region: np.ndarray
    cust_label: np.ndarray
    orphan: np.ndarray
    has_unassigned: bool

    @property
    def n_labels(self) -> int:
        return len(self.labels)


def layout(p: _Prep, split, rep_regions, on_unassigned: str, warnings: list[str]) -> SplitLayout:
    """Normalise, encode and check ``split`` on the prepared dataset ``p``."""
    name, split_s, rr = _normalise_split(p.ds, split, rep_regions)
    unit_region, rep_region, regions, orphan = _encode_split(
        p.ds, p.unit_ids, p.rep_ids, split_s, rr, name, p.units_with_customers, on_unassigned, warnings)
    cust_region = unit_region[p.cust_unit]
    has_unassigned = bool((cust_region < 0).any())
    labels = regions.append(pd.Index([UNASSIGNED])) if has_unassigned else regions
    cust_label = np.where(cust_region < 0, len(labels) - 1, cust_region) if has_unassigned else cust_region
    return SplitLayout(name=name, regions=regions, labels=labels, unit_region=unit_region, rep_region=rep_region,
                       cust_region=cust_region, cust_label=cust_label, orphan=orphan, has_unassigned=has_unassigned)


def _reference_split(p: _Prep, reference) -> pd.Series | None:
    """The reference split as a Series geo_unit_id (str) -> region_id: a split name ("current" means the
    dataset's current split) or a Series; None when there is no current split to refer to."""
    if isinstance(reference, str):
        ref = p.ds.current_split if reference == "current" else reference
        if ref is None:
            return None
        sp = p.ds.split(ref)
    else:
        sp = reference
    sp = sp.copy()
    sp.index = sp.index.astype(str)
    return sp


def _reference_codes(p: _Prep, reference) -> tuple[np.ndarray, pd.Index, np.ndarray] | None:
    """(region code per customer, region labels, primary owner code per customer) of the reference split."""
    sp = _reference_split(p, reference)
    if sp is None:
        return None
    reg = sp.reindex(p.unit_ids).astype("object").fillna(UNASSIGNED).astype(str)
    codes_u, labels = pd.factorize(reg, sort=True)
    return codes_u[p.cust_unit], pd.Index(labels), p.primary_owner()
