# The README's commands. Each installs what is missing (scripts/setup.sh), then builds.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
export ARGUS_EVAL_DATA ?= $(abspath ../shared/data)

.PHONY: setup build run test test-asan bench web clean

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)
	@scripts/build-web.sh

run: build
	$(BUILD)/argus serve --demo-camera

test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 900 -j $(JOBS)

# Address + undefined-behaviour sanitizer build of every unit and integration test.
test-asan: setup
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DARGUS_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizer/lsan.supp ctest --output-on-failure --timeout 1800 -j $(JOBS)

bench: build
	bench/run-all.sh

clean:
	rm -rf $(BUILD) build-asan web/dist

# libFuzzer runs of the untrusted-image decoder and the multipart parser, FUZZ_SECONDS each (clang; build-fuzz/).
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	fuzz/run.sh $(FUZZ_SECONDS)
