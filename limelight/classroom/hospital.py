"""The hospital lesson: predicting who dies from a code written at discharge.

Each row is an invented hospital stay: what was known when the patient came
in (age, oxygen saturation, heart rate, blood pressure, diabetes, smoking,
emergency or planned) and ``died`` (yes/no), which follows a known, noisy
rule of those. One more column, :data:`LEAK` (``discharge_code``), is written
when the patient leaves: "deceased" for nearly every death, a place (home,
rehab, care home) for everyone else. It predicts the outcome almost perfectly,
but it does not exist yet when a prediction would help. In the clean set it is
empty, as it would be on the day of admission.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["HOSPITAL_CLASSES", "LEAK", "TARGET", "stays_frame"]

TARGET = "died"
LEAK = "discharge_code"
HOSPITAL_CLASSES: tuple[str, ...] = ("no", "yes")
_PLACES = ("home", "rehab", "care home")


def stays_frame(seed: int, *, rows: int, leak: bool) -> pd.DataFrame:
    """The stays; ``leak`` False leaves ``discharge_code`` empty (the day of admission). Same seed, same rows.

    The rule: ``score = 0.06 (age - 65) - 0.35 (oxygen - 94) + 0.03 (heart_rate - 90)
    + 0.8 diabetes + 0.9 emergency - 1.0 + noise``, noise ~ Normal(0, 1): died when score > 0.
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(25, 95, rows)
    oxygen = np.round(np.clip(rng.normal(94, 3, rows), 80, 100), 0)
    heart_rate = rng.integers(55, 140, rows)
    blood_pressure = rng.integers(90, 180, rows)
    diabetes = rng.random(rows) < 0.25
    smoker = rng.random(rows) < 0.3
    emergency = rng.random(rows) < 0.5
    noise = rng.normal(0, 1.0, rows)
    score = 0.06 * (age - 65) - 0.35 * (oxygen - 94) + 0.03 * (heart_rate - 90) + 0.8 * diabetes + 0.9 * emergency - 1.0
    died = score + noise > 0
    # Written at discharge: "deceased" for deaths (a few left blank by a busy ward), a place otherwise.
    places = np.asarray(_PLACES)[rng.integers(len(_PLACES), size=rows)]
    code = np.where(died, np.where(rng.random(rows) < 0.97, "deceased", ""), places).astype(object)
    return pd.DataFrame(
        {
            "age": age,
            "oxygen_saturation": oxygen,
            "heart_rate": heart_rate,
            "blood_pressure": blood_pressure,
            "diabetes": np.where(diabetes, "yes", "no"),
            "smoker": np.where(smoker, "yes", "no"),
            "admission": np.where(emergency, "emergency", "planned"),
            LEAK: code if leak else "",
            TARGET: np.where(died, "yes", "no"),
        }
    )
