#!/usr/bin/env bash
# The trainee image's install steps: the Dockerfile runs exactly this script, and
# tests/test_classroom_kubernetes.py runs it too (with a stand-in for pip that records the call).
# Every version comes from requirements.lock, the same pins `make` and CI install.
set -euo pipefail
SRC=${1:?usage: install.sh SOURCE_FOLDER}
PIP=${PIP:-python3 -m pip}
JUPYTER_PREFIX=${JUPYTER_PREFIX:-$(python3 -c 'import sys; print(sys.prefix)')}
cd "$SRC"
test -f requirements.lock || { echo "install.sh: $SRC has no requirements.lock" >&2; exit 1; }
# Editable, so the kit finds the course's notebooks/ beside its package (as in a checkout).
$PIP install --no-cache-dir -c requirements.lock -e "$SRC[classroom]"
# The course's JupyterLab settings (no news prompt, nothing fetched) for every user.
mkdir -p "$JUPYTER_PREFIX/share/jupyter/lab/settings"
cp mfa_kit/jupyter_data/lab/settings/overrides.json "$JUPYTER_PREFIX/share/jupyter/lab/settings/"
