# Entry points. Each target installs what it needs (idempotent), configures, builds, runs.
BUILD ?= build
JOBS  ?= $(shell nproc)
RUN   ?= runs/demo

.PHONY: deps configure build test demo bench clean

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@bash scripts/install-deps.sh --test
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1200

demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target vlsi
	@$(BUILD)/vlsi demo --out $(RUN)

bench: build
	@bash bench/run-all.sh

clean:
	rm -rf $(BUILD)
