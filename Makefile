# Two jobs: `make lab` (the course) and `make test` (everything CI checks).
# Both create .venv in this folder on first use and install the package into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup lab demo test notebooks bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

lab: $(STAMP)
	$(BIN)/mfa-kit lab

demo: $(STAMP)
	$(BIN)/mfa-kit demo

test: $(STAMP)
	$(BIN)/ruff check mfa_kit tests benchmarks
	$(BIN)/ruff format --check mfa_kit tests benchmarks
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

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

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) test-artifacts reports
