# Every target builds the virtual environment first if it is missing or
# older than pyproject.toml, so a fresh clone needs only Python 3.11 + make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= reports/demo

# Our kernelspec "python3" (installed into the venv) wins over one the user
# may have registered elsewhere, so papermill always runs this environment.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: install run test lab report clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (idic_lab)" > /dev/null
	touch $(STAMP)

## run: execute every notebook on the bundled data -> reports/demo/index.html
run: $(STAMP)
	$(BIN)/idic-lab run --notebooks notebooks --out $(OUT)

## test: the whole test suite (unit tests and every notebook through papermill)
test: $(STAMP)
	$(BIN)/python -m pytest

## lab: open JupyterLab on the notebooks
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

## report: client report with code hidden: make report PARAMS=client.yaml OUT=reports/acme
report: $(STAMP)
	@test -n "$(PARAMS)" || { echo "usage: make report PARAMS=client.yaml [OUT=reports/<client>]"; exit 2; }
	$(BIN)/idic-lab run --notebooks notebooks --out $(OUT) --params $(PARAMS) --hide-code --title "Customer management report"

clean:
	rm -rf $(VENV) reports .pytest_cache
