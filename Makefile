# Limelight: `make run` starts the app, `make test` runs every test layer.
# Thin wrappers over scripts/ (see README.md).

PYTHON := .venv/bin/python

.PHONY: run test mutants bench lint clean help

run: ## Start Limelight on http://127.0.0.1:8000 (Redis, Celery worker + beat, web)
	@bash scripts/bootstrap.sh requirements.txt
	@$(PYTHON) scripts/run.py

test: ## Run all tests (unit, web, integration, e2e)
	@bash scripts/test.sh

mutants: ## Plant known bugs one by one and check the tests named for each catch it
	@bash scripts/bootstrap.sh requirements-dev.txt
	@$(PYTHON) scripts/mutants.py

bench: ## Run the benchmarks
	@bash scripts/bootstrap.sh requirements-bench.txt
	@if [ -d bench ]; then $(PYTHON) -m bench; else echo "No benchmarks yet (there is no bench/ package)."; fi

lint: ## Check code style with ruff
	@bash scripts/bootstrap.sh requirements-dev.txt
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

clean: ## Remove the data directory (var/) and the virtualenv (.venv)
	rm -rf var .venv

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'
