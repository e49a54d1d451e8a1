# The two commands a fresh Debian bookworm machine needs (README.md):
#   make run    build and run the server on its embedded defaults (SQLite + ./data, port 3000)
#   make test   install what the tests need, start their services, run every test
.PHONY: run test build bootstrap asan fuzz bench clean help

help:
	@echo "make run    - build and run berth serve on http://localhost:3000"
	@echo "make test   - install dependencies and run all tests (unit, integration, ASan, fuzz smoke)"
	@echo "make build  - build the release binary into build/default"
	@echo "make bench  - run the benchmarks (docs/BENCHMARKS.md)"

bootstrap:
	scripts/bootstrap

build: bootstrap
	cmake --preset default >/dev/null
	cmake --build --preset default

run: build
	build/default/src/app/berth serve

test: bootstrap
	scripts/test

bench: build
	scripts/bench

clean:
	rm -rf build
