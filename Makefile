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

# The Docker Engine and the project images are what a first project start
# needs: make run provides them (the workspace image takes ~5 minutes, once),
# and still serves without them, saying what is missing.
run: build
	@scripts/dockerd-start || echo "make run: no Docker Engine: projects cannot start until one runs (scripts/dockerd-start, as root)"
	@build/default/src/app/berth image build --missing-only || echo "make run: the project images could not be built: see above; projects cannot start until \`berth image build\` succeeds"
	build/default/src/app/berth serve

test: bootstrap
	scripts/test

bench: build
	scripts/bench

clean:
	rm -rf build
