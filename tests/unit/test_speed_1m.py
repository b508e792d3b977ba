"""Issue 14, third round: the faster steps (regions, io, features) give the results of the plain ones."""

import numpy as np
import pandas as pd
import pytest

from segment_lib import _threads, stats
from segment_lib.regions import ownership, prepare, service, splits


@pytest.fixture(scope="module")
def prep(demo5k):
    ds = demo5k.dataset
    tiers = demo5k.truth.set_index("customer_id")["true_tier"]
    customers = ds.customers.copy()
    rng = np.random.default_rng(3)  # a churn flag with gaps, so the churn columns are compared too
    customers["churned"] = pd.array(np.where(rng.random(len(customers)) < 0.1, None,
                                             rng.random(len(customers)) < 0.2), dtype="boolean")
    ds = ds.__class__(**{**ds.__dict__, "customers": customers})
    return prepare._prepare(ds, tiers, None, prepare.PrepOptions(n_boot=200, random_state=5))


def _layouts(p):
    ds = p.ds
    out = [splits.layout(p, name, None, "error", []) for name in ds.split_names]
    # a split that leaves two units with customers without a region: customers under '(unassigned)'
    s = ds.split(ds.current_split).copy()
    s.iloc[:2] = None
    out.append(splits.layout(p, s.rename("holes"), None, "warn", []))
    return out


def _service_by_rows(p, sp, level=0.95):
    """The service intervals grouped row by row (the code before the per-unit counts)."""
    g = sp.n_labels
    codes_all = np.arange(g)
    kw = dict(n_boot=p.params["n_boot"], level=level, random_state=p.params["random_state"])
    cl = sp.cust_label

    def pad(v, c):
        return np.r_[v, np.full(g, np.nan)], np.r_[c, codes_all]

    return {
        "csat": stats.mean_ci(*pad(p.sv_csat, cl[p.sv_cust]), vs_rest=True, **kw),
        "nps": stats.nps_ci(*pad(p.sv_nps, cl[p.sv_cust]), vs_rest=True, **kw),
        "complaint": stats.mean_ci(*pad(p.int_complaint, cl[p.int_cust]), **kw),
        "dormancy": stats.mean_ci(p.dormant.astype(float), cl, **kw).reindex(codes_all),
        "churn": stats.mean_ci(*pad(p.churned, cl), vs_rest=True, **kw),
    }


def test_service_from_unit_counts_equals_row_grouping(prep):
    p = prep
    assert p.churned is not None and np.isnan(p.churned).any()
    for sp in _layouts(p):
        got = service._service_table(p, sp, 0.95, 30, [])
        ref = _service_by_rows(p, sp)
        cols = {"csat": ("n_csat", "csat", "csat_low", "csat_high", "csat_diff", "csat_diff_low", "csat_diff_high"),
                "nps": ("n_nps", "nps", "nps_low", "nps_high", "nps_diff", "nps_diff_low", "nps_diff_high"),
                "complaint": ("n_interactions", "complaint_rate", "complaint_low", "complaint_high"),
                "dormancy": (None, "dormancy_rate", "dormancy_low", "dormancy_high"),
                "churn": ("n_churn", "churn_rate", "churn_low", "churn_high", "churn_diff", "churn_diff_low",
                          "churn_diff_high")}
        src = ("n", "estimate", "ci_low", "ci_high", "diff_vs_rest", "diff_ci_low", "diff_ci_high")
        for key, names in cols.items():
            for name, s in zip(names, src):
                if name is None:
                    continue
                want = ref[key][s].reindex(np.arange(sp.n_labels)).to_numpy(dtype=float)
                np.testing.assert_array_equal(got[name].to_numpy(dtype=float), want, err_msg=f"{sp.name}: {name}")
        assert (got["region_id"] == sp.labels).all()
    assert splits.UNASSIGNED in sp.labels  # the last layout had customers without a region


def test_service_rows_path_for_values_that_are_not_discrete(prep):
    """CSAT with many distinct values is not counted per unit: the Poisson bootstrap of the rows."""
    p = prep
    q = prepare._Prep(**{**p.__dict__, "shared": {}, "sv_csat": p.sv_csat + np.linspace(0, 0.5, len(p.sv_csat))})
    sp = _layouts(q)[0]
    assert service._unit_counts(q)["csat"] is None
    got = service._service_table(q, sp, 0.95, 30, [])
    ref = stats.mean_ci(np.r_[q.sv_csat, np.full(sp.n_labels, np.nan)],
                        np.r_[sp.cust_label[q.sv_cust], np.arange(sp.n_labels)], vs_rest=True,
                        n_boot=200, random_state=5)
    np.testing.assert_array_equal(got["csat_low"].to_numpy(), ref["ci_low"].to_numpy())


def _owners_by_rows(p, sp, keep_core_owner):
    """The kept claims as written before the per-comparison claim cache."""
    cc, cr = p.claim_cust, p.claim_rep
    staffed = sp.rep_region[cr] >= 0
    outside_new = sp.rep_region[cr] != sp.cust_region[cc]
    outside_cur = p.cur_rep_region[cr] != p.cur_unit_region[p.cust_unit[cc]]
    return staffed & (~outside_new | outside_cur | (keep_core_owner & p.core[cc]))


@pytest.mark.parametrize("keep_core", [False, True])
def test_owner_claims_cached_per_comparison_give_the_same_owners(prep, keep_core):
    p = prep
    for sp in _layouts(p)[:2]:
        own = ownership.assign_owners(p, sp, keep_core)
        keep = _owners_by_rows(p, sp, keep_core)
        np.testing.assert_array_equal(own.fc[: int(keep.sum())], p.claim_cust[keep])
        np.testing.assert_array_equal(own.fr[: int(keep.sum())], p.claim_rep[keep])
    assert "claims" in p.shared


def test_transactions_prepared_on_a_second_thread_give_the_same_comparison(demo5k, monkeypatch):
    from segment_lib import regions
    from segment_lib.errors import DataContractError

    ds = demo5k.dataset
    tiers = demo5k.truth.set_index("customer_id")["true_tier"]
    seq = regions.compare_splits(ds, tiers, n_boot=100)
    monkeypatch.setattr(_threads, "BESIDE_MIN_ROWS", 0)
    par = regions.compare_splits(ds, tiers, n_boot=100)
    pd.testing.assert_frame_equal(par, seq)
    # two broken tables: the transactions' error comes first, as when the steps run one after the other
    tx = ds.transactions.copy()
    tx.loc[0, "customer_id"] = "NOPE"
    sv = ds.surveys.copy()
    sv.loc[0, "customer_id"] = "NOPE"
    bad = ds.__class__(**{**ds.__dict__, "transactions": tx, "surveys": sv})
    with pytest.raises(DataContractError) as e:
        prepare._prepare(bad, tiers)
    assert e.value.file == "transactions"


def test_absent_text_column_shares_one_missing_chunk(monkeypatch):
    from segment_lib.io import validate

    monkeypatch.setattr(validate, "_NULL_CHUNK", 4)
    for n in (3, 8, 11):
        idx = pd.RangeIndex(n)
        got = validate._absent("id", idx)
        pd.testing.assert_series_equal(got, pd.Series(index=idx, dtype="string"))
        assert got.isna().all() and len(got) == n
    pd.testing.assert_series_equal(validate._absent("float", pd.RangeIndex(9)),
                                   pd.Series(index=pd.RangeIndex(9), dtype="float64"))


def test_features_with_order_counts_on_a_second_thread_are_the_same(engine_data, engine_ref, monkeypatch):
    from segment_lib.features import customer_features

    monkeypatch.setattr(_threads, "BESIDE_MIN_ROWS", 0)
    pd.testing.assert_frame_equal(customer_features(engine_data.dataset), engine_ref)


def test_shared_adjacency_graph_is_built_once_per_content_and_read_only(demo5k):
    import networkx as nx

    from segment_lib import geo

    gu = demo5k.dataset.geo_units
    g1 = geo.shared_adjacency_graph(gu)
    assert geo.shared_adjacency_graph(gu.copy()) is g1  # same content: the same graph
    assert nx.utils.graphs_equal(g1, geo.adjacency_graph(gu)) and nx.is_frozen(g1)
    with pytest.raises(nx.NetworkXError):
        g1.add_edge("x", "y")
    moved = gu.copy()
    moved.loc[0, "lat"] = moved.loc[0, "lat"] + 1.0
    assert geo.shared_adjacency_graph(moved) is not g1
    assert geo.shared_adjacency_graph(gu, [(gu["geo_unit_id"].iloc[0], gu["geo_unit_id"].iloc[-1])]) is not g1


def test_silhouettes_in_chunks_equal_the_full_distance_matrix(monkeypatch):
    from sklearn.cluster import KMeans

    from segment_lib.tiering import selection

    monkeypatch.setattr(selection, "SILHOUETTE_CHUNK", 97)  # chunks that do not divide the rows
    Z = np.random.default_rng(4).normal(size=(1000, 3))
    labs = [KMeans(k, n_init=1, random_state=0).fit_predict(Z) + 3 for k in (2, 3, 5)]  # not 0-based
    full = [selection.silhouette_from_distances(selection._distances(Z), lab) for lab in labs]
    assert selection.silhouettes(Z, labs) == full  # exactly
    assert selection.silhouettes(Z, []) == []
