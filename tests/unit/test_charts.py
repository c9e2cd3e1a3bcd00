import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from limelight.drawing import palette
from limelight.drawing.charts import AGAINST_COLOUR, TOWARD_COLOUR, confusion_matrix_chart, weights_chart

pytestmark = pytest.mark.unit

WEIGHTS = [  # each label short enough to stay one line on the phone-narrow chart
    ("income $1,000s > 40.00", 0.12),
    ("<script>x</script> & co", -0.31),
    ("age <= 30.00", 0.05),
]


def _svg_text_elements(svg: bytes) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"))


def _svg_texts(svg: bytes) -> list[str]:
    return ["".join(el.itertext()) for el in _svg_text_elements(svg)]


def test_svg_is_xml_with_user_labels_escaped_as_text():
    svg = weights_chart(WEIGHTS, title="approved", format="svg")

    texts = _svg_texts(svg)
    assert "<script>x</script> & co" in texts
    assert "income $1,000s > 40.00" in texts
    assert b"<script>" not in svg
    assert b"&lt;script&gt;x&lt;/script&gt; &amp; co" in svg


def test_svg_orders_bars_by_absolute_weight_and_marks_the_sign():
    svg = weights_chart(WEIGHTS, title="approved", format="svg")
    texts = _svg_texts(svg)

    conditions = {label for label, _ in WEIGHTS}
    labels = [el for el in _svg_text_elements(svg) if el.text in conditions]
    top_to_bottom = [el.text for el in sorted(labels, key=lambda el: float(el.get("y")))]
    assert top_to_bottom == [WEIGHTS[1][0], "income $1,000s > 40.00", "age <= 30.00"]
    assert {"+0.120", "\u22120.310", "+0.050"} <= set(texts)
    assert any("toward 'approved'" in t for t in texts)
    text = svg.decode()
    assert TOWARD_COLOUR.lower() in text.lower() and AGAINST_COLOUR.lower() in text.lower()
    assert re.search(r"<pattern ", text), "negative bars are hatched"


def test_png_has_signature_and_output_is_deterministic():
    png = weights_chart(WEIGHTS, title="approved", format="png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert weights_chart(WEIGHTS, title="approved", format="png") == png
    svg = weights_chart(WEIGHTS, title="approved")
    assert weights_chart(WEIGHTS, title="approved") == svg


def test_dollar_signs_are_not_mathtext():
    svg = weights_chart([("$a$ $$ \\frac{", 1.0), ("cost $5 - $7", -0.5)], title="$x$")
    texts = _svg_texts(svg)
    assert "$a$ $$ \\frac{" in texts
    assert "cost $5 - $7" in texts


def test_empty_weights_and_bad_format():
    assert _svg_texts(weights_chart([], title="none"))
    with pytest.raises(ValueError):
        weights_chart(WEIGHTS, title="x", format="gif")


MATRIX = [[50, 3, 0], [4, 40, 6], [0, 2, 9]]
CLASSES = ["setosa", "<b>versicolor</b> & co", "$virginica$"]


def test_confusion_matrix_svg_shows_every_count_and_escapes_class_names():
    svg = confusion_matrix_chart(MATRIX, CLASSES)

    texts = _svg_texts(svg)
    assert sorted(t for t in texts if t.isdigit() and t in {str(v) for row in MATRIX for v in row}) == sorted(
        str(v) for row in MATRIX for v in row
    )
    assert texts.count("$virginica$") == 2  # once per axis, not mathtext
    assert texts.count("<b>versicolor</b>") == 2  # wrapped: "& co" on the next line
    assert b"&lt;b&gt;versicolor&lt;/b&gt;" in svg
    assert b"<b>" not in svg
    assert "true class" in texts and "predicted class" in texts


def test_confusion_matrix_cell_text_contrasts_with_its_cell():
    svg = confusion_matrix_chart([[90, 10], [0, 5]], ["yes", "no"])

    fills = {
        "".join(el.itertext()): "fill: #ffffff" in (el.get("style") or "")
        for el in _svg_text_elements(svg)
        if "".join(el.itertext()) in {"90", "10", "0", "5"}
    }
    # dark cells (90% and 100% of their row) get white text, light ones black
    assert fills == {"90": True, "10": False, "0": False, "5": True}


@pytest.mark.parametrize("n", [2, 20])
def test_confusion_matrix_png_is_deterministic_for_few_and_many_classes(n):
    matrix = [[(i * 7 + j * 3) % 11 + (50 if i == j else 0) for j in range(n)] for i in range(n)]
    names = [f"a rather long class name {i}" for i in range(n)]

    png = confusion_matrix_chart(matrix, names, format="png")

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert confusion_matrix_chart(matrix, names, format="png") == png
    assert confusion_matrix_chart(matrix, names) == confusion_matrix_chart(matrix, names)


@pytest.mark.parametrize(
    ("matrix", "names", "format"),
    [
        ([[1, 2], [3, 4]], ["a"], "svg"),
        ([[1, 2, 3], [3, 4, 5]], ["a", "b"], "svg"),
        ([[1, -2], [3, 4]], ["a", "b"], "svg"),
        ([], [], "svg"),
        ([[1, 2], [3, 4]], ["a", "b"], "gif"),
    ],
)
def test_confusion_matrix_rejects_bad_input(matrix, names, format):
    with pytest.raises(ValueError):
        confusion_matrix_chart(matrix, names, format=format)


def test_palette_colours_are_okabe_and_itos_published_values():
    # Okabe & Ito (2008): blue is RGB (0, 114, 178), vermillion (213, 94, 0).
    assert palette.rgb(palette.TOWARD) == (0, 114, 178)
    assert palette.rgb(palette.AGAINST) == (213, 94, 0)
    assert TOWARD_COLOUR == palette.TOWARD and AGAINST_COLOUR == palette.AGAINST
    with pytest.raises(ValueError):
        palette.rgb("#fff")


def test_engine_modules_take_their_colours_from_the_palette_only():
    engine = Path(__file__).resolve().parents[2] / "explanations" / "engine"
    colour = re.compile(r"#[0-9A-Fa-f]{6}\b")
    literals = {
        str(path.relative_to(engine)): colour.findall(path.read_text())
        for path in engine.rglob("*.py")
        if path.name != "palette.py"
    }
    assert {name: found for name, found in literals.items() if found} == {}


def test_predicted_against_actual_draws_the_diagonal_the_baseline_and_every_finite_pair():
    from limelight.drawing.charts import actual_predicted_chart

    pairs = [[3000.0, 3000.0], [5000.0, 5000.0], [4000.0, 4200.0], [float("nan"), 1.0]]
    svg = actual_predicted_chart(pairs, target="<b>mass</b>", unit="g", baseline=4200.0)
    texts = _svg_texts(svg)
    assert "always the average (4,200 g)" in texts
    assert "exactly right" in texts
    assert any("(3 held-out rows)" in t for t in texts)  # the NaN pair is left out
    assert "actual '<b>mass</b>' (g)" in texts and b"<b>" not in svg
    # The row predicted 4,200 g sits on the baseline's line: the same height in the picture, 60% of the
    # way up from the row predicted 3,000 g to the one predicted 5,000 g.
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    scatter = next(g for g in root.iter(f"{ns}g") if g.get("id") == "PathCollection_1")
    bottom, middle, top = sorted((float(use.get("y")) for use in scatter.iter(f"{ns}use")), reverse=True)
    assert (bottom - middle) / (bottom - top) == pytest.approx(0.6, abs=1e-3)
    baseline_paths = [
        path for path in root.iter(f"{ns}path") if palette.AGAINST.lower() in (path.get("style") or "").lower()
    ]
    heights = {round(float(y), 3) for y in re.findall(r"[ML] [\d.]+ ([\d.]+)", baseline_paths[0].get("d"))}
    assert heights == {round(middle, 3)}
    assert actual_predicted_chart(pairs, target="m", unit="g", baseline=4200.0) == actual_predicted_chart(
        pairs, target="m", unit="g", baseline=4200.0
    )
    assert actual_predicted_chart(pairs, target="m", format="png").startswith(b"\x89PNG")
    with pytest.raises(ValueError):
        actual_predicted_chart([[float("nan"), 1.0]], target="m")


def test_amount_weights_read_in_the_target_unit():
    svg = weights_chart([("flipper > 213.00", 650.2), ("bill <= 15.60", -120.0)], title="mass", amount_unit="g")
    texts = _svg_texts(svg)
    assert {"+650 g", "\u2212120 g"} <= set(texts)
    words = " ".join(" ".join(texts).split())  # the axis label is wrapped over lines
    assert "lowers the predicted 'mass' (g) | raises it" in words
    assert "toward" not in words
