"""The one money formatter every report table uses."""

import math

from segment_lib.fmt import money_text


def test_money_text_scales_and_signs():
    assert money_text(950) == "¥950"
    assert money_text(23948) == "¥23.9k"
    assert money_text(402084506.6) == "¥402.1M"
    assert money_text(2.5e9) == "¥2.5B"
    assert money_text(-1234) == "\u2212¥1.2k"
    assert money_text(-0.4) == "¥0"  # never "−¥0"
    assert money_text(12, currency="$") == "$12"


def test_money_text_missing_values():
    assert money_text(None) == "–"
    assert money_text(math.nan) == "–"
    assert money_text("n/a") == "–"


def test_money_series_formats_each_value_with_money_text():
    import numpy as np
    import pandas as pd

    from segment_lib.fmt import money_series

    s = money_series(np.array([23948, -1234, np.nan, 402084506.6]))
    assert s.tolist() == ["¥23.9k", "\u2212¥1.2k", "–", "¥402.1M"] and str(s.dtype) == "string"
    assert list(s.index) == [0, 1, 2, 3]
    t = money_series(pd.Series([950.0, 12], index=["a", "b"]), currency="$")
    assert t.to_dict() == {"a": "$950", "b": "$12"}
