# The two commands: `make run` starts the product, `make test` runs the whole suite.
# Both run `make setup` first, which installs whatever is missing and is idempotent.
.PHONY: setup run test lint bench clean

setup:
	@bash scripts/setup.sh

# `make run` is the local demo: KCC_DEMO=true turns on the demo staff accounts and demo channel
# secrets (say KCC_DEMO=false to run without them); `kcc run` alone never turns them on.
run: setup
	@KCC_DEMO=$${KCC_DEMO:-true} .venv/bin/kcc run

test: setup
	@bash scripts/test.sh

lint: setup
	@.venv/bin/ruff check .

bench: setup
	@.venv/bin/python bench/pipeline.py

clean:
	rm -rf var .venv .venv-rasa
