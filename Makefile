# The two commands: `make run` and `make test`. Everything else is a convenience.
PRESET ?= release
ARGS ?=

.PHONY: run test build deps bench attack fuzz clean

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
	@ctest --preset $(PRESET)

bench: build
	@bench/run

# Hostile clients against the server on loopback (about 70 s); ATTACK_SECONDS per attack.
attack: build
	@bench/attack.py --seconds $${ATTACK_SECONDS:-5}

fuzz:
	@scripts/fuzz

clean:
	rm -rf build build-asan build-fuzz
