"""Demo tables: offline, deterministic, readable, and the loan rule shows in explanations."""

import hashlib

import numpy as np
import pytest

from limelight.explainers.lime_tabular import TabularLime
from limelight.tabular.demos import DEMOS, demo_csv_bytes, demo_frame
from limelight.tabular.profiling import ColumnKind, check_target, profile_columns
from limelight.tabular.reading import read_table
from limelight.tabular.tasks import check_amount_target, default_task
from limelight.tabular.training import train_classifier

pytestmark = pytest.mark.unit


def test_demos_are_listed_with_their_targets_and_files():
    assert {slug: (demo.target, demo.filename) for slug, demo in DEMOS.items()} == {
        "breast_cancer": ("diagnosis", "breast_cancer.csv"),
        "wine": ("cultivar", "wine.csv"),
        "iris": ("species", "iris.csv"),
        "loan_applications": ("approved", "loan_applications.csv"),
        "diabetes": ("progression", "diabetes.csv"),
    }
    assert all(demo.slug == slug and demo.title and len(demo.description) > 100 for slug, demo in DEMOS.items())


@pytest.mark.parametrize(
    ("slug", "shape", "classes"),
    [
        ("breast_cancer", (569, 31), {"malignant": 212, "benign": 357}),
        ("wine", (178, 14), {"cultivar A": 59, "cultivar B": 71, "cultivar C": 48}),
        ("iris", (150, 5), {"setosa": 50, "versicolor": 50, "virginica": 50}),
        ("loan_applications", (2000, 10), None),
        ("diabetes", (442, 11), None),
    ],
)
def test_demo_frames_have_the_target_last_with_class_names_as_words(slug, shape, classes):
    frame = demo_frame(slug)

    assert frame.shape == shape
    assert frame.columns[-1] == DEMOS[slug].target
    if classes is not None:
        assert frame.iloc[:, -1].value_counts().to_dict() == classes


def test_wine_column_names_are_readable():
    assert "od280/od315 of diluted wines" in demo_frame("wine").columns


@pytest.mark.parametrize("slug", list(DEMOS))
def test_demo_csv_bytes_are_deterministic_and_read_back_through_the_upload_path(slug):
    first = hashlib.sha256(demo_csv_bytes(slug)).hexdigest()
    second = hashlib.sha256(demo_csv_bytes(slug)).hexdigest()

    table = read_table(demo_csv_bytes(slug))

    assert first == second
    assert table.shape == demo_frame(slug).shape
    assert list(table.columns) == list(demo_frame(slug).columns)
    target = DEMOS[slug].target
    check = check_amount_target if default_task(table, target) == "regression" else check_target
    assert check(table, target).warnings == ()


def test_loan_applications_profile_as_intended_with_some_gaps():
    table = read_table(demo_csv_bytes("loan_applications"))

    kinds = {profile.name: profile.kind for profile in profile_columns(table)}

    assert kinds == {
        "applicant_id": ColumnKind.IDENTIFIER,
        "age": ColumnKind.NUMBER,
        "income": ColumnKind.NUMBER,
        "loan_amount": ColumnKind.NUMBER,
        "employment": ColumnKind.CATEGORY,
        "housing": ColumnKind.CATEGORY,
        "purpose": ColumnKind.CATEGORY,
        "credit_history_years": ColumnKind.NUMBER,
        "previous_defaults": ColumnKind.CATEGORY,
        "approved": ColumnKind.CATEGORY,
    }
    assert table["income"].isna().sum() > 50
    assert table["purpose"].isna().sum() > 40
    assert table["applicant_id"].iloc[0] == "A00001"
    assert 0.4 < (table["approved"] == "approved").mean() < 0.8


def test_explanations_of_the_loan_demo_point_at_the_rule():
    table = read_table(demo_csv_bytes("loan_applications"))
    profiles = [p for p in profile_columns(table) if p.name != "approved" and p.usable_as_feature]
    numeric = [p.name for p in profiles if p.kind == ColumnKind.NUMBER]
    categorical = [p.name for p in profiles if p.kind != ColumnKind.NUMBER]
    result = train_classifier(
        table,
        target="approved",
        features=[p.name for p in profiles],
        numeric=numeric,
        categorical=categorical,
        classifier="random_forest",
        params={"n_estimators": 100},
    )
    lime = TabularLime.fit(result.train_frame, numeric=numeric, categorical=categorical)
    rule = {"loan_amount", "income", "previous_defaults"}

    assert result.metrics["accuracy"] > 0.8
    for row in (0, 1, 2, 3, 4):
        instance = table.iloc[row][list(result.train_frame.columns)]
        label = int(np.argmax(result.pipeline.predict_proba(table.iloc[[row]][list(result.train_frame.columns)])))
        explanation = lime.explain(
            instance, result.pipeline.predict_proba, label=label, num_samples=2000, random_state=0
        )
        top_two = {weight.feature for weight in explanation.weights[:2]}
        assert top_two <= rule, (row, explanation.weights)


def test_the_diabetes_demo_is_an_amount_read_as_measured():
    frame = demo_frame("diabetes")
    table = read_table(demo_csv_bytes("diabetes"))
    assert default_task(table, "progression") == "regression"
    # scikit-learn's raw file (Efron et al. 2004): progression from 25 to 346, 214 different values.
    assert (frame.progression.min(), frame.progression.max(), frame.progression.nunique()) == (25, 346, 214)
    assert set(frame.sex) == {"1", "2"} and frame.age.min() >= 18 and frame["body mass index"].max() < 50
