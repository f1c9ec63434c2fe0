# yuanqu: `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install install-spark demo serve test test-cluster test-fast lint fmt bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install yuanqu with its dev tools

demo: install ## build the demo zone (Yizhuang 2023) into .yuanqu/ and serve it on 127.0.0.1:8000
	$(BIN)/yuanqu demo

serve: install ## serve the site on the existing database
	$(BIN)/yuanqu serve

SPARK_STAMP := $(VENV)/.spark-stamp

$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(SPARK_STAMP)

install-spark: $(SPARK_STAMP) ## add the optional Spark engine (pyspark; needs Java 17)

test: install-spark ## run the whole test suite, Spark and its cluster too (PostgreSQL when YUANQU_TEST_DATABASE_URL is set)
	YUANQU_TEST_SPARK_CLUSTER=1 $(BIN)/pytest -n 2

test-cluster: install-spark ## only the Spark tests on a real standalone cluster and Spark Connect (minutes)
	YUANQU_TEST_SPARK_CLUSTER=1 $(BIN)/pytest tests/analytics/test_spark_cluster.py

lint: install ## ruff lint and format check, and the import-linter contracts of the layers
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-cache

fmt: install ## format and fix what ruff can
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: install ## run the benchmark scripts (print figures and ratios to their baselines)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean: ## remove the virtual environment and the demo data
	rm -rf $(VENV) .yuanqu
