# The two commands: `make run` starts the product, `make test` runs the whole suite.
# Both run `make setup` first, which installs whatever is missing and is idempotent.
.PHONY: setup run test lint bench clean

setup:
	@bash scripts/setup.sh

run: setup
	@.venv/bin/kcc run

test: setup
	@bash scripts/test.sh

lint: setup
	@.venv/bin/ruff check .

bench: setup
	@.venv/bin/python bench/pipeline.py

clean:
	rm -rf var .venv .venv-rasa
