# Entry points. Each target installs what it needs (idempotent), configures, builds, runs.
BUILD ?= build
JOBS  ?= $(shell nproc)
RUN   ?= runs/demo

.PHONY: deps configure build test test-asan fuzz fuzz-corpus demo bench clean

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@bash scripts/install-deps.sh --test
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1200

# Our code under ASan + UBSan in build-asan (docs/reliability.md "Sanitizers").
test-asan:
	@JOBS=$(JOBS) bash scripts/test-asan.sh

# Each libFuzzer target for FUZZ_SECONDS (default 60) in build-fuzz ("Fuzzing").
fuzz:
	@JOBS=$(JOBS) bash scripts/fuzz.sh

# Rewrites fuzz/corpus from the test fixtures.
fuzz-corpus:
	@bash scripts/install-deps.sh --test
	@.venv/bin/python fuzz/make_corpus.py

demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target vlsi
	@$(BUILD)/vlsi demo --out $(RUN)

bench: build
	@bash bench/run-all.sh

clean:
	rm -rf $(BUILD)
