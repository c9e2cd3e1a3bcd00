import re
import xml.etree.ElementTree as ET

import pytest

from explanations.engine.charts import AGAINST_COLOUR, TOWARD_COLOUR, weights_chart

pytestmark = pytest.mark.unit

WEIGHTS = [
    ("income in $ (1,000s) > 40.00", 0.12),
    ("<script>alert(1)</script> & co = yes", -0.31),
    ("age <= 30.00", 0.05),
]


def _svg_text_elements(svg: bytes) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"))


def _svg_texts(svg: bytes) -> list[str]:
    return ["".join(el.itertext()) for el in _svg_text_elements(svg)]


def test_svg_is_xml_with_user_labels_escaped_as_text():
    svg = weights_chart(WEIGHTS, title="approved", format="svg")

    texts = _svg_texts(svg)
    assert "<script>alert(1)</script> & co = yes" in texts
    assert "income in $ (1,000s) > 40.00" in texts
    assert b"<script>" not in svg
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; co = yes" in svg


def test_svg_orders_bars_by_absolute_weight_and_marks_the_sign():
    svg = weights_chart(WEIGHTS, title="approved", format="svg")
    texts = _svg_texts(svg)

    conditions = {label for label, _ in WEIGHTS}
    labels = [el for el in _svg_text_elements(svg) if el.text in conditions]
    top_to_bottom = [el.text for el in sorted(labels, key=lambda el: float(el.get("y")))]
    assert top_to_bottom == [WEIGHTS[1][0], "income in $ (1,000s) > 40.00", "age <= 30.00"]
    assert {"+0.120", "\u22120.310", "+0.050"} <= set(texts)
    assert any("pushes toward 'approved'" in t for t in texts)
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
