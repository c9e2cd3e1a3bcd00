#!/usr/bin/env bash
# What `make test` runs: every test layer, on a fresh machine too.
#   - installs requirements-dev.txt into .venv (once),
#   - installs Chromium for the browser tests if it is missing (needs root),
#   - uses the PostgreSQL at 127.0.0.1:5432 when one answers, else SQLite,
#   - and, after a PostgreSQL run, runs the web layer again on SQLite (the `make run` default).
# Extra arguments are passed to pytest.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
py=.venv/bin/python

bash scripts/bootstrap.sh requirements-dev.txt

chromium=/usr/bin/chromium
chromium_packages="chromium chromium-driver fonts-dejavu-core"
if [ ! -x "$chromium" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "Installing Chromium for the browser tests (first run only)…"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $chromium_packages
    else
        echo "error: the browser tests need Chromium at $chromium. Install it with:" >&2
        echo "    sudo apt-get install --no-install-recommends $chromium_packages" >&2
        exit 1
    fi
fi

postgres_answers() {
    "$py" - <<'PY' >/dev/null 2>&1
import psycopg
psycopg.connect("dbname=test user=postgres host=127.0.0.1 connect_timeout=3").close()
PY
}

used_postgres=0
if [ -z "${DATABASE_URL:-}" ] && postgres_answers; then
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
    used_postgres=1
    echo "Database: PostgreSQL at 127.0.0.1:5432 (DATABASE_URL=$DATABASE_URL)."
elif [ -n "${DATABASE_URL:-}" ]; then
    echo "Database: DATABASE_URL from the environment."
else
    echo "Database: SQLite (no PostgreSQL answers at 127.0.0.1:5432)."
fi

tmp_dirs=()
cleanup() {
    if [ ${#tmp_dirs[@]} -gt 0 ]; then rm -rf "${tmp_dirs[@]}"; fi
}
trap cleanup EXIT

# run_pytest LABEL ALLOW_EMPTY ARGS...: pytest in a fresh DATA_DIR.
# "No tests collected" (exit code 5) is a failure unless ALLOW_EMPTY is 1.
run_pytest() {
    local label=$1 allow_empty=$2
    shift 2
    local data_dir
    data_dir=$(mktemp -d "${TMPDIR:-/tmp}/limelight-test.XXXXXX")
    tmp_dirs+=("$data_dir")
    local rc=0
    # Without arguments run the whole tests/ tree; with arguments (paths, -k, -m …) pytest
    # narrows them down itself, falling back to its configured testpaths (tests/).
    local where=(tests)
    if [ $# -gt 0 ]; then where=(); fi
    DATA_DIR=$data_dir "$py" -m pytest "${where[@]}" -p no:cacheprovider "$@" || rc=$?
    if [ "$rc" -eq 5 ] && [ "$allow_empty" -eq 1 ]; then
        echo "$label: no tests match the given arguments."
        return 0
    fi
    if [ "$rc" -eq 5 ]; then
        echo "error: $label: pytest collected no tests." >&2
        return 1
    fi
    if [ "$rc" -ne 0 ]; then
        echo "error: $label: pytest failed (exit code $rc)." >&2
    fi
    return "$rc"
}

run_pytest "all tests" 0 "$@"

if [ "$used_postgres" -eq 1 ]; then
    echo "Running the web tests again on SQLite, the default database of 'make run'…"
    unset DATABASE_URL
    # With extra arguments (say -k NAME) it is fine if none of the web tests match them.
    run_pytest "web tests on SQLite" $(($# > 0)) "$@" -m web
fi

echo "All tests passed."
