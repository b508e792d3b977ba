"""The data contract: which tables segment_lib reads, their canonical columns and keys.

Every table is optional on its own: a dataset needs ``transactions`` (tiering) or ``customers``
(regions); without ``customers`` the customers are the distinct ids of the transactions.  Which
report needs which tables is :data:`segment_lib.views.REQUIREMENTS`.

Every source (CSV, Parquet, Excel, a SQL query) is renamed to these canonical column names by
the per-source mapping in the YAML config (see :mod:`segment_lib.config`) and then
validated by :mod:`segment_lib.io`.  Library code only ever sees canonical names.

Tables
------
customers     one row per customer (key ``customer_id``)
transactions  one row per order line or order; ``amount`` may be negative (returns); lines of one
              order share ``order_id``; ``amount`` may instead come from ``quantity`` x ``unit_price``
interactions  tickets / service contacts, with response timestamps
surveys       CSAT (1-5) and/or NPS (0-10) answers
reps          sales / service reps with their region (current split) and capacity
geo_units     provinces / cities / districts with coordinates, market size, neighbours,
              optional workload per unit
adjacency     optional edge list (unit_a, unit_b) of neighbouring geo units
splits        long table of named candidate splits: (split, geo_unit_id) -> region_id
split_reps    optional: (split, region_id) -> rep_id; when a split has no rows here
              its regions are staffed from ``reps.region_id``
ownership     optional: every (customer_id, rep_id) owner claim; a customer with two
              rows has an ownership conflict.  Defaults to ``customers.owner_rep_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

Kind = Literal["id", "str", "float", "date", "bool"]


@dataclass(frozen=True)
class Column:
    """One canonical column."""

    name: str
    kind: Kind
    required: bool = True
    private: bool = False  # personal data: never shown in manager reports by default
    description: str = ""


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    target: str
    nullable: bool = False


@dataclass(frozen=True)
class TableSpec:
    """Canonical definition of one table."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    required: bool = True
    description: str = ""

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


CUSTOMERS = TableSpec(
    "customers",
    (
        Column("customer_id", "id", description="unique customer id"),
        # required whenever the data has a geography (geo_units); see io.load
        Column("geo_unit_id", "id", description="geo unit (province/city/district) the customer is in"),
        Column("owner_rep_id", "id", required=False, description="owning rep"),
        Column("industry", "str", required=False),
        Column("created_at", "date", required=False, description="date the customer was created"),
        Column("lat", "float", required=False),
        Column("lon", "float", required=False),
        Column("name", "str", required=False, private=True),
        Column("phone", "str", required=False, private=True),
        Column("churned", "bool", required=False, description="the customer has left (churn outcome)"),
    ),
    key=("customer_id",),
    foreign_keys=(
        ForeignKey("geo_unit_id", "geo_units", "geo_unit_id"),
        ForeignKey("owner_rep_id", "reps", "rep_id", nullable=True),
    ),
    required=False,
    description="optional: without it the customers are the distinct customer ids of the transactions",
)

TRANSACTIONS = TableSpec(
    "transactions",
    (
        Column("customer_id", "id"),
        Column("date", "date"),
        Column("amount", "float", description="net amount; negative for returns (or quantity x unit_price)"),
        Column("transaction_id", "id", required=False, description="unique id of the row (line)"),
        Column("geo_unit_id", "id", required=False, description="where the purchase was booked"),
        Column("order_id", "id", required=False,
               description="order / invoice number shared by the lines of one order; frequency counts orders"),
        Column("quantity", "float", required=False, description="units on the line; negative for returns"),
        Column("unit_price", "float", required=False, description="price per unit"),
    ),
    key=("transaction_id",),
    foreign_keys=(
        ForeignKey("customer_id", "customers", "customer_id"),
        ForeignKey("geo_unit_id", "geo_units", "geo_unit_id", nullable=True),
    ),
    required=False,
)

# A column that may be computed from others when it is not mapped: (table, column) -> its factors.
DERIVED: dict[tuple[str, str], tuple[str, ...]] = {("transactions", "amount"): ("quantity", "unit_price")}

# Tables the geography of a run needs together (the region and rebalance reports).
GEOGRAPHY = ("geo_units", "reps", "splits")
# A run needs at least one of these (tiering works on transactions, regions on customers).
CORE_TABLES = ("transactions", "customers")

INTERACTIONS = TableSpec(
    "interactions",
    (
        Column("customer_id", "id"),
        Column("rep_id", "id"),
        Column("opened_at", "date"),
        Column("first_response_at", "date", required=False),
        Column("resolved_at", "date", required=False),
        Column("is_complaint", "bool", required=False),
        Column("channel", "str", required=False),
        Column("interaction_id", "id", required=False),
    ),
    key=("interaction_id",),
    foreign_keys=(
        ForeignKey("customer_id", "customers", "customer_id"),
        ForeignKey("rep_id", "reps", "rep_id"),
    ),
    required=False,
)

SURVEYS = TableSpec(
    "surveys",
    (
        Column("customer_id", "id"),
        Column("date", "date"),
        Column("csat", "float", required=False, description="1-5"),
        Column("nps", "float", required=False, description="0-10 likelihood to recommend"),
        Column("rep_id", "id", required=False),
    ),
    foreign_keys=(
        ForeignKey("customer_id", "customers", "customer_id"),
        ForeignKey("rep_id", "reps", "rep_id", nullable=True),
    ),
    required=False,
)

REPS = TableSpec(
    "reps",
    (
        Column("rep_id", "id"),
        Column("region_id", "id", description="region in the current split"),
        Column("capacity", "float", description="tier-weighted accounts the rep can serve"),
        Column("hire_date", "date", required=False),
        Column("name", "str", required=False, private=True),
    ),
    key=("rep_id",),
    required=False,
)

GEO_UNITS = TableSpec(
    "geo_units",
    (
        Column("geo_unit_id", "id"),
        Column("name", "str", required=False),
        Column("parent", "id", required=False),
        Column("lat", "float"),
        Column("lon", "float"),
        Column("population", "float", required=False, description="population or market size"),
        Column("neighbors", "str", required=False, description="';'-separated geo_unit_ids"),
        Column("workload", "float", required=False,
               description="the unit's workload when it is not (only) counted from customer accounts"),
    ),
    key=("geo_unit_id",),
    required=False,
)

ADJACENCY = TableSpec(
    "adjacency",
    (
        Column("unit_a", "id", description="one geo unit of a neighbour pair"),
        Column("unit_b", "id", description="the other geo unit (the link is undirected)"),
    ),
    key=("unit_a", "unit_b"),
    foreign_keys=(ForeignKey("unit_a", "geo_units", "geo_unit_id"), ForeignKey("unit_b", "geo_units", "geo_unit_id")),
    required=False,
    description="optional edge list of neighbouring geo units (alternative to geo_units.neighbors)",
)

SPLITS = TableSpec(
    "splits",
    (
        Column("split", "id", description="name of the candidate split"),
        Column("geo_unit_id", "id"),
        Column("region_id", "id"),
    ),
    key=("split", "geo_unit_id"),
    foreign_keys=(ForeignKey("geo_unit_id", "geo_units", "geo_unit_id"),),
    required=False,
)

SPLIT_REPS = TableSpec(
    "split_reps",
    (
        Column("split", "id"),
        Column("region_id", "id"),
        Column("rep_id", "id"),
    ),
    key=("split", "rep_id"),
    foreign_keys=(ForeignKey("rep_id", "reps", "rep_id"),),
    required=False,
)

OWNERSHIP = TableSpec(
    "ownership",
    (
        Column("customer_id", "id"),
        Column("rep_id", "id"),
    ),
    key=("customer_id", "rep_id"),
    foreign_keys=(
        ForeignKey("customer_id", "customers", "customer_id"),
        ForeignKey("rep_id", "reps", "rep_id"),
    ),
    required=False,
)

# Every table is optional on its own; a run needs transactions (tiering) or customers (regions).
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (CUSTOMERS, TRANSACTIONS, INTERACTIONS, SURVEYS, REPS, GEO_UNITS, ADJACENCY, SPLITS, SPLIT_REPS,
              OWNERSHIP)
}


@dataclass
class Dataset:
    """Validated, canonical tables plus the as-of date and soft warnings.

    Tables that are absent are empty DataFrames with canonical columns; ``provided`` names the tables
    the data gave (:meth:`has`; customers derived from the transactions are not "given").
    Id columns are ``string`` dtype, dates ``datetime64[ns]``, floats ``float64``,
    booleans ``boolean``.
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    reps: pd.DataFrame
    geo_units: pd.DataFrame
    splits: pd.DataFrame
    interactions: pd.DataFrame = field(default_factory=pd.DataFrame)
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)
    split_reps: pd.DataFrame = field(default_factory=pd.DataFrame)
    ownership: pd.DataFrame = field(default_factory=pd.DataFrame)
    adjacency: pd.DataFrame = field(default_factory=pd.DataFrame)
    as_of: pd.Timestamp | None = None
    current_split: str | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the data was read (e.g. adjacency built from points)
    sources: dict[str, str] = field(default_factory=dict)
    provided: frozenset[str] | None = None  # tables the data gave (None: every table with rows)

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def has(self, name: str) -> bool:
        """True when the data gave table ``name`` (customers derived from transactions count as given)."""
        if self.provided is not None:
            return name in self.provided
        return not self.table(name).empty

    @property
    def has_geography(self) -> bool:
        """True when geo units, reps and splits are all there (what region analyses need)."""
        return all(self.has(t) for t in GEOGRAPHY)

    def missing(self, tables: tuple[str, ...] | list[str]) -> list[str]:
        """The tables of ``tables`` the data does not have."""
        return [t for t in tables if not self.has(t)]

    @property
    def split_names(self) -> list[str]:
        return sorted(self.splits["split"].unique().tolist())

    def split(self, name: str | None = None) -> pd.Series:
        """The named split as a Series geo_unit_id -> region_id (current split by default)."""
        name = name or self.current_split
        if self.splits.empty:
            from .errors import DataContractError

            raise DataContractError("the data has no splits table, so there are no regions",
                                    file="splits", hint="add geo_units, reps and splits to data.sources "
                                                        "for the region reports")
        s = self.splits[self.splits["split"] == name]
        if s.empty:
            from .errors import DataContractError

            raise DataContractError(
                f"no split named '{name}'",
                file="splits",
                column="split",
                hint=f"use one of {self.split_names}",
            )
        return s.set_index("geo_unit_id")["region_id"].rename(name)

    def rep_regions(self, name: str | None = None) -> pd.Series:
        """Series rep_id -> region_id staffing the named split."""
        name = name or self.current_split
        if not self.split_reps.empty:
            sr = self.split_reps[self.split_reps["split"] == name]
            if not sr.empty:
                return sr.set_index("rep_id")["region_id"].rename(name)
        return self.reps.set_index("rep_id")["region_id"].rename(name)

    def unstaffed_regions(self, name: str | None = None) -> list[str]:
        """Regions of the named split (current by default) that no rep staffs, sorted."""
        if self.splits.empty:
            return []
        regions = set(self.split(name).dropna())
        return sorted(regions - set(self.rep_regions(name).dropna()))

    def without_personal_data(self) -> Dataset:
        """A copy whose personal columns (``Column.private``: names, phones) are emptied, so nothing
        built from it can show them (the reports' default: ``reports.show_personal_data: false``)."""
        from dataclasses import replace

        changes = {}
        for name, spec in TABLES.items():
            cols = [c.name for c in spec.columns if c.private and c.name in self.table(name).columns]
            if cols and self.table(name)[cols].notna().any().any():
                changes[name] = self.table(name).assign(**{c: pd.Series(pd.NA, index=self.table(name).index,
                                                                         dtype="string") for c in cols})
        return replace(self, **changes) if changes else self

    def owners(self) -> pd.DataFrame:
        """All owner claims (customer_id, rep_id); from ``ownership`` or ``customers.owner_rep_id``."""
        if not self.ownership.empty:
            return self.ownership[["customer_id", "rep_id"]]
        c = self.customers.dropna(subset=["owner_rep_id"])
        return c[["customer_id", "owner_rep_id"]].rename(columns={"owner_rep_id": "rep_id"})

    def summary(self) -> pd.DataFrame:
        """Rows and columns per table, for reports."""
        rows = []
        for name in TABLES:
            df = self.table(name)
            rows.append({"table": name, "rows": int(len(df)), "columns": int(df.shape[1]),
                         "source": self.sources.get(name, "")})
        return pd.DataFrame(rows)


def empty_table(name: str) -> pd.DataFrame:
    """An empty DataFrame with the canonical columns and dtypes of ``name``."""
    spec = TABLES[name]
    return pd.DataFrame({c.name: pd.Series(dtype=DTYPES[c.kind]) for c in spec.columns})


DTYPES: dict[str, str] = {
    "id": "string",
    "str": "string",
    "float": "float64",
    "date": "datetime64[ns]",
    "bool": "boolean",
}
