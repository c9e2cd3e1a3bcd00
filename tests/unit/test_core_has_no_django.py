"""The core package ``limelight`` imports no Django and no app: both apps build on it, never the reverse.

Every module of the package is imported in one fresh interpreter, which then reports what it holds.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "limelight"
ABOVE_THE_CORE = ("django", "celery", "classifiers", "explanations", "jobs", "accounts", "explainer_site")


def _core_modules() -> list[str]:
    names = []
    for path in sorted(CORE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_the_core_holds_the_engine_of_both_apps():
    packages = {name for name in _core_modules() if name.count(".") == 1}

    assert {"limelight.tabular", "limelight.text", "limelight.images", "limelight.explainers"} <= packages
    assert "limelight.drawing" in packages


def test_importing_every_core_module_loads_no_django_and_no_app():
    probe = (
        "import importlib, json, sys\n"
        f"for name in {_core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({ABOVE_THE_CORE!r}))))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)

    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
