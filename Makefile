# The two set-up commands are `make run` and `make test` (see README.md).
.PHONY: all deps web build run test test-debug bench format clean

DB ?= var/kenes.db
LISTEN ?= 127.0.0.1:8080

all: build

deps:
	@scripts/install-deps.sh

# The web console: dependencies exactly as locked, then a type-checked production build in web/dist.
web: deps
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

build: deps web
	cmake --preset release >/dev/null
	cmake --build --preset release

run: build
	@mkdir -p var
	build/release/kenes migrate --database sqlite:$(DB)
	@test -f var/data.key || build/release/kenes data-key create --output var/data.key
	build/release/kenes demo load --database sqlite:$(DB) --data-key-file var/data.key
	build/release/kenes serve --database sqlite:$(DB) --listen $(LISTEN) --data-key-file var/data.key

# -Werror + ASan/UBSan build of everything, then every test on SQLite and a throwaway PostgreSQL,
# and the web console's dictionary and browser tests (Chromium) against that build's server.
test: deps web
	cmake --preset ci >/dev/null
	cmake --build --preset ci
	cmake --preset release >/dev/null
	cmake --build --preset release
	scripts/with-postgres.sh ctest --preset ci

test-debug: deps web
	cmake --preset debug >/dev/null
	cmake --build --preset debug
	scripts/with-postgres.sh ctest --preset debug

bench: build
	@scripts/install-deps.sh --bench
	bench/http/run.sh
	bench/payroll/run.sh

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
