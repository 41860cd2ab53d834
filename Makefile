# Two jobs: `make lab` (the course) and `make test` (everything CI checks).
# Both create .venv in this folder on first use and install the package into it, with the
# versions pinned in requirements.lock (`make lock` makes it again from pyproject.toml), and
# configurable-http-proxy for `mfa-kit classroom` into node_modules/ (package-lock.json).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PROXY := node_modules/.installed-stamp

.PHONY: setup lab demo test notebooks bench lock classroom clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $(STAMP)

# npm ci installs exactly package-lock.json; without npm the classroom says what is missing.
$(PROXY): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $(PROXY); \
	else echo "npm is not installed: mfa-kit classroom needs it (apt-get install nodejs npm)"; fi

setup: $(STAMP) $(PROXY)

lab: $(STAMP)
	$(BIN)/mfa-kit lab

demo: $(STAMP)
	$(BIN)/mfa-kit demo

test: $(STAMP) $(PROXY)
	$(BIN)/ruff check mfa_kit tests benchmarks deploy
	$(BIN)/ruff format --check mfa_kit tests benchmarks deploy
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

# A practice class of 3 on this machine (see the README's "Running a class").
classroom: $(STAMP) $(PROXY)
	$(BIN)/mfa-kit classroom start --trainees 3

# Re-run every notebook top to bottom and store it the way strict nbval compares it: outputs
# kept, cell tags kept, volatile metadata (widget state, timings, versions) dropped.
notebooks: $(STAMP)
	MFA_KIT_SOLVED=1 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ClearMetadataPreprocessor.enabled=True \
		--ClearMetadataPreprocessor.preserve_nb_metadata_mask=kernelspec \
		--ClearMetadataPreprocessor.preserve_nb_metadata_mask=title \
		--ClearMetadataPreprocessor.preserve_cell_metadata_mask=tags \
		--ClearMetadataPreprocessor.preserve_cell_metadata_mask=jupyter \
		notebooks/*.ipynb

bench: $(STAMP) $(PROXY)
	$(BIN)/python -m benchmarks

# Pin every version again from pyproject.toml (uv pip compile; uv comes from PyPI).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv>=0.9,<1"
	$(BIN)/python deploy/lock.py

clean:
	rm -rf $(VENV) node_modules test-artifacts reports
