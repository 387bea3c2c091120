# The two commands: `make run` and `make test`. Everything else is a convenience.
PRESET ?= release
ARGS ?=

.PHONY: run test build deps bench fuzz clean

deps:
	@scripts/install-deps

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)

run: build
	./build/connect-local serve $(ARGS)

test: PRESET = $(if $(CI),ci,release)
test:
	@scripts/install-deps --with-clients
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)
	@scripts/with-postgres ctest --preset $(PRESET)

bench: build
	@bench/run

fuzz:
	@scripts/fuzz

clean:
	rm -rf build build-asan build-fuzz
