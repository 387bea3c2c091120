# The two commands: `make run` and `make test`. Everything else is a convenience.
# Each installs what it needs first (scripts/install-deps; it prints what it installs).
# With CI set everything builds with the `ci` preset (warnings are errors).
PRESET ?= $(if $(CI),ci,release)
ARGS ?=

.PHONY: run test build deps bench attack fuzz clean

# Building and running the server: compiler, cmake, ninja, ccache, pkg-config, -dev libraries.
deps:
	@scripts/install-deps

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) --target connect-local

run: build
	./build/connect-local serve $(ARGS)

# + GoogleTest, faketime, Node.js/npm and the JS SDK, boto3 and the AWS CLI when missing, PostgreSQL.
test:
	@scripts/install-deps --test
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)
	@scripts/with-postgres ctest --preset $(PRESET)

# + nginx-light, wrk, curl, boto3 when missing.
bench:
	@scripts/install-deps --bench
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) --target connect-local loadgen
	@bench/run

# Hostile clients against the server on loopback (about 70 s); ATTACK_SECONDS per attack.
attack: build
	@bench/attack.py --seconds $${ATTACK_SECONDS:-5}

fuzz:
	@scripts/fuzz

clean:
	rm -rf build build-asan build-fuzz
