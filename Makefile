# The README's two commands: `make demo` and `make check`. Each installs what it needs.
JOBS    ?= $(shell nproc)
RELEASE ?= build/release
ASAN    ?= build/asan
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
# ccache (scripts/install-deps) makes a rebuild of unchanged sources, e.g. in a second clone, a cache hit.
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache")

.PHONY: deps demo serve check build build-asan test test-asan format clean

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(RELEASE) $(CMAKE_GEN) $(LAUNCHER) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN) $(CMAKE_GEN) $(LAUNCHER) -DCMAKE_BUILD_TYPE=Debug -DKIORT_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)

demo: build
	$(RELEASE)/apps/kiort/kiort demo --out build/demo

# The web app on the demo: a throwaway registry with the demo cohort, the plan `make demo` wrote,
# one user of each role (passwords printed once). Ctrl-C stops it.
serve: demo
	$(RELEASE)/apps/kiort/kiort serve --demo --demo-plan build/demo

test: build
	ctest --test-dir $(RELEASE) --output-on-failure -j $(JOBS)

# The sanitizer build runs the unit tests (label `unit`).
test-asan: build-asan
	ctest --test-dir $(ASAN) --output-on-failure -j $(JOBS) -L unit

check: test test-asan

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf build
