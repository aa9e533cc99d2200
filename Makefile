# The README's two commands: `make demo` and `make check`. Each installs what it needs.
JOBS    ?= $(shell nproc)
RELEASE ?= build/release
ASAN    ?= build/asan
FUZZ    ?= build/fuzz
# Seconds per fuzz target: `make check` runs each briefly (label `fuzz`, 10 targets), `make fuzz`
# for longer (FUZZ_SECONDS=3600 make fuzz for an hour each).
FUZZ_SECONDS ?= 600
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
# ccache (scripts/install-deps) makes a rebuild of unchanged sources, e.g. in a second clone, a cache hit.
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache")

.PHONY: deps demo serve check build build-asan build-fuzz test test-asan test-fuzz fuzz format clean

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

# The fuzz targets build in their own clang tree (only the parser libraries they link).
build-fuzz: deps
	@cmake -S . -B $(FUZZ) $(CMAKE_GEN) $(LAUNCHER) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DKIORT_FUZZ=ON -DKIORT_FUZZ_SECONDS=10 >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS) --target kiort_fuzz

test-fuzz: build-fuzz
	ctest --test-dir $(FUZZ) --output-on-failure -j $(JOBS) -L fuzz

fuzz: build-fuzz
	@cmake -S . -B $(FUZZ) -DKIORT_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@ctest --test-dir $(FUZZ) --output-on-failure -j $(JOBS) -L fuzz; rc=$$?; \
	  cmake -S . -B $(FUZZ) -DKIORT_FUZZ_SECONDS=10 >/dev/null; exit $$rc

check: test test-asan test-fuzz

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf build
