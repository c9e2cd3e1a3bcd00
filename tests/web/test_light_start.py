"""The web process starts light: no training, explaining or plotting library at start (DESIGN.md).

Django's setup plus the URLconf (which imports every view, form, service and
selector a request can reach) runs in a fresh interpreter, which then reports
the heavy libraries it holds. The worker imports them through ``tasks.py`` when
it works; a web process pays for them only on the few pages that draw on demand.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.web

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "scipy", "matplotlib", "lime", "shap", "skimage")

PROBE = f"""
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "explainer_site.settings"
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def test_web_process_starts_without_training_or_plotting_libraries(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATA_DIR=str(tmp_path))
    env.pop("DJANGO_SETTINGS_MODULE", None)

    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
