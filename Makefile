# The two set-up commands are `make run` and `make test` (see README.md).
.PHONY: all deps build run test test-debug bench format clean

DB ?= var/kenes.db
LISTEN ?= 127.0.0.1:8080

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release

run: build
	@mkdir -p var
	build/release/kenes migrate --database sqlite:$(DB)
	build/release/kenes demo load --database sqlite:$(DB)
	@test -f var/data.key || build/release/kenes data-key create --output var/data.key
	build/release/kenes serve --database sqlite:$(DB) --listen $(LISTEN) --data-key-file var/data.key

# -Werror + ASan/UBSan build of everything, then every test on SQLite and a throwaway PostgreSQL.
test: deps
	cmake --preset ci >/dev/null
	cmake --build --preset ci
	cmake --preset release >/dev/null
	cmake --build --preset release
	scripts/with-postgres.sh ctest --preset ci

test-debug: deps
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
