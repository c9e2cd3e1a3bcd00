"""Every URL of the site, with random and hostile values for every parameter, never answers 500.

Hypothesis walks the URL patterns as they are registered (so a new view is walked
without anyone adding it here), fills each path parameter with real ids of the
owner's and another user's records or with hostile values, and sends GET and POST
requests with hostile query and form values, as the owner, as another user and
anonymously. It asserts: no 500 (the test client re-raises a view's exception), no
traceback in the body, and nothing of the owner's changed when someone else asked.
"""

from __future__ import annotations

import inspect
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from limelight.catalogue import CLASSIFIER_CARDS

pytestmark = pytest.mark.django_db

HOSTILE = [
    "", "0", "-1", "1", "abc", "1e308", "-1e308", "nan", "inf", "99999999999999999999999",
    "2147483648", "0.5", "1.5", "<script>alert(1)</script>", "../../etc/passwd", "%00", "\x00",
    "' OR 1=1 --", "é☃𝄞", "x" * 3000, "[]", "{}", "true", "on",
]  # fmt: skip

# Every name a form or a view reads: the fixed ones, then the generated ones (a what-if
# value per column, a role per column, each classifier's knobs).
PARAMETERS = sorted(
    {
        "explainer", "feature", "from", "model", "other", "page", "predicted", "q", "truth", "wrong",
        "auto_samples", "char_ngrams", "classifier", "days", "discretizer", "features", "hide_color",
        "image_size", "kernel_width", "label", "max_anchor_size", "num_features", "num_samples",
        "random_state", "row", "segmenter", "show_file_name", "show_row_label", "show_true_value",
        "skip_diagnostics", "target", "text_column", "sensitive", "threshold", "top_segments", "kernel_size",
        "max_dist", "n_segments", "compactness", "scale", "min_size", "username", "password",
        "password1", "password2", "old_password", "new_password1", "new_password2", "next",
        *(f"value_{i}" for i in range(6)), *(f"column_{i}" for i in range(6)),
        *(f"{card.name}__{knob.name}" for card in CLASSIFIER_CARDS.values() for knob in card.knobs),
    }
)  # fmt: skip

# A plausible value for each parameter, so that one hostile value is not stopped by another's
# error before it reaches the code that reads it.
PLAUSIBLE = {
    "explainer": ["lime", "anchor", "shap"], "feature": ["age", "city", "weight"], "page": ["1", "2"],
    "predicted": ["high", "low"], "truth": ["high", "low"], "wrong": ["1"], "q": ["Lyon"], "from": ["1", "5"],
    "classifier": ["random_forest", "decision_tree"], "days": ["1", "7"], "discretizer": ["quartile", "decile"],
    "hide_color": ["grey", "blur"], "image_size": ["32"], "kernel_width": ["0.75"], "label": ["0", "1"],
    "max_anchor_size": ["2"], "num_features": ["3"], "num_samples": ["300"], "random_state": ["0", "7"],
    "row": ["1"], "segmenter": ["slic"], "target": ["risk"], "threshold": ["0.95"], "top_segments": ["3"],
    "value_0": ["40"], "value_1": ["70"], "value_2": ["yes"], "value_3": ["Lyon"], "username": ["ada"],
    "sensitive": ["", "smoker", "city"],
}  # fmt: skip

# What the owner must not do to the fixtures the walk goes on using.
OWNER_SKIPS = re.compile(r"delete|revoke|logout|password")
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _routes(patterns=None, prefix: str = "") -> list[str]:
    """Every URL pattern's route, e.g. "explanations/<int:pk>/export.<str:fmt>"."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append(prefix + route)
    return found


@pytest.fixture
def world(user, other_user, make_trained_model, make_explanation):
    """The owner's records (a model, a LIME and an Anchors explanation, share links) and another user's."""
    from explanations import runs, services
    from explanations.models import ModelReport
    from jobs.services import job_run

    mine = make_trained_model(user)
    lime = make_explanation(mine, row=1, num_samples=300)
    anchor = make_explanation(mine, row=2, explainer="anchor")
    link = services.share_link_create(user=user, explanation=lime)
    model_link = services.share_link_create(user=user, model=mine)
    theirs = make_trained_model(other_user, classifier="decision_tree")
    their_explanation = make_explanation(theirs, row=3, num_samples=300)
    their_link = services.share_link_create(user=other_user, explanation=their_explanation)
    report = services.report_request(model=mine, dispatch=False)  # the whole model at a glance (issue 27)
    job_run(model=ModelReport, pk=report.pk, work=runs.report_run)
    report.refresh_from_db()
    report_link = services.share_link_create(user=user, report=report)
    their_report = services.report_request(model=theirs, dispatch=False)
    return {
        "explanation": [lime.pk, anchor.pk, their_explanation.pk],
        "model": [mine.pk, theirs.pk],
        "dataset": [mine.dataset.pk, theirs.dataset.pk],
        "link": [link.pk, model_link.pk, their_link.pk, report_link.pk],
        "report": [report.pk, their_report.pk],
        "index": [0, 1, 3],
        "token": [link.token, model_link.token, their_link.token, report_link.token],
    }


def _kind_of_id(route: str, name: str) -> str:
    """Which records a path's id names, so most draws hit a real one."""
    if name in ("model_pk",) or route.startswith("models/"):
        return "model"
    if name == "link_pk":
        return "link"
    if "/whole/" in f"/{route}" and name == "pk":
        return "report"
    if name == "index":
        return "index"
    if route.startswith("datasets/"):
        return "dataset"
    return "explanation"


def _snapshot(owner) -> list:
    from classifiers.models import Dataset, TrainedModel
    from explanations.models import Explanation, ModelReport, ShareLink

    return [
        list(Dataset.objects.filter(owner=owner).order_by("pk").values()),
        list(TrainedModel.objects.filter(dataset__owner=owner).order_by("pk").values()),
        list(Explanation.objects.filter(model__dataset__owner=owner).order_by("pk").values()),
        list(ShareLink.objects.filter(created_by=owner).order_by("pk").values()),
        list(ModelReport.objects.filter(model__dataset__owner=owner).order_by("pk").values()),
    ]


def _names_read_by(path: str) -> list[str]:
    """The parameters the view behind `path` reads: names quoted in its source or its forms' fields."""
    try:
        view = inspect.unwrap(resolve(path).func)
        source = inspect.getsource(getattr(view, "view_class", view))
    except Exception:  # a path that does not resolve, or a view without Python source
        return PARAMETERS
    names = set(re.findall(r"[\"']([a-z_0-9]+)[\"']", source))
    if "Form" in source:  # forms generate fields per column and per knob: offer every form name
        names |= {n for n in PARAMETERS if "__" in n or n[-1].isdigit()} | set(PLAUSIBLE)
    return sorted(names & set(PARAMETERS)) or PARAMETERS


def _parameters(draw, path: str, world: dict) -> dict[str, str]:
    """Plausible values with one hostile one among the names the view reads, or a few hostile ones."""
    hostile = st.sampled_from(HOSTILE) | st.text(max_size=20)
    if draw(st.booleans(), label="few"):
        return draw(st.dictionaries(st.sampled_from(PARAMETERS), hostile, max_size=3), label="parameters")
    ids = [str(i) for i in world["model"] + world["explanation"]]
    values = {name: draw(st.sampled_from(PLAUSIBLE.get(name, ids if name in ("model", "other") else [""])))
              for name in PARAMETERS}  # fmt: skip
    bad = draw(st.sampled_from(_names_read_by(path)), label="hostile")
    values[bad] = draw(hostile, label="value")
    return values


def _fill(route: str, draw, world) -> str:
    def one(match: re.Match) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if converter == "int":
            real = st.sampled_from(world[_kind_of_id(route, name)])
            return str(draw(real | real | real | st.sampled_from([0, 2**31, 10**25]) | st.integers(0)))
        if name == "token":
            hostile = st.sampled_from(HOSTILE[:8]) | st.text("abcXYZ-_09", min_size=1, max_size=40)
            return draw(st.sampled_from(world["token"]) | hostile)
        if name == "fmt":
            return draw(st.sampled_from(["json", "csv", "png", "svg", "html", "pdf", "x"]))
        charts = ["importance.svg", "dependence-0.svg"]  # a whole-model report's
        names = st.sampled_from(["weights", "overlay", "original", "stability", "kernel", "what_if", *charts, "x"])
        return draw(names | st.text(max_size=12))

    path = "/" + CONVERTER.sub(one, route.lstrip("^").rstrip("$"))
    return re.sub(r"[\\^$?]", "", path)  # the admin's regex routes, read as plain paths


def test_no_parameter_of_any_url_gives_a_500(world, user, other_user):
    """Each route gets its own walk: 30 examples (4 for each of the admin's), 1,300 requests in all."""
    routes = _routes()
    assert len([r for r in routes if not r.startswith("admin/")]) >= 35, routes
    failures = []
    for route in routes:
        walk = settings(
            max_examples=4 if route.startswith("admin/") else 40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=True,
            database=None,
        )(_walk(route, world, user, other_user))
        try:
            walk()
        except Exception as error:  # every route is walked; the failures are listed together
            failures.append(f"{route}: {error}")
    assert not failures, "\n".join(failures)


def _walk(route: str, world: dict, user, other_user):
    @given(data=st.data())
    def walk(data):
        role = data.draw(st.sampled_from(["owner", "owner", "other", "anonymous"]), label="role")
        method = data.draw(st.sampled_from(["get", "post"]), label="method")
        if role == "owner" and OWNER_SKIPS.search(route):
            return
        path = _fill(route, data.draw, world)
        values = _parameters(data.draw, path, world)
        client = Client()
        if role != "anonymous":
            client.force_login(user if role == "owner" else other_user)
        before = _snapshot(user) if role != "owner" else None
        try:
            response = getattr(client, method)(path, values)
        except Exception as error:  # the view raised: it would have been a 500
            raise AssertionError(f"{method.upper()} {path} {values}: {error!r}") from error
        assert response.status_code < 500, (method, path, values, response.status_code)
        if not getattr(response, "streaming", False):
            assert b"Traceback" not in response.content
        if before is not None:
            assert _snapshot(user) == before, (role, method, path, values)

    return walk
