#!/bin/bash
# The whole test suite: unit and end-to-end tests of the release build in build/, then the
# same tests built with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/.
#   tests/run_all.sh            (after the README's build command)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
ctest --test-dir build --output-on-failure -j "$jobs"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGREENFETCH_SANITIZE=ON >/dev/null
cmake --build build-asan
# tests/tests.cmake gives the sanitizer build's tests their ASAN_OPTIONS and UBSAN_OPTIONS.
ctest --test-dir build-asan --output-on-failure -j "$jobs"
