"""Write the three example geographies used by config/counties.yaml, config/states_wide.yaml and
config/zipcodes.yaml (deterministic; see segment_lib.geo_shapes):

    python data/geo_shapes/make_geo_shapes.py
"""

from pathlib import Path

from segment_lib.geo_shapes import SHAPES, write_shape

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    for name in SHAPES:
        print(write_shape(name, HERE / name))
