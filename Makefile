# The two commands of the README: `make reproduce` and `make test`.
PRESET ?= release
JOBS ?= $(shell nproc)
WERROR ?= $(if $(SAVANT_WERROR),$(SAVANT_WERROR),OFF)
OUT ?= savant-out
SAVANT := build/$(PRESET)/src/savant

.PHONY: setup configure build test reproduce asan clean format bench bench-peer

setup:
	@scripts/setup

configure: setup
	cmake --preset $(PRESET) -DSAVANT_WERROR=$(WERROR) >/dev/null

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	ctest --preset $(PRESET) -j $(JOBS)

reproduce: build
	$(SAVANT) reproduce --out $(OUT)

# Speed (issue 3; docs/PERFORMANCE.md): not part of `make test`.
bench: build
	build/$(PRESET)/bench/savant-bench
	build/$(PRESET)/bench/bench_kernels --benchmark_repetitions=5 --benchmark_report_aggregates_only

bench-peer: build
	bench/setup-peer
	bench/compare

asan:
	$(MAKE) test PRESET=asan

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
