"""A number column that arrives as text ("39,1") is read, never dropped, on its way into a model.

The class is decided by one measurement (over 45 is "big"), so a model that reads the
numbers is nearly always right on the hold-out, and one that lost them is a coin toss.
"""

import numpy as np
import pandas as pd
import pytest

from limelight.tabular.training import train_classifier

pytestmark = pytest.mark.unit


def _frame(rows: int = 200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    length = rng.uniform(32, 60, rows).round(1)
    frame = pd.DataFrame(
        {
            "length": [f"{value:.1f}".replace(".", ",") for value in length],  # as a European file writes it
            "noise": rng.normal(0, 1, rows),
            "size": np.where(length > 45, "big", "small"),
        }
    )
    frame.attrs["decimal"] = ","
    return frame, length


def test_a_number_column_written_with_decimal_commas_is_learned_from():
    frame, length = _frame()

    result = train_classifier(
        frame,
        target="size",
        features=["length", "noise"],
        numeric=["length", "noise"],
        categorical=[],
        classifier="decision_tree",
    )

    assert result.metrics["accuracy"] >= 0.95
    assert result.train_frame["length"].dtype == np.float64
    rows = result.train_frame.index
    np.testing.assert_array_equal(result.train_frame["length"].to_numpy(), length[rows])


def test_the_fitted_model_reads_a_typed_decimal_comma_as_the_number_it_means():
    frame, _ = _frame()
    result = train_classifier(
        frame,
        target="size",
        features=["length", "noise"],
        numeric=["length", "noise"],
        categorical=[],
        classifier="logistic_regression",
    )

    as_text = pd.DataFrame({"length": ["58,6", "33,2"], "noise": [0.0, 0.0]})
    as_numbers = pd.DataFrame({"length": [58.6, 33.2], "noise": [0.0, 0.0]})

    np.testing.assert_array_equal(result.pipeline.predict_proba(as_text), result.pipeline.predict_proba(as_numbers))
    big = result.class_names.index("big")
    assert result.pipeline.predict_proba(as_text)[:, big].round().tolist() == [1.0, 0.0]
