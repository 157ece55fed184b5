# The two commands of the README: `make reproduce` and `make test`.
PRESET ?= release
JOBS ?= $(shell nproc)
WERROR ?= $(if $(SAVANT_WERROR),$(SAVANT_WERROR),OFF)
OUT ?= savant-out
SAVANT := build/$(PRESET)/src/savant
# libFuzzer harnesses (fuzz/) and how long `make fuzz` runs each.
FUZZERS := fuzz_idx fuzz_idx_gzip fuzz_safetensors fuzz_results_json fuzz_sweep_toml fuzz_model
FUZZ_SECONDS ?= 60

.PHONY: setup configure build test reproduce asan fuzz clean format format-check bench bench-peer fresh

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

# Speed (docs/PERFORMANCE.md): not part of `make test`.
bench: build
	@test -x build/$(PRESET)/bench/savant-bench || { echo "make bench: the benchmarks were not" \
	  "built: CMake found no OpenBLAS (apt-get install libopenblas-dev)" >&2; exit 1; }
	build/$(PRESET)/bench/savant-bench
	build/$(PRESET)/bench/bench_kernels --benchmark_repetitions=5 --benchmark_report_aggregates_only

bench-peer: build
	bench/setup-peer
	bench/compare

asan:
	$(MAKE) test PRESET=asan

# Clang's own warnings are not errors here: the gcc builds (release, asan) hold that line.
fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target $(FUZZERS)
	scripts/fuzz $(FUZZ_SECONDS) $(FUZZERS)

# The Quick start on a pristine Debian 12 root (scripts/fresh-machine; root only; CI's first stage).
fresh:
	scripts/fresh-machine

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

# Fails, naming the lines, when a C++ file is not as clang-format writes it (CI's first stage).
format-check: setup
	clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
