# rlcode: `make demo` sets everything up and scores the built-in HumanEval mix; `make test` sets up
# the same way and runs the whole suite (Docker tests included: the engine is started if needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup docker chromium postgres images demo demo-train test test-fast bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	# The CPU build, pinned: a plain `torch` requirement pulls several GB of CUDA wheels.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[analysis,train,dev,feedback-ui,eval,feedback,ray,augment,functional]"
	touch $(STAMP)

setup: $(STAMP)

docker:
	scripts/ensure-docker.sh

# Debian's chromium for the browser tests of `rlcode feedback serve` (Playwright never downloads one).
chromium:
	scripts/ensure-chromium.sh

images: setup docker
	$(BIN)/rlcode sandbox build

demo: images
	mkdir -p out
	$(BIN)/rlcode score examples/humaneval_mix.jsonl --tasks humaneval --out out/demo-scored.jsonl
	$(BIN)/rlcode score --out out/demo-scored.jsonl --explain HumanEval/0/0

# The learning demo: tiny model, warm start, GRPO rounds with rlcode's reward (about two minutes on 2 CPUs).
demo-train: images
	$(BIN)/python -m rlcode.train.demo --out out/demo-train

# A loopback PostgreSQL for the feedback store's tests (they run on SQLite and on it).
export RLCODE_TEST_PG_URL ?= postgresql://rlcode@127.0.0.1:55432/rlcode_test
postgres:
	scripts/ensure-postgres.sh

test: images chromium postgres
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: images chromium postgres
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

bench: images postgres
	$(BIN)/python benchmarks/bench_humaneval.py
	$(BIN)/python benchmarks/bench_cpu_split.py
	$(BIN)/python benchmarks/bench_analysis.py
	$(BIN)/python benchmarks/bench_feedback_server.py
	$(BIN)/python benchmarks/bench_train_round.py

lint: setup
	$(BIN)/ruff check rlcode tests benchmarks

clean:
	rm -rf out .pytest_cache
