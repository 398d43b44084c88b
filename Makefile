# Convenience wrapper around CMake + Ninja. Each variant has its own build directory so flag
# sets never mix (conventions item 27):
#   build/release  RelWithDebInfo (-O2 -g -DNDEBUG, hardening), the default; build/outlayer links here
#   build/debug    Debug (-O0 -g, assertions on)
#   build/asan     gcc, ASan + UBSan (-O1 -g, assertions on)
#   build/fuzz     clang-14, libFuzzer targets + ASan + UBSan
# A directory is configured on first use; afterwards Ninja re-runs CMake when a CMakeLists changes.

NPROC       := $(shell nproc 2>/dev/null || echo 2)
CMAKE       ?= cmake
CTEST       ?= ctest
CLANG       ?= clang-14
FORMAT      ?= clang-format-14
FUZZ_TIME   ?= 60
BUILD       := build
CTEST_FLAGS := --output-on-failure -j$(NPROC)

ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Sources checked by the formatter: tracked files plus new, not yet ignored ones.
FORMAT_FILES = $(shell git ls-files --cached --others --exclude-standard -- '*.c' '*.h')

.PHONY: all release debug asan fuzz test test-release test-asan spec bench examples fuzz-smoke \
        bench-https bench-scale bench-sandbox format format-check clean help

all: release

# Parallelism lives inside Ninja and ctest; the steps of `make test` must stay in order.
.NOTPARALLEL:

# $(call configure,dir,extra cmake args,environment)
define configure
	@if [ ! -f $(1)/build.ninja ]; then \
	    echo "configure $(1)"; \
	    $(3) $(CMAKE) -S . -B $(1) -G Ninja $(2); \
	fi
endef

release:
	$(call configure,$(BUILD)/release,-DCMAKE_BUILD_TYPE=RelWithDebInfo)
	$(CMAKE) --build $(BUILD)/release -j$(NPROC)
	@ln -sfn release/outlayer $(BUILD)/outlayer

debug:
	$(call configure,$(BUILD)/debug,-DCMAKE_BUILD_TYPE=Debug)
	$(CMAKE) --build $(BUILD)/debug -j$(NPROC)

asan:
	$(call configure,$(BUILD)/asan,-DCMAKE_BUILD_TYPE=Debug -DOL_SANITIZE=ON,CC=gcc)
	$(CMAKE) --build $(BUILD)/asan -j$(NPROC)

fuzz:
	$(call configure,$(BUILD)/fuzz,-DCMAKE_BUILD_TYPE=Debug -DOL_FUZZ=ON,CC=$(CLANG))
	$(CMAKE) --build $(BUILD)/fuzz -j$(NPROC)

# The format check runs first so that the last line printed is ctest's summary for the
# sanitizer build, which is the line CI reads.
test: format-check test-release test-asan

test-release: release
	$(CTEST) --test-dir $(BUILD)/release $(CTEST_FLAGS)

test-asan: asan
	$(ASAN_ENV) $(CTEST) --test-dir $(BUILD)/asan $(CTEST_FLAGS)

# The spec-suite runner and the benchmarks are custom targets of tests/spec and bench/.
spec: release
	$(CMAKE) --build $(BUILD)/release --target spec

bench: release
	$(CMAKE) --build $(BUILD)/release --target bench

# Transfers/s and function calls/s through a local `outlayer sandbox` (results: bench/README.md,
# "Sandbox"). SANDBOX_BENCH_ARGS e.g. "--senders 8 --txs 500 --block-time-ms 50".
SANDBOX_BENCH_ARGS ?= --senders 4 --txs 250 --block-time-ms 100
bench-sandbox: release
	$(BUILD)/release/tests/integration/sandbox_contracts_bench --outlayer $(BUILD)/release/outlayer \
	    --counter $(BUILD)/release/contracts/counter.wasm $(SANDBOX_BENCH_ARGS)

bench-https: release
	$(CMAKE) --build $(BUILD)/release --target bench-https

# calls/s and p50/p99 of sync calls: SQLite vs PostgreSQL + SQL queue vs PostgreSQL + Redis, with
# 1 and 2 coordinators; starts private servers (scripts/test-servers.sh). Results: bench/README.md,
# "Scale-out". BENCH_CLIENTS, BENCH_CALLS, BENCH_SECONDS, BENCH_WORKERS, BENCH_SETUPS: run.sh.
bench-scale: release
	$(CMAKE) --build $(BUILD)/release --target bench-scale

# The wasm32 example jobs (examples/, guest SDK sdk/c) into build/release/examples/NAME.wasm.
examples:
	$(call configure,$(BUILD)/release,-DCMAKE_BUILD_TYPE=RelWithDebInfo)
	$(CMAKE) --build $(BUILD)/release --target examples

# libFuzzer writes new inputs into the first corpus directory, so a scratch directory goes first
# and the checked-in corpus is only read; grow it deliberately with -merge=1. A target
# <area>_<thing> uses the dictionary tests/fuzz/<area>.dict when there is one (wasm.dict).
fuzz-smoke: fuzz
	@set -e; found=0; \
	for bin in $(BUILD)/fuzz/fuzz_*; do \
	    [ -x "$$bin" ] || continue; found=1; \
	    t=$${bin##*/fuzz_}; \
	    mkdir -p $(BUILD)/fuzz/new/$$t; \
	    dict=tests/fuzz/$${t%%_*}.dict; \
	    if [ -f $$dict ]; then dict=-dict=$$dict; else dict=; fi; \
	    echo "fuzz $$t for $(FUZZ_TIME)s $$dict"; \
	    $$bin -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
	        $$dict $(BUILD)/fuzz/new/$$t tests/fuzz/corpus/$$t; \
	done; \
	[ $$found = 1 ] || { echo "no fuzz_* binaries in $(BUILD)/fuzz"; exit 1; }

format:
	$(FORMAT) -i $(FORMAT_FILES)

format-check:
	$(FORMAT) --dry-run -Werror $(FORMAT_FILES)
	@echo "format: $(words $(FORMAT_FILES)) files clean"

clean:
	rm -rf $(BUILD)

help:
	@echo "make              release build in build/release; build/outlayer links to it"
	@echo "make debug        debug build in build/debug"
	@echo "make asan         gcc ASan+UBSan build in build/asan"
	@echo "make fuzz         clang-14 libFuzzer build in build/fuzz"
	@echo "make test         format check, release build + ctest, asan build + ctest"
	@echo "make spec         WebAssembly spec suite (release build)"
	@echo "make bench        benchmarks (release build)"
	@echo "make bench-sandbox  transfers/s and function calls/s against a local sandbox"
	@echo "make bench-https  HTTPS path: calls/s and latency, cached echo (release build)"
	@echo "make bench-scale  SQLite vs PostgreSQL (+ Redis), 1 and 2 coordinators: calls/s, p50/p99"
	@echo "make examples     the wasm32 example jobs in build/release/examples"
	@echo "make fuzz-smoke   each fuzz target for FUZZ_TIME=$(FUZZ_TIME)s"
	@echo "make format       clang-format the tree; format-check only reports"
	@echo "make clean        remove build/"
