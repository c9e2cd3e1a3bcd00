"""The pages of issue 17: rows numbered as the file numbers them, the kind of answer up front,
numbered image regions, side by side with every picture, the overview, the gallery."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from classifiers.models import Dataset
from explanations.models import Explanation
from limelight.rows import row_name, row_number

pytestmark = pytest.mark.web


def name_rows_by(dataset, column: str, monkeypatch) -> None:
    """Give the dataset a row-label column, whether or not the field has landed yet."""
    if any(field.name == "row_label" for field in Dataset._meta.get_fields()):
        Dataset.objects.filter(pk=dataset.pk).update(row_label=column)
    else:
        monkeypatch.setattr(Dataset, "row_label", column, raising=False)


def test_row_numbers_start_at_one_as_in_a_spreadsheet():
    assert row_number(0) == 1
    assert row_name(16) == "row 17"
    assert row_name(2, case="image", label="cat.png") == "image 3 (cat.png)"


def test_the_row_picker_numbers_rows_from_one_lists_every_column_and_searches_one(logged_in, make_trained_model, user):
    model = make_trained_model(user)
    url = reverse("classifiers:model", args=[model.pk])
    page = logged_in.get(url).text
    rows = page[page.index('<table class="list rows">') :]
    first = re.search(r'name="row" value="(\d+)".*?<td class="num" data-label="Row">(\d+)</td>', rows, re.S)
    assert first.groups() == ("0", "1")  # sent 0-based, shown from 1
    header = re.search(r"<thead>(.*?)</thead>", rows, re.S).group(1)
    for column in model.features:
        assert f"<th>{column}</th>" in header
    # "1003" is patient 1003 (row 4) only when searched in patient_id; anywhere, it could be any number.
    only_id = logged_in.get(url, {"q": "1003", "in": "patient_id"}).text
    assert re.findall(r'name="row" value="(\d+)"', only_id) == ["3"]
    assert '<td class="num" data-label="Row">4</td>' in only_id


def test_rows_are_named_by_the_row_label_in_the_picker_and_the_heading(
    logged_in, make_trained_model, make_explanation, user, monkeypatch
):
    model = make_trained_model(user)
    name_rows_by(model.dataset, "patient_id", monkeypatch)
    page = logged_in.get(reverse("classifiers:model", args=[model.pk])).text
    assert '<th class="pick">patient_id and prediction</th>' in page
    first = row_table_cells(page)[0][0][1]
    assert '<strong class="row-label">1000</strong>' in first
    explanation = make_explanation(model, row=16, num_samples=300)
    detail = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    assert "Why did the model predict this for row 17 (1016)?" in detail


def test_the_kind_of_answer_is_chosen_up_front_and_both_opens_side_by_side(
    logged_in, make_trained_model, user, django_capture_on_commit_callbacks
):
    model = make_trained_model(user)
    page = logged_in.get(reverse("classifiers:model", args=[model.pk])).text
    choice, folded = page.index('name="explainer"'), page.index('<details class="advanced">')
    assert choice < folded  # outside the folded settings
    assert re.findall(r'name="explainer" value="(\w+)"', page) == ["lime", "anchor", "both", "shap", "counterfactual"]
    response = logged_in.post(reverse("explanations:request", args=[model.pk]), {"row": "2", "explainer": "both"})
    first, second = Explanation.objects.order_by("pk")
    assert (first.explainer, second.explainer) == ("lime", "anchor")
    assert first.row_index == second.row_index == 2
    assert response.url == reverse("explanations:compare", args=[first.pk, second.pk])


def test_side_by_side_gives_every_picture_an_address_that_answers(
    logged_in, make_trained_model, make_explanation, user
):
    model = make_trained_model(user)
    other = make_trained_model(user, classifier="logistic_regression")
    first = make_explanation(model, row=4, num_samples=300)
    second = make_explanation(other, row=4, num_samples=300)
    page = logged_in.get(reverse("explanations:compare", args=[first.pk, second.pk])).text
    assert re.search(r"<h1>Two models, one case: row 5( \(1004\))?, side by side</h1>", page)
    sources = re.findall(r'<img[^>]* src="([^"]*)"', page)
    assert len(sources) >= 8  # per side: the chart and three trust charts
    for source in sources:
        assert source.startswith("/"), f"an empty or odd picture address: {source!r}"
        assert logged_in.get(source).status_code == 200, source


def test_two_explainers_side_by_side_say_so(logged_in, make_trained_model, make_explanation, user):
    model = make_trained_model(user)
    first = make_explanation(model, row=4, num_samples=300)
    second = make_explanation(model, row=4, num_samples=300, explainer="anchor")
    page = logged_in.get(reverse("explanations:compare", args=[first.pk, second.pk])).text
    assert re.search(r"<h1>Two kinds of answer for row 5( \(1004\))?, side by side</h1>", page)
    assert "Two models" not in page


def test_the_image_overlay_numbers_its_regions_where_the_table_does(make_explanation):
    from limelight.explainers.lime_image import ImageLimeExplanation, overlay_png, region_centre

    image = np.full((96, 96, 3), 120, dtype=np.uint8)
    segments = np.zeros((96, 96), dtype=np.int64)
    segments[:, 48:] = 1  # two halves: region 1 (right) matters most, then region 0
    explanation = ImageLimeExplanation(
        label=0, segments=segments, weights=((1, 0.5), (0, -0.2)), intercept=0.0, score=1.0,
        num_samples=10, segmentation_seconds=0.0,
    )  # fmt: skip
    numbered = np.asarray(Image.open(io.BytesIO(overlay_png(image, explanation, top=2)))).astype(int)
    x, y = region_centre(segments, 1)
    assert (x, y) in {(71, 47), (71, 48), (72, 47), (72, 48)}  # the middle of the right half
    tint = numbered[20, 60]  # the region's own (tinted) colour, away from its number and outline
    near = np.abs(numbered[y - 6 : y + 7, x - 6 : x + 7] - tint).sum(axis=2)
    assert (near > 150).sum() >= 5, "a figure is drawn at the region's centre"
    far = np.abs(numbered[5:30, 55:90] - tint).sum(axis=2)
    assert (far == 0).all(), "and nothing else is drawn inside the region"


def test_the_image_page_numbers_regions_and_names_the_cut_in_plain_words(logged_in, make_explanation, user):
    from classifiers import runs as classifier_runs
    from classifiers import services as classifier_services
    from classifiers.models import TrainedModel
    from jobs.services import job_run

    shapes = classifier_services.dataset_create_demo(owner=user, slug="shapes")
    model = classifier_services.model_train_request(
        dataset=shapes, target="class", classifier="logistic_regression", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    explanation = make_explanation(model, row=0, num_samples=100, segmenter="slic", diagnostics=False)
    page = logged_in.get(reverse("explanations:detail", args=[explanation.pk])).text
    numbers = re.findall(r'<strong class="region-number">(\d+)</strong>', page)
    assert numbers == [str(n) for n in range(1, explanation.top_segments + 1)]
    assert "compact regions of similar size (SLIC)" in page
    assert "regions by slic" not in page


def test_the_overview_heading_counts_the_rows_it_shows_and_the_model_page_links_to_it(
    logged_in, make_trained_model, user
):
    from explanations import runs, services
    from explanations.models import ModelOverview
    from jobs.services import job_run

    model = make_trained_model(user)
    overview = services.overview_request(model=model, dispatch=False)
    job_run(model=ModelOverview, pk=overview.pk, work=runs.overview_run)
    overview.refresh_from_db()
    shown = len(overview.result["picks"])
    page = logged_in.get(reverse("explanations:overview", args=[overview.pk])).text
    plural = "" if shown == 1 else "s"
    assert f"What this model looks at: {shown} representative row{plural}</h1>" in page
    assert page.count("Explain this row in full") == shown
    model_page = logged_in.get(reverse("classifiers:model", args=[model.pk])).text
    assert reverse("explanations:overview", args=[overview.pk]) in model_page


def test_the_gallery_has_its_own_title_thumbnails_and_a_way_on(client, make_trained_model, make_explanation, user):
    from explanations.models import ShareLink

    model = make_trained_model(user)
    explanation = make_explanation(model, row=0, num_samples=300)
    ShareLink.objects.create(explanation=explanation, created_by=user, is_gallery=True)
    ShareLink.objects.create(model=model, created_by=user, is_gallery=True)
    page = client.get(reverse("shared:gallery")).text
    assert "A shared result" not in page
    assert "<title>Demo gallery" in page or "Demo gallery" in re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    thumbnails = re.findall(r'<img class="gallery-thumb" src="([^"]+)"', page)
    assert len(thumbnails) == 2
    for source in thumbnails:
        assert client.get(source).status_code == 200
    assert page.count(reverse("accounts:signup")) >= 3  # the header, then each card: try it yourself


def row_table_cells(page: str) -> list[list[tuple[str, str]]]:
    """Each body row of the row picker as its cells: (the cell's attributes, its inner HTML)."""
    table = page[page.index('<table class="list rows">') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [(attributes, inner) for _tag, attributes, inner in re.findall(r"<(td|th)\b([^>]*)>(.*?)</\1>", row, re.S)]
        for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body, re.S)
    ]


def top_level_css_rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of the rules outside any @media block: the ones that hold at every width."""
    outside = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
    return [(selector.strip(), body) for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", outside)]


def phone_css_rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of the rules inside `@media (max-width: 600px)` blocks."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    blocks = re.findall(r"@media \(max-width: 600px\)\s*\{((?:[^{}]*\{[^{}]*\})*[^{}]*)\}", css)
    return [(s.strip(), body) for block in blocks for s, body in re.findall(r"([^{}]+)\{([^{}]*)\}", block)]


def test_the_row_pickers_first_cell_holds_explain_and_the_prediction_and_stays_in_view(
    logged_in, make_trained_model, user, settings
):
    from tests.conftest import risk_table

    model = make_trained_model(user)
    truth = risk_table()["risk"]  # age > 50 -> "high": a forest finds it, so most rows are predicted right
    page = logged_in.get(reverse("classifiers:model", args=[model.pk])).text
    rows = row_table_cells(page)
    assert len(rows) == 15
    right = 0
    for cells in rows:
        attributes, first = cells[0]
        assert 'class="pick"' in attributes
        index = int(re.search(r'name="row" value="(\d+)"', first).group(1))
        assert re.search(r"<button[^>]*>Explain</button>", first)
        predicted = re.search(r'<span class="predicted-class">(\w+)</span>', first).group(1)
        assert predicted in ("high", "low")
        right += predicted == truth[index]
        assert sum('name="row"' in inner for _attributes, inner in cells) == 1  # one Explain per row
    assert right >= 13
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    sticky = [body for selector, body in top_level_css_rules(css) if ".pick" in selector]
    assert any(re.search(r"position:\s*sticky", b) and re.search(r"left:\s*0\b", b) for b in sticky), sticky


def test_on_a_phone_each_row_is_a_card_whose_values_are_named(logged_in, make_trained_model, user, settings):
    model = make_trained_model(user)
    page = logged_in.get(reverse("classifiers:model", args=[model.pk])).text
    shown = [column for column in model.features if column != "patient_id"]  # the row label names the card
    for cells in row_table_cells(page):
        named = [re.search(r'data-label="([^"]*)"', attributes).group(1) for attributes, _ in cells[1:]]
        assert named == ["Row", *[c for c in model.features if c in named], "True “risk”", "While training", ""]
        assert set(shown) <= set(named)
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    phone = phone_css_rules(css)
    card = [body for selector, body in phone if re.search(r"table\.rows\s+tbody\s+tr$", selector)]
    assert any(re.search(r"display:\s*(block|grid|flex)", body) for body in card), card
    assert any("content: attr(data-label)" in body for _selector, body in phone)
