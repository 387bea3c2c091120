# The two commands: `make run` and `make test`. Everything else is a convenience.
# Each installs what it needs first (scripts/install-deps; it prints what it installs).
# With CI set everything builds with the `ci` preset (warnings are errors).
PRESET ?= $(if $(CI),ci,release)
ARGS ?=

.PHONY: run test build deps bench attack fuzz soak tsan lint clean

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

# The crash-cycle test of `make test` (tests/e2e/python/test_crash_cycles.py) with many more cycles.
SOAK_CYCLES ?= 500
soak: build
	@CL_CRASH_CYCLES=$(SOAK_CYCLES) tests/e2e/soak

# The concurrency-relevant suites under ThreadSanitizer (build-tsan/; too slow for `make test`).
TSAN_TESTS = store/store_test connect/connect_test http/http_server_test admin/admin_test app/app_test
tsan:
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan --target $(notdir $(TSAN_TESTS))
	@set -e; for t in $(TSAN_TESTS); do echo "== tsan: $$t"; \
	  TSAN_OPTIONS="second_deadlock_stack=1 suppressions=$(CURDIR)/tests/support/tsan.supp $$TSAN_OPTIONS" \
	  build-tsan/tests/$$t --gtest_brief=1; done

# clang-format (check only) and clang-tidy over the sources; configures the build for its compile database.
lint:
	@command -v clang-format >/dev/null && command -v clang-tidy >/dev/null || scripts/install-deps --lint
	@cmake --preset $(PRESET) >/dev/null
	@scripts/lint

clean:
	rm -rf build build-asan build-tsan build-fuzz
