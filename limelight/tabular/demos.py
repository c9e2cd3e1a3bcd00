"""Demo tables that work offline, for instructors' one-click examples.

Four are scikit-learn's bundled data sets (read from the installed package,
never downloaded; diabetes is an amount to predict, the others categories);
one is a synthetic loan table whose label follows a known rule, so an
explanation can be checked against the truth. Every demo is returned as a
UTF-8 CSV too, so it takes the same upload path as a user's file; the same
demo always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DEMOS", "Demo", "demo_csv_bytes", "demo_frame"]


@dataclass(frozen=True)
class Demo:
    """One demo table: what a row is, what is predicted and what to look for, in plain words."""

    slug: str
    title: str
    description: str
    target: str
    filename: str


DEMOS: dict[str, Demo] = {
    demo.slug: demo
    for demo in (
        Demo(
            "breast_cancer",
            "Breast cancer biopsies",
            "Each row is a breast tissue sample, described by 30 measurements of its cell nuclei "
            "taken from a microscope image (size, shape, texture). The model predicts whether the "
            "tumour is malignant or benign. Look for which measurements push a sample toward "
            "'malignant': the size and irregularity of the nuclei usually matter most.",
            "diagnosis",
            "breast_cancer.csv",
        ),
        Demo(
            "wine",
            "Italian wines",
            "Each row is a wine from the same region of Italy, described by 13 results of a "
            "chemical analysis. The model predicts which of three grape cultivars (A, B or C) it "
            "was made from. Look at how a few measurements, such as proline and colour intensity, "
            "are enough to tell the cultivars apart.",
            "cultivar",
            "wine.csv",
        ),
        Demo(
            "iris",
            "Iris flowers",
            "Each row is one iris flower, measured in centimetres: the length and width of its "
            "sepals and petals. The model predicts the species: setosa, versicolor or virginica. "
            "Look at the petal measurements: they separate the species almost on their own.",
            "species",
            "iris.csv",
        ),
        Demo(
            "loan_applications",
            "Loan applications (made up)",
            "Each row is an invented loan application: the applicant's age, income, job, housing, "
            "credit history and the loan asked for. The model predicts whether it was approved or "
            "declined. The decisions follow a known rule: a loan that is large compared with the "
            "income, and previous defaults, lead to a refusal. A good explanation should point at "
            "the loan amount, the income and the previous defaults, not at the applicant id.",
            "approved",
            "loan_applications.csv",
        ),
        Demo(
            "diabetes",
            "Diabetes progression (an amount)",
            "Each row is a patient with diabetes: age, sex, body mass index, average blood pressure and "
            "six blood measurements taken at the start. The model predicts an amount, not a category: "
            "how far the disease progressed one year later, on a scale from about 25 to 350. Look at "
            "how much each measurement adds to or takes from the prediction: body mass index and the "
            "triglycerides measure usually matter most.",
            "progression",
            "diabetes.csv",
        ),
    )
}
# scikit-learn's short names of the diabetes blood measurements, said in full.
_DIABETES_COLUMNS = {
    "bmi": "body mass index",
    "bp": "blood pressure",
    "s1": "total cholesterol",
    "s2": "LDL cholesterol",
    "s3": "HDL cholesterol",
    "s4": "cholesterol / HDL",
    "s5": "triglycerides (log)",
    "s6": "blood sugar",
}

_LOAN_ROWS = 2000
_LOAN_SEED = 20160816  # fixed: the demo must be the same file for everyone
_EMPLOYMENT = ("salaried", "self-employed", "unemployed", "retired")
_HOUSING = ("rent", "own", "mortgage")
_PURPOSE = ("car", "home improvement", "education", "business", "debt consolidation")


def demo_frame(slug: str) -> pd.DataFrame:
    """The demo table, with readable column names, class names as words and the target column last.

    Raises KeyError for an unknown slug.
    """
    # Here, not at the top: DEMOS is listed on every dataset page, the bundled tables only built on demand.
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

    demo = DEMOS[slug]
    match slug:
        case "breast_cancer":
            data = load_breast_cancer(as_frame=True)
            # scikit-learn codes malignant as 0 and benign as 1.
            frame = _with_target(data.frame.drop(columns="target"), demo.target, data.target, data.target_names)
        case "wine":
            data = load_wine(as_frame=True)
            features = data.frame.drop(columns="target")
            # "od280/od315_of_diluted_wines" reads better with spaces.
            features.columns = [name.replace("_", " ") for name in features.columns]
            names = np.array(["cultivar A", "cultivar B", "cultivar C"])
            frame = _with_target(features, demo.target, data.target, names)
        case "iris":
            data = load_iris(as_frame=True)
            frame = _with_target(data.frame.drop(columns="target"), demo.target, data.target, data.target_names)
        case "loan_applications":
            frame = _loan_applications()
        case "diabetes":
            # The measurements as taken (scaled=False), not centred and scaled: a person reads mg/dl.
            data = load_diabetes(as_frame=True, scaled=False)
            frame = data.frame.drop(columns="target").rename(columns=_DIABETES_COLUMNS)
            frame["sex"] = frame["sex"].map({1.0: "1", 2.0: "2"}).astype("str")  # coded 1/2, a category
            frame[demo.target] = data.target.to_numpy()
        case _:
            raise KeyError(slug)
    return frame


def demo_csv_bytes(slug: str) -> bytes:
    """The demo table as UTF-8 CSV bytes (header row, "\\n" line ends, empty cells for missing)."""
    return demo_frame(slug).to_csv(index=False, lineterminator="\n").encode("utf-8")


def _with_target(features: pd.DataFrame, target: str, codes: pd.Series, names: np.ndarray) -> pd.DataFrame:
    frame = features.reset_index(drop=True).copy()
    frame[target] = pd.Series(np.asarray(names)[codes.to_numpy()], dtype="str")
    return frame


def _loan_applications() -> pd.DataFrame:
    """Synthetic loan applications whose decision follows a known, noisy rule.

    The rule: with ``ratio = loan_amount / income`` (a missing income counts
    as the median income, as the model's imputer will also assume),

        score = 4.0 - 7.0 * ratio - 1.6 * previous_defaults
                + 0.03 * credit_history_years + noise,   noise ~ Normal(0, 0.5)

    and the application is "approved" when ``score > 0``, else "declined".
    So the loan amount relative to income, and previous defaults, dominate;
    credit history matters a little; age, employment, housing, purpose and the
    applicant id play no part at all (beyond what they share with income).
    """
    rng = np.random.default_rng(_LOAN_SEED)
    n = _LOAN_ROWS
    age = rng.integers(21, 76, n)
    employment = rng.choice(_EMPLOYMENT, n, p=[0.6, 0.2, 0.08, 0.12])
    employment[age >= 67] = "retired"
    # Yearly income, rounded to hundreds; unemployed applicants earn less.
    base = np.where(employment == "unemployed", 14_000.0, 42_000.0)
    income = np.round(base * rng.lognormal(0.0, 0.4, n), -2)
    loan_amount = np.round(rng.uniform(1_000, 30_000, n) * rng.choice([0.5, 1.0, 1.5], n), -2)
    housing = rng.choice(_HOUSING, n, p=[0.4, 0.25, 0.35])
    purpose = rng.choice(_PURPOSE, n).astype(object)
    credit_history_years = np.minimum(age - 18, rng.gamma(2.0, 5.0, n).astype(int))
    previous_defaults = rng.choice(4, n, p=[0.7, 0.18, 0.08, 0.04])
    noise = rng.normal(0.0, 0.5, n)

    missing_income = rng.random(n) < 0.05
    missing_purpose = rng.random(n) < 0.04
    ratio = loan_amount / np.where(missing_income, np.median(income[~missing_income]), income)
    score = 4.0 - 7.0 * ratio - 1.6 * previous_defaults + 0.03 * credit_history_years + noise

    purpose[missing_purpose] = ""  # an empty cell in the CSV: missing
    return pd.DataFrame(
        {
            "applicant_id": [f"A{i:05d}" for i in range(1, n + 1)],
            "age": age,
            "income": np.where(missing_income, np.nan, income),
            "loan_amount": loan_amount,
            "employment": employment,
            "housing": housing,
            "purpose": purpose,
            "credit_history_years": credit_history_years,
            "previous_defaults": previous_defaults,
            "approved": np.where(score > 0, "approved", "declined"),
        }
    )
