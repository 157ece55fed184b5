# The two commands of the README: `make reproduce` and `make test`.
PRESET ?= release
JOBS ?= $(shell nproc)
WERROR ?= $(if $(SAVANT_WERROR),$(SAVANT_WERROR),OFF)
OUT ?= savant-out
SAVANT := build/$(PRESET)/src/savant

.PHONY: setup configure build test reproduce asan clean format

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

asan:
	$(MAKE) test PRESET=asan

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
