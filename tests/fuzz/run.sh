#!/bin/sh
# Fuzzes one target for a while: tests/fuzz/run.sh NAME SECONDS [libFuzzer options...]
#   NAME     a target, tests/fuzz/NAME_fuzz.cpp (run.sh without arguments lists them)
#   SECONDS  how long to fuzz (libFuzzer's -max_total_time)
# Builds build-fuzz/ with clang++-14 and -DGREENFETCH_FUZZ=ON (ASan + UBSan + libFuzzer) when
# needed (BUILD_DIR and CXX override), then fuzzes starting from the seed corpus
# tests/fuzz/corpus/NAME/. New inputs go to BUILD_DIR/fuzz-corpus/NAME/, not into the source
# tree; a crash is written to BUILD_DIR/fuzz-crashes/NAME/ and ends the run with status 1:
# fix it, then add the input to tests/fuzz/corpus/NAME/ (ctest replays every corpus file).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
if [ $# -lt 2 ]; then
  echo "usage: $0 NAME SECONDS [libFuzzer options...]" >&2
  echo "targets:" $(cd "$here" && ls *_fuzz.cpp | sed 's/_fuzz\.cpp$//') >&2
  exit 2
fi
name=$1
seconds=$2
shift 2
if [ ! -f "$here/${name}_fuzz.cpp" ]; then
  echo "$0: no target '$name' (tests/fuzz/${name}_fuzz.cpp)" >&2
  exit 2
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  launcher=""
  if command -v ccache >/dev/null 2>&1; then
    launcher=-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
  fi
  CXX=${CXX:-clang++-14} cmake -S "$root" -B "$build" -G Ninja -DGREENFETCH_FUZZ=ON $launcher
fi
cmake --build "$build" --target "fuzz_$name"
mkdir -p "$build/fuzz-corpus/$name" "$build/fuzz-crashes/$name"
# Targets that write files (warc_resume, state_resume) put them in TMPDIR: a tmpfs spares the
# disk's fsyncs (about 20 times faster).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi
# The first corpus directory receives new inputs; the seeds are only read.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$build/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$build/fuzz-crashes/$name/" "$@" \
  "$build/fuzz-corpus/$name" "$here/corpus/$name"
