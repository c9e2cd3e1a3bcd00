#!/usr/bin/env bash
# Create (or repair) the project virtualenv in .venv and install REQFILE into it.
# A stamp in .venv/.stamp-<REQFILE name> records what was installed, so a second
# call with nothing changed returns immediately.
#
#   usage: scripts/bootstrap.sh REQFILE      (e.g. requirements.txt, requirements-dev.txt)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 REQFILE (an existing requirements file)" >&2
    exit 2
fi
reqfile=$1
venv=.venv
py=$venv/bin/python
stamp=$venv/.stamp-$(basename "$reqfile")

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$@"
    else
        shasum -a 256 "$@"
    fi
}

# A venv is usable when its interpreter runs and has pip.
venv_ok() {
    [ -x "$py" ] && "$py" -c 'import pip' >/dev/null 2>&1
}

if ! venv_ok; then
    if ! command -v python3 >/dev/null 2>&1; then
        echo "error: python3 not found; install Python 3.11 or newer." >&2
        exit 1
    fi
    if [ -e "$venv" ]; then
        echo "The virtualenv in $venv is broken; recreating it…"
        rm -rf "$venv"
    fi
    echo "Creating a virtualenv in $venv…"
    if ! python3 -m venv "$venv"; then
        rm -rf "$venv"
        echo "error: 'python3 -m venv' failed. On Debian/Ubuntu: apt-get install python3-venv" >&2
        exit 1
    fi
fi

# Everything that decides what gets installed: the requirement files and the interpreter.
want=$(
    {
        sha256 "$reqfile" requirements.txt
        "$py" -c 'import sys; print(sys.version)'
    } | sha256 | cut -d' ' -f1
)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi

if [ ! -f "$venv/.stamp-pip" ]; then
    echo "Upgrading pip…"
    "$py" -m pip install --quiet --disable-pip-version-check --upgrade pip
    touch "$venv/.stamp-pip"
fi

echo "Installing Python packages from $reqfile (first run only, a few minutes)…"
rm -f "$stamp"
"$py" -m pip install --quiet --disable-pip-version-check -r "$reqfile"
echo "$want" >"$stamp"
echo "Python packages are ready."
