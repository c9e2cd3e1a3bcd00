"""A row's cells as the file wrote them (limelight.tabular.cells): whole numbers stay whole."""

import math

import numpy as np
import pandas as pd
import pytest

from limelight.tabular.cells import row_as_written

pytestmark = pytest.mark.unit


def test_an_all_number_row_keeps_its_integers_beside_a_measurement():
    frame = pd.DataFrame({"id": [1000025, 1002945], "weight": [71.3, 80.0], "score": [3, 7]})
    row = row_as_written(frame, 0)
    assert row == {"id": 1000025, "weight": 71.3, "score": 3}
    assert type(row["id"]) is not float and type(row["score"]) is not float
    assert str(row["id"]) == "1000025"


def test_a_column_of_whole_numbers_with_a_gap_gives_integers_and_the_gap_stays_missing():
    frame = pd.DataFrame({"bare_nuclei": [3.0, np.nan, 10.0]})
    assert str(row_as_written(frame, 0)["bare_nuclei"]) == "3"
    assert math.isnan(row_as_written(frame, 1)["bare_nuclei"])


def test_a_whole_value_in_a_column_of_measurements_stays_as_it_is():
    frame = pd.DataFrame({"weight": [80.0, 71.3]})
    assert str(row_as_written(frame, 0)["weight"]) == "80.0"
