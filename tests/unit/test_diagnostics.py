import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from limelight.drawing.diagnostic_charts import (
    deletion_insertion_chart,
    kernel_width_chart,
    stability_chart,
    what_if_chart,
)
from limelight.explainers import diagnostics as d
from limelight.explainers.diagnostics.submodular_pick import coverage_complete
from limelight.explainers.lime_tabular import FeatureWeight, TabularLime

pytestmark = pytest.mark.unit

COLUMNS = [f"x{i}" for i in range(8)]
ROOT = Path(__file__).resolve().parents[2]


class Counting:
    """A predict_proba that counts its calls and rows."""

    def __init__(self, fn):
        self.fn, self.calls, self.rows = fn, 0, 0

    def __call__(self, X):
        self.calls += 1
        self.rows += len(X)
        return self.fn(X)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _two_feature_model(frame):
    """Uses only x0 (strongly, upward) and x1 (downward); x2..x7 are noise."""
    p = _sigmoid(8.0 * (frame["x0"].to_numpy(dtype=float) - 0.5) - 4.0 * (frame["x1"].to_numpy(dtype=float) - 0.5))
    return np.column_stack([1.0 - p, p])


@pytest.fixture(scope="module")
def uniform():
    rng = np.random.default_rng(0)
    train = pd.DataFrame(rng.random((2000, 8)), columns=COLUMNS)
    lime = TabularLime.fit(train, numeric=COLUMNS, categorical=[])
    row = pd.Series({c: 0.6 for c in COLUMNS} | {"x0": 0.9, "x1": 0.1})
    return train, lime, row


# -- stability --------------------------------------------------------------


@dataclass(frozen=True)
class _Exp:
    weights: tuple
    score: float = 0.5


def _exp(**weights):
    return _Exp(tuple(FeatureWeight(f, f"{f} cond", w) for f, w in weights.items()))


def test_stability_figures_on_hand_made_runs():
    runs = [_exp(a=2.0, b=0.5), _exp(a=3.0, b=-0.5, c=0.1), _exp(a=4.0, c=0.2)]
    result = d.stability(lambda seed: runs[seed], seeds=[0, 1, 2])

    assert result.runs == 3
    assert [f.feature for f in result.features] == ["a", "c", "b"]
    a, c, b = result.features
    half = sps.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)  # sd of (2, 3, 4) is 1
    assert a.mean == pytest.approx(3.0)
    assert (a.low, a.high) == (pytest.approx(3.0 - half), pytest.approx(3.0 + half))
    assert a.low > 0
    assert a.weights == (2.0, 3.0, 4.0)
    assert a.top5_share == 1.0
    assert a.sign_uncertain is False
    assert b.weights == (0.5, -0.5, 0.0)  # absent in run 3: weight 0
    assert b.sign_uncertain is True  # signs differ across runs
    assert c.sign_uncertain is True  # interval of (0, 0.1, 0.2) spans 0
    # top-5 sets {a,b}, {a,b,c}, {a,c}: Jaccard 2/3, 1/3, 2/3
    assert result.top5_jaccard == pytest.approx((2 / 3 + 1 / 3 + 2 / 3) / 3)
    # Main reasons leave out weights under a tenth of the run's largest: c (0.1 of 3.0, 0.2 of 4.0)
    # is no reason; sets {a,b}, {a,b}, {a}: Jaccard 1, 1/2, 1/2.
    assert result.reasons_jaccard == pytest.approx((1 + 1 / 2 + 1 / 2) / 3)
    assert result.scores == (0.5, 0.5, 0.5)
    assert result.to_dict()["features"][0]["interval"] == [pytest.approx(a.low), pytest.approx(a.high)]


def test_stability_needs_two_runs():
    with pytest.raises(ValueError, match="at least two"):
        d.stability(lambda seed: _exp(a=1.0), seeds=[0])


def test_used_feature_is_stable_and_noise_sign_is_uncertain(uniform):
    _, lime, row = uniform
    model = Counting(_two_feature_model)
    result = d.stability_tabular(lime, row, model, label=1, seeds=range(5), num_samples=1000, num_features=8)

    assert model.calls == 1
    assert model.rows == 5 * 1000
    by_name = {f.feature: f for f in result.features}
    x0 = by_name["x0"]
    assert result.features[0].feature == "x0"
    assert x0.top5_share == 1.0
    assert x0.low > 0.0
    assert x0.sign_uncertain is False
    # x1 = 0.1 is low and p falls with x1, so "x1 is low" pushes toward the class
    assert by_name["x1"].condition == "x1 <= 0.26"
    assert by_name["x1"].low > 0.0
    noise = [by_name[c] for c in COLUMNS[2:]]
    assert all(f.sign_uncertain for f in noise)
    assert all(abs(f.mean) < 0.1 * x0.mean for f in noise)


def test_stability_tabular_equals_separate_explanations(uniform):
    _, lime, row = uniform
    fast = d.stability_tabular(lime, row, _two_feature_model, label=1, seeds=[3, 7], num_samples=300)
    slow = d.stability(
        lambda seed: lime.explain(row, _two_feature_model, label=1, num_samples=300, random_state=seed),
        seeds=[3, 7],
    )
    assert fast == slow
    assert [e.to_dict() for e in fast.explanations] == [e.to_dict() for e in slow.explanations]


def test_auto_samples_stops_at_the_first_count_that_agrees(uniform):
    _, lime, row = uniform
    result = d.auto_samples(lime, row, _two_feature_model, label=1, steps=(200, 400), target=0.0)
    assert result.num_samples == 200
    assert result.reached is True
    assert result.tried == ((200, result.reasons_jaccard),)

    impossible = d.auto_samples(lime, row, _two_feature_model, label=1, steps=(200, 400), target=1.01)
    assert impossible.reached is False
    assert [n for n, _ in impossible.tried] == [200, 400]
    assert impossible.num_samples == 400


# -- kernel width -------------------------------------------------------------


def test_kernel_sweep_reuses_one_query_and_matches_explain_at_each_width(uniform):
    _, lime, row = uniform
    model = Counting(_two_feature_model)
    sweep = d.kernel_sweep(lime, row, model, label=1, num_samples=500, random_state=2)

    assert model.calls == 1
    # 8 columns: lime's default width is 0.75 * sqrt(8) = 2.1213; the sweep tries 1/4, 1/2, 3/4, 1,
    # 1.5, 2 and 3 times it.
    assert sweep.widths == pytest.approx((0.53033, 1.06066, 1.59099, 2.12132, 3.18198, 4.24264, 6.36396), abs=1e-5)
    for j, width in enumerate(sweep.widths):
        alone = lime.explain(row, _two_feature_model, label=1, num_samples=500, kernel_width=width, random_state=2)
        weights = {w.feature: w.weight for w in alone.weights}
        for feature, series in zip(sweep.features, sweep.weights, strict=True):
            assert series[j] == weights.get(feature, math.nan) or math.isnan(series[j])
        assert sweep.scores[j] == alone.score
    assert sweep.features[:2] == ("x0", "x1")
    # the two used features keep their sign; noise features may wobble around 0
    assert not {f.feature for f in sweep.sign_flips} & {"x0", "x1"}


def test_kernel_sweep_flags_a_feature_whose_sign_provably_flips(uniform):
    """x0 helps only when the other features stay near the instance.

    p = 0.5 + 0.4 * m0 * clip((s - 0.7) / 0.3, -1, 1), where m0 says x0 is in
    the instance's bin and s is the share of x1..x7 in theirs. A narrow kernel
    weighs samples that changed few features (s near 1): x0 pushes up. A wide
    kernel weighs all samples alike; each feature stays in its quartile bin with
    probability KEEP_SHARE + (1 - KEEP_SHARE) / 4 (0.44 at 0.25), so s is near
    that, below 0.7, and x0 pushes down.
    """
    _, lime, _ = uniform
    row = pd.Series(0.6, index=COLUMNS)
    bins = {c: lime.numeric[c] for c in COLUMNS}

    def model(frame):
        m = np.stack(
            [np.searchsorted(bins[c].edges, frame[c].to_numpy(), side="left") == bins[c].bin_of(0.6) for c in COLUMNS],
            axis=1,
        )
        p = 0.5 + 0.4 * m[:, 0] * np.clip((m[:, 1:].mean(axis=1) - 0.7) / 0.3, -1, 1)
        return np.column_stack([1 - p, p])

    sweep = d.kernel_sweep(lime, row, model, label=1, num_samples=5000)

    x0 = sweep.weights[sweep.features.index("x0")]
    assert x0[0] > 0  # narrowest width
    assert x0[-1] < 0  # widest
    assert [f.feature for f in sweep.sign_flips] == ["x0"]
    (sentence,) = d.sign_flip_words(sweep)
    assert "changes direction" in sentence


# -- deletion / insertion -----------------------------------------------------


def test_deletion_and_insertion_in_explanation_order_beat_random_with_one_call(uniform):
    train, lime, row = uniform
    baseline = d.typical_values(train, COLUMNS, [])
    explanation = lime.explain(row, _two_feature_model, label=1, num_features=8)
    order = [w.feature for w in explanation.weights]
    assert order[:2] == ["x0", "x1"]
    model = Counting(_two_feature_model)

    curves = d.deletion_insertion_tabular(
        row, model, label=1, order=order, baseline=baseline, random_orders=20, random_state=0
    )

    assert model.calls == 1
    deletion, insertion = curves.deletion, curves.insertion
    assert deletion.x == tuple(np.linspace(0, 1, 9))
    assert deletion.explanation[0] == pytest.approx(_two_feature_model(pd.DataFrame([row]))[0, 1])
    assert deletion.auc < deletion.random_auc
    assert deletion.better_than_random is True
    assert "lowers the probability faster" in deletion.verdict
    assert insertion.auc > insertion.random_auc
    assert insertion.better_than_random is True
    # after every feature is replaced / put back, all orders agree
    assert deletion.explanation[-1] == pytest.approx(deletion.random_mean[-1])
    assert insertion.explanation[-1] == pytest.approx(insertion.random_mean[-1])
    # the reverse order (noise first) is worse than random on deletion
    worse = d.deletion_insertion_tabular(row, model, label=1, order=order[::-1], baseline=baseline)
    assert worse.deletion.auc > worse.deletion.random_auc
    assert worse.deletion.better_than_random is False


def test_typical_values_are_median_and_most_frequent_category():
    frame = pd.DataFrame({"n": [1.0, 2.0, 10.0, np.nan], "c": ["b", "a", "b", "a"]})
    assert d.typical_values(frame, ["n"], ["c"]) == {"n": 2.0, "c": "a"}  # tie: first in text order


def _grid_image():
    """A 40 x 40 image of 16 square superpixels, each a different grey."""
    segments = np.repeat(np.repeat(np.arange(16).reshape(4, 4), 10, axis=0), 10, axis=1)
    image = np.stack([(segments * 15 + 10).astype(np.uint8)] * 3, axis=2)
    fill = np.zeros_like(image)
    return image, segments, fill


def test_image_deletion_of_the_true_regions_beats_random_batched():
    image, segments, fill = _grid_image()
    hot = np.isin(segments, [5, 10])

    def model(batch):
        # p = share of the "hot" regions still showing their own pixels
        p = (batch[:, hot, 0] == image[hot, 0]).mean(axis=1)
        return np.column_stack([1 - p, p])

    counting = Counting(model)
    order = [5, 10, 0, 1, 2, 3]
    curves = d.deletion_insertion_image(
        image, segments, counting, label=1, order=order, fill=fill, random_orders=10, batch_size=32
    )

    distinct = counting.rows
    assert counting.calls == math.ceil(distinct / 32)
    assert distinct <= 2 * 11 * 7
    assert curves.deletion.explanation[:3] == (1.0, 0.5, 0.0)
    assert curves.deletion.auc < curves.deletion.random_auc
    assert curves.insertion.explanation[:3] == (0.0, 0.5, 1.0)
    assert curves.insertion.auc > curves.insertion.random_auc
    assert curves.deletion.better_than_random and curves.insertion.better_than_random


def test_curves_are_deterministic_for_a_seed(uniform):
    train, _, row = uniform
    baseline = d.typical_values(train, COLUMNS, [])
    first = d.deletion_insertion_tabular(row, _two_feature_model, label=1, order=COLUMNS[:3], baseline=baseline)
    again = d.deletion_insertion_tabular(row, _two_feature_model, label=1, order=COLUMNS[:3], baseline=baseline)
    assert first == again


def _saturated_forest(frame):
    """Every tree agrees: p(1) = 1.0 whatever any one of x0..x7 is, unless x0 AND x1 are both low."""
    p = np.where((frame["x0"].to_numpy(dtype=float) < 0.05) & (frame["x1"].to_numpy(dtype=float) < 0.05), 0.5, 1.0)
    return np.column_stack([1.0 - p, p])


def test_a_model_too_sure_to_move_is_saturated_and_the_check_says_it_cannot_tell(uniform):
    train, _, row = uniform
    baseline = d.typical_values(train, COLUMNS, [])  # medians near 0.5: hiding never makes x0, x1 < 0.05
    curves = d.deletion_insertion_tabular(
        row, _saturated_forest, label=1, order=["x0", "x1", "x2"], baseline=baseline, random_orders=20
    )
    # Every point of every curve is 1.0: no order moves it, so the comparison cannot tell.
    assert set(curves.deletion.explanation) == {1.0} and set(curves.deletion.random_mean) == {1.0}
    assert curves.deletion.saturated is True and curves.insertion.saturated is True
    assert curves.deletion.verdict == (
        "The model is so sure (100%) that hiding these features one at a time does not move it, "
        "nor does hiding others at random: this check cannot tell here."
    )
    assert curves.deletion.to_dict()["saturated"] is True


def test_a_flat_explanation_curve_while_random_orders_move_is_a_failure_not_saturation(uniform):
    # p(1) = 1.0 at the row, drops to 0 once x7 is hidden; the explanation names x0..x2, which the
    # model ignores, so hiding them moves nothing while random orders (which reach x7) do.
    train, _, row = uniform
    baseline = d.typical_values(train, COLUMNS, [])
    row = row.copy()
    row["x7"] = 0.95

    def model(frame):
        p = (frame["x7"].to_numpy(dtype=float) > 0.9).astype(float)
        return np.column_stack([1.0 - p, p])

    curves = d.deletion_insertion_tabular(row, model, label=1, order=["x0", "x1", "x2"], baseline=baseline)
    assert curves.deletion.explanation == (1.0, 1.0, 1.0, 1.0)
    assert min(curves.deletion.random_mean) < 1.0
    assert curves.deletion.saturated is False
    assert curves.deletion.better_than_random is False
    assert "more slowly than a random order" in curves.deletion.verdict


# -- SP-LIME ------------------------------------------------------------------


def test_sp_lime_pick_on_a_known_matrix():
    # Importances: f1 = sqrt(4) = 2, f2 = sqrt(1) = 1, f3 = sqrt(4) = 2, f4 = sqrt(0.25) = 0.5.
    explanations = [
        {"f1": 2.0, "f2": 0.5},  # coverage 3
        {"f1": 2.0},  # 2, redundant after row 0
        {"f3": 4.0},  # 2
        {"f2": 0.5, "f4": 0.25},  # 1.5, then 0.5 once f2 is covered
    ]
    assert d.sp_lime_pick(explanations, budget=1) == [0]
    assert d.sp_lime_pick(explanations, budget=2) == [0, 2]
    assert d.sp_lime_pick(explanations, budget=3) == [0, 2, 3]
    assert d.sp_lime_pick(explanations, budget=10) == [0, 2, 3]  # row 1 adds nothing
    assert d.sp_lime_pick([], budget=3) == []


def test_sp_lime_pick_covers_every_predicted_class_before_repeating_one():
    # Rows 0 and 1 are predicted "A" and each covers a big feature; row 2, predicted "B", covers a
    # small one. Plain greedy takes 0 then 1 (A twice); the overview must show B second.
    explanations = [{"f1": 9.0}, {"f2": 4.0}, {"f3": 1.0}]
    assert d.sp_lime_pick(explanations, budget=2) == [0, 1]  # coverage alone
    assert d.sp_lime_pick(explanations, budget=2, classes=["A", "A", "B"]) == [0, 2]
    assert d.sp_lime_pick(explanations, budget=3, classes=["A", "A", "B"]) == [0, 2, 1]
    # A class whose only row adds no new feature is still shown, once.
    assert d.sp_lime_pick([{"f1": 1.0}, {"f1": 1.0}], budget=2, classes=["A", "B"]) == [0, 1]


def test_coverage_is_complete_only_when_the_next_best_row_adds_nothing():
    explanations = [{"f1": 2.0, "f2": 0.5}, {"f1": 2.0}, {"f3": 4.0}]
    assert coverage_complete(explanations, [0, 2]) is True  # row 1 would add nothing new
    assert coverage_complete(explanations, [0]) is False  # row 2 would add f3
    assert coverage_complete([], []) is True


# -- what-if ------------------------------------------------------------------


def test_what_if_on_a_linear_model_is_monotone_with_the_right_sign_in_one_call():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"age": rng.uniform(20, 70, 500), "city": rng.choice(["Oslo", "Lima", "Pune"], 500)})
    row = pd.Series({"age": 33.3, "city": "Lima"})

    def linear(X):
        p = 0.1 + 0.01 * (X["age"].to_numpy(dtype=float) - 20) + 0.05 * (X["city"] == "Oslo").to_numpy()
        return np.column_stack([1 - p, p])

    model = Counting(linear)
    curve = d.what_if_curve(row, model, feature="age", label=1, frame=frame)

    assert model.calls == 1
    assert curve.categorical is False
    assert 33.3 in curve.values
    assert len(curve.values) == d.WHAT_IF_POINTS + 1
    assert np.quantile(frame["age"], 0.01) == pytest.approx(curve.values[0])
    assert np.all(np.diff(curve.probabilities) > 0)
    slope = np.polyfit(curve.values, curve.probabilities, 1)[0]
    assert slope == pytest.approx(0.01)
    assert curve.current_value == 33.3
    assert curve.current_probability == pytest.approx(0.1 + 0.01 * 13.3)

    cities = d.what_if_curve(row, linear, feature="city", label=1, frame=frame)
    assert cities.categorical is True
    assert cities.values == ("Lima", "Oslo", "Pune")
    assert cities.probabilities[1] - cities.probabilities[0] == pytest.approx(0.05)


def test_what_if_for_two_models_shares_the_grid():
    row = pd.Series({"a": 1.0, "b": 0.0})

    def up(X):
        p = _sigmoid(X["a"].to_numpy(dtype=float))
        return np.column_stack([1 - p, p])

    def down(X):
        p = _sigmoid(-X["a"].to_numpy(dtype=float))
        return np.column_stack([1 - p, p])

    curves = d.what_if_curves_for_models(row, {"up": up, "down": down}, feature="a", label=1, values=[-2, 0, 2])
    assert list(curves) == ["up", "down"]
    assert curves["up"].values == curves["down"].values == (-2, 0, 2)
    assert curves["up"].probabilities[0] < curves["up"].probabilities[-1]
    assert curves["down"].probabilities[0] > curves["down"].probabilities[-1]
    assert curves["up"].current_probability == pytest.approx(_sigmoid(1.0))


# -- charts -------------------------------------------------------------------


def _texts(svg: bytes) -> list[str]:
    return ["".join(el.itertext()) for el in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


@pytest.fixture(scope="module")
def chart_inputs(uniform):
    train, lime, row = uniform
    stab = d.stability_tabular(lime, row, _two_feature_model, label=1, num_samples=300)
    sweep = d.kernel_sweep(lime, row, _two_feature_model, label=1, num_samples=300)
    curves = d.deletion_insertion_tabular(
        row, _two_feature_model, label=1, order=COLUMNS[:4], baseline=d.typical_values(train, COLUMNS, [])
    )
    what_if = d.what_if_curves_for_models(
        row, {"A & <b>": _two_feature_model, "B": _two_feature_model}, feature="x0", label=1, frame=train
    )
    cats = d.what_if_curve(
        pd.Series({"c": "$x$", "n": 1.0}),
        lambda X: np.column_stack([np.full(len(X), 0.3), np.full(len(X), 0.7)]),
        feature="c",
        label=1,
        values=["$x$", "<y>"],
    )
    return stab, sweep, curves, what_if, cats


def test_diagnostic_charts_are_deterministic_svg_and_png(chart_inputs):
    stab, sweep, curves, what_if, cats = chart_inputs
    draws = [
        lambda fmt: stability_chart(stab, title="yes <&>", format=fmt),
        lambda fmt: kernel_width_chart(sweep, title="yes", format=fmt),
        lambda fmt: deletion_insertion_chart(curves, title="yes", format=fmt),
        lambda fmt: what_if_chart(what_if, title="yes", format=fmt),
        lambda fmt: what_if_chart(cats, title="$5 price", format=fmt),
    ]
    for draw in draws:
        svg = draw("svg")
        assert svg == draw("svg")
        ET.fromstring(svg)
        assert draw("png").startswith(b"\x89PNG")
    texts = _texts(stability_chart(stab, title="yes <&>"))
    assert any("The main reasons agree across runs" in t for t in texts)
    assert any("toward 'yes <&>'" in t for t in texts)
    legend = _texts(what_if_chart(what_if, title="yes"))
    assert "A & <b>" in legend
    assert "$x$" in _texts(what_if_chart(cats, title="$5 price"))
    assert any(f"area {curves.deletion.auc:.2f}" in t for t in _texts(deletion_insertion_chart(curves, title="y")))
    with pytest.raises(ValueError):
        stability_chart(stab, title="y", format="gif")


def test_kernel_chart_marks_the_default_width(chart_inputs):
    _, sweep, _, _, _ = chart_inputs
    texts = _texts(kernel_width_chart(sweep, title="yes"))
    assert f"default {sweep.default_width:.2f}" in texts


# -- layering -----------------------------------------------------------------


def test_diagnostics_import_no_django():
    code = (
        "import sys; import limelight.explainers.diagnostics, limelight.drawing.diagnostic_charts; "
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _for_and_against(frame):
    """p(1) = 0.5 + 0.25 [a = 1] + 0.2 [b = 1] - 0.3 [c = 1]; d, e, f do nothing."""
    on = {name: (frame[name].to_numpy(dtype=float) == 1.0) for name in ("a", "b", "c")}
    p = 0.5 + 0.25 * on["a"] + 0.2 * on["b"] - 0.3 * on["c"]
    return np.column_stack([1.0 - p, p])


def test_deletion_hides_what_speaks_for_the_label_first_so_a_right_explanation_is_not_called_worse_than_random():
    # The row has every feature on: p(1) = 0.65, predicted 1 DESPITE c, the largest weight, which
    # argues against it. An exact explanation lists c first by size: c -0.3, a +0.25, b +0.2.
    columns = ["a", "b", "c", "d", "e", "f"]
    row = pd.Series(1.0, index=columns)
    baseline = dict.fromkeys(columns, 0.0)
    by_size = [("c", -0.3), ("a", 0.25), ("b", 0.2)]

    order = d.deletion_order(by_size)
    assert order == ["a", "b", "c"]  # for the label first, most first; against it last

    curves = d.deletion_insertion_tabular(row, _for_and_against, label=1, order=order, baseline=baseline)
    # By hand: 0.65 -> 0.40 (a hidden) -> 0.20 (b) -> 0.50 (c), area (0.525 + 0.30 + 0.35) / 3 = 0.392.
    assert curves.deletion.explanation == pytest.approx((0.65, 0.40, 0.20, 0.50))
    assert curves.deletion.auc == pytest.approx(1.175 / 3)
    assert curves.deletion.better_than_random is True
    # Hiding by size instead (c first) would RAISE p to 0.95 and fail this exact explanation.
    by_size_order = d.deletion_insertion_tabular(
        row, _for_and_against, label=1, order=[name for name, _ in by_size], baseline=baseline
    )
    assert by_size_order.deletion.explanation == pytest.approx((0.65, 0.95, 0.70, 0.50))
    assert by_size_order.deletion.better_than_random is False
