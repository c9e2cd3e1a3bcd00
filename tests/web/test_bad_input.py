"""Bad input through the web layer: a readable message, a 4xx not a 500, nothing stored
when refused, nothing written outside DATA_DIR, markup escaped everywhere (issue 9)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from classifiers import runs as classifier_runs
from classifiers import services as classifier_services
from classifiers.models import Dataset, TrainedModel
from explanations import runs as explanation_runs
from explanations import services as explanation_services
from explanations.models import Explanation
from jobs.limits import LimitedUploadHandler, OversizeUpload
from jobs.models import JobStatus
from jobs.services import job_run
from tests.conftest import csv_bytes, risk_table

pytestmark = [pytest.mark.web, pytest.mark.django_db]

STORED_NAME = re.compile(r"datasets/[0-9a-f]{32}\.csv")


def stored_files(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) if media.exists() else []


def sized_csv(size: int) -> bytes:
    """A valid CSV of exactly `size` bytes (padding goes into the last cell's text)."""
    content = csv_bytes(risk_table(rows=40))
    assert len(content) < size
    lines = content.decode().splitlines(keepends=True)
    lines.insert(1, lines[1])  # a duplicate row we can pad: the city cell
    head, row = lines[0], lines[1].split(",")
    row[4] = row[4] + "x" * (size - len(content) - len(lines[1]))
    lines[1] = ",".join(row)
    result = "".join([head, *lines[1:]]).encode()
    assert len(result) == size
    return result


def post_upload(client, content: bytes, name: str = "risk.csv"):
    return client.post(reverse("classifiers:upload"), {"file": SimpleUploadedFile(name, content, "text/csv")})


# -- sizes ---------------------------------------------------------------------


def test_an_upload_of_exactly_the_limit_is_accepted_and_one_byte_more_is_refused(logged_in, settings):
    settings.MAX_UPLOAD_BYTES = 6000
    response = post_upload(logged_in, sized_csv(6000))
    assert response.status_code == 302
    assert Dataset.objects.get().size_bytes == 6000

    response = post_upload(logged_in, sized_csv(6001))
    assert response.status_code == 400
    assert "the limit is" in response.text and "Traceback" not in response.text
    assert Dataset.objects.count() == 1
    assert [STORED_NAME.fullmatch(name) is not None for name in stored_files(settings.MEDIA_ROOT)] == [True]


def test_the_upload_handler_stops_storing_at_the_limit(rf, settings):
    """Past MAX_UPLOAD_BYTES no chunk reaches the handlers that store (memory, temp file)."""
    settings.MAX_UPLOAD_BYTES = 10
    handler = LimitedUploadHandler(rf.post("/"))
    handler.new_file("file", "big.csv", "text/csv", None)
    assert handler.receive_data_chunk(b"a" * 10, 0) == b"a" * 10
    assert handler.receive_data_chunk(b"b" * 10, 10) is None
    assert handler.receive_data_chunk(b"c" * 10, 20) is None
    upload = handler.file_complete(30)
    assert isinstance(upload, OversizeUpload)
    assert (upload.size, upload.read(), upload.name) == (30, b"", "big.csv")


def test_an_empty_upload_is_refused_with_a_message(logged_in, settings):
    response = post_upload(logged_in, b"")
    assert response.status_code == 400
    assert Dataset.objects.count() == 0
    assert stored_files(settings.MEDIA_ROOT) == []


# -- file names ----------------------------------------------------------------

NASTY_NAMES = [
    "../../../../tmp/escape.csv",
    "..\\..\\windows\\escape.csv",
    "/etc/passwd.csv",
    "a\x00b.csv",
    "n" * 296 + ".csv",
    "<script>alert(1)</script>.csv",
    '"><img src=x onerror=alert(1)>.csv',
]


@pytest.mark.parametrize("name", NASTY_NAMES)
def test_nasty_file_names_are_stored_under_our_own_name_and_shown_escaped(logged_in, settings, name):
    data_dir = Path(settings.DATA_DIR)
    before = {p for p in data_dir.parent.glob("*escape*")}
    response = post_upload(logged_in, csv_bytes(risk_table()), name=name)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        dataset = Dataset.objects.get()
        assert STORED_NAME.fullmatch(dataset.file.name)
        assert "/" not in dataset.name and "\\" not in dataset.name and "\x00" not in dataset.name
        assert len(dataset.name) <= 200
        page = logged_in.get(reverse("classifiers:dataset", args=[dataset.pk])).text
        assert "<script>alert" not in page and "<img src=x" not in page
    assert all(STORED_NAME.fullmatch(n) for n in stored_files(settings.MEDIA_ROOT))
    assert {p for p in data_dir.parent.glob("*escape*")} == before
    assert not Path("/tmp/escape.csv").exists()


# -- markup in column and class names --------------------------------------------

MARKUP_COLUMN = "<b>age</b><script>alert('col')</script>"
MARKUP_TARGET = 'risk"><svg onload=alert(1)>'
FORMULA_COLUMN = '=HYPERLINK("http://evil")'
MARKUP_CLASS = "<img src=x onerror=alert('class')>"


@pytest.fixture
def markup_explanation(user):
    frame = risk_table().rename(columns={"age": MARKUP_COLUMN, "smoker": FORMULA_COLUMN, "risk": MARKUP_TARGET})
    frame[MARKUP_TARGET] = frame[MARKUP_TARGET].replace({"high": MARKUP_CLASS})
    dataset = classifier_services.dataset_create(
        owner=user, upload=SimpleUploadedFile("<i>m</i>.csv", csv_bytes(frame), "text/csv")
    )
    model = classifier_services.model_train_request(
        dataset=dataset, target=MARKUP_TARGET, classifier="decision_tree", dispatch=False
    )
    job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
    model.refresh_from_db()
    assert model.succeeded, model.message
    explanation = explanation_services.explanation_request(
        model=model, row_index=int((frame[MARKUP_TARGET] == MARKUP_CLASS).idxmax()), dispatch=False
    )
    job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
    explanation.refresh_from_db()
    assert explanation.succeeded, explanation.message
    assert MARKUP_CLASS in model.class_names
    return explanation


RAW = [MARKUP_COLUMN, MARKUP_TARGET, MARKUP_CLASS, "<script>alert", "<img src=x", "<svg onload"]


def assert_escaped(text: str) -> None:
    for raw in RAW:
        assert raw not in text


def test_markup_in_column_and_class_names_is_escaped_on_every_page(logged_in, markup_explanation):
    explanation = markup_explanation
    model = explanation.model
    pages = [
        reverse("classifiers:home"),
        reverse("classifiers:dataset", args=[model.dataset.pk]),
        reverse("classifiers:model", args=[model.pk]),
        reverse("explanations:detail", args=[explanation.pk]),
        reverse("explanations:present", args=[explanation.pk]),
        reverse("explanations:what_if", args=[model.pk]),
    ]
    seen_escaped = 0
    for url in pages:
        response = logged_in.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.text)
        seen_escaped += escape(MARKUP_CLASS) in response.text
    assert seen_escaped >= 2  # the class name is shown, escaped


def test_markup_in_names_is_escaped_in_the_charts(logged_in, markup_explanation):
    explanation = markup_explanation
    for url in [
        reverse("explanations:chart", args=[explanation.pk]),
        reverse("explanations:export", args=[explanation.pk, "svg"]),
        reverse("classifiers:confusion", args=[explanation.model.pk]),
    ]:
        response = logged_in.get(url)
        svg = b"".join(response.streaming_content) if response.streaming else response.content
        text = svg.decode()
        assert text.startswith("<?xml"), url
        assert_escaped(text)
        assert re.findall(r"<(script|img|svg onload|b>)", text) == [], url
    # The chart's labels are the conditions, which start with the column name.
    chart = b"".join(logged_in.get(reverse("explanations:chart", args=[explanation.pk])).streaming_content)
    assert escape("<b>age</b>").encode() in chart or b"&lt;b&gt;age&lt;/b&gt;" in chart


def test_exports_neutralise_formulas_and_keep_markup_inert(logged_in, markup_explanation):
    explanation = markup_explanation
    csv_response = logged_in.get(reverse("explanations:export", args=[explanation.pk, "csv"]))
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response["Content-Disposition"].startswith("attachment;")
    cells = [cell for line in csv_response.content.decode().splitlines()[1:] for cell in line.split(",")]
    assert not any(cell.lstrip('"').startswith(("=", "+", "@")) for cell in cells)
    assert FORMULA_COLUMN not in csv_response.content.decode().replace('""', '"').split("'")[0]

    json_response = logged_in.get(reverse("explanations:export", args=[explanation.pk, "json"]))
    assert json_response["Content-Type"] == "application/json"
    assert json_response["X-Content-Type-Options"] == "nosniff"
    assert json_response["Content-Disposition"].startswith("attachment;")
    document = json.loads(json_response.content)
    assert MARKUP_CLASS in json.dumps(document, ensure_ascii=False)  # data, not markup: kept exact


# -- numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "1e400",
        "inf",
        "-inf",
        "Infinity",
        "-1e400",
        "1e308",
    ],
)
def test_overflow_and_infinity_cells_do_not_break_upload_or_training(logged_in, user, bad):
    frame = risk_table()
    frame["weight"] = frame["weight"].astype(object)
    frame.loc[[1, 7, 30], "weight"] = bad
    response = post_upload(logged_in, csv_bytes(frame))
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert "Traceback" not in response.text
        assert Dataset.objects.count() == 0
        return
    dataset = Dataset.objects.get()
    response = logged_in.post(
        reverse("classifiers:train", args=[dataset.pk]), {"target": "risk", "classifier": "random_forest"}
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        model = TrainedModel.objects.get()
        job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
        model.refresh_from_db()
        assert model.status == JobStatus.SUCCEEDED, model.message


# -- a target column made unusable, a missing artifact -------------------------------------


@pytest.mark.parametrize("kind", ["identifier", "text", "date"])
def test_a_target_column_the_user_turns_off_gives_a_readable_refusal(logged_in, user, kind):
    dataset = classifier_services.dataset_create(
        owner=user, upload=SimpleUploadedFile("risk.csv", csv_bytes(risk_table()), "text/csv")
    )
    index = [column["name"] for column in dataset.columns].index("risk")
    roles = {f"column_{i}": column["kind"] for i, column in enumerate(dataset.columns)}
    roles[f"column_{index}"] = kind
    assert logged_in.post(reverse("classifiers:roles", args=[dataset.pk]), roles).status_code == 302
    response = logged_in.post(
        reverse("classifiers:train", args=[dataset.pk]), {"target": "risk", "classifier": "random_forest"}
    )
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert "Traceback" not in response.text
        assert TrainedModel.objects.count() == 0
    else:
        model = TrainedModel.objects.get()
        job_run(model=TrainedModel, pk=model.pk, work=classifier_runs.model_train)
        model.refresh_from_db()
        assert model.is_finished and "Something went wrong" not in model.message


def test_a_model_whose_artifact_went_missing_shows_a_message_and_explaining_fails_plainly(
    logged_in, user, make_trained_model, settings
):
    model = make_trained_model(user, classifier="decision_tree")
    for file in (Path(settings.MEDIA_ROOT) / model.artifact).iterdir():
        file.unlink()
    page = logged_in.get(reverse("classifiers:model", args=[model.pk]))
    assert page.status_code == 200
    assert "saved file is missing" in page.text

    response = logged_in.post(reverse("explanations:request", args=[model.pk]), {"row": "3"})
    assert response.status_code == 302
    explanation = Explanation.objects.get()
    job_run(model=Explanation, pk=explanation.pk, work=explanation_runs.explanation_run)
    explanation.refresh_from_db()
    assert (explanation.status, explanation.message) == (
        JobStatus.FAILED,
        "This model's saved file is missing; please train it again.",
    )
    detail = logged_in.get(reverse("explanations:detail", args=[explanation.pk]))
    assert detail.status_code == 200 and "saved file is missing" in detail.text


def test_a_csv_that_is_not_a_table_is_refused_with_a_message(logged_in, settings):
    for content in [
        b"\x00\x01\x02\x03" * 100,
        b"PK\x03\x04" + b"\x00" * 200,
        b'a,b\n1,"2\n',
        b"\xff\xfe\x00",
    ]:
        response = post_upload(logged_in, content)
        assert response.status_code == 400
        assert "Traceback" not in response.text
    assert Dataset.objects.count() == 0
    assert stored_files(settings.MEDIA_ROOT) == []


def test_the_cli_sets_up_a_fresh_data_directory_and_still_says_errors_in_one_line(tmp_path):
    """A script's first call, before `make run` ever ran: no database yet, and a bad file."""
    import subprocess
    import sys

    bad = tmp_path / "dup.csv"
    bad.write_text("a,a\n1,2\n")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATA_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        [sys.executable, "manage.py", "explain", str(bad), "--row", "0", "--json"],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        'error: The column name "a" appears twice. Give every column its own name.'
    ]
