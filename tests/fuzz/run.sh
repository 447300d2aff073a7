#!/bin/sh
# run.sh: `make fuzz`, the longer fuzz run (docs/safety/fuzzing.md).  Needs a
# build configured with --enable-fuzz (CC=clang).  Runs each target (or
# those named in FUZZ_TARGETS, e.g. "tasks holds") for FUZZ_SECONDS
# (default 60) from its seed corpus (and dict/<target>.dict, words the
# fuzzer cannot learn from uninstrumented libc), at low priority, keeping the inputs it
# finds in FUZZ_WORKDIR (default build/fuzz-work/<target>, never the
# source tree) and any crash as FUZZ_WORKDIR/<target>-crash-*.  Prints one
# line per target: executions, exec/s, coverage (libFuzzer cov/ft), corpus
# size, and crashes.  Exits 1 when a target crashed.
set -u
b=$BONES_TEST_BUILDDIR
src=$BONES_TEST_SRCDIR/tests/fuzz
. "$b/tests/lib/config.sh"
if [ "$FUZZ" != yes ]; then
  echo "make fuzz: this build has no libFuzzer; configure with --enable-fuzz CC=clang"
  exit 2
fi
secs=${FUZZ_SECONDS:-60}
work=${FUZZ_WORKDIR:-$b/fuzz-work}
targets=${FUZZ_TARGETS:-$(ls "$src/corpus")}
mkdir -p "$work"
# the file targets write their input on every run: a tmpfs when there is one
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && TMPDIR=/dev/shm && export TMPDIR
rc=0
printf '%-12s %10s %8s %6s %7s %6s %s\n' target execs exec/s cov ft corpus crashes
for t in $targets; do
  prog=$b/tests/fuzz/fuzz-$t
  [ -x "$prog" ] || { echo "$t: not built"; continue; }
  mkdir -p "$work/$t"
  log=$work/$t.log
  dict=
  [ -f "$src/dict/$t.dict" ] && dict=-dict=$src/dict/$t.dict
  nice "$prog" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $dict \
    -artifact_prefix="$work/$t-" "$work/$t" "$src/corpus/$t" > "$log" 2>&1
  st=$?
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  crashes=$(ls "$work" | grep -c "^$t-\(crash\|leak\|timeout\|oom\)-")
  printf '%-12s %10s %8s %6s %7s %6s %s\n' "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" \
    "$(ls "$work/$t" | wc -l | tr -d ' ')" "$crashes"
  if [ "$st" -ne 0 ]; then
    rc=1
    grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5 | sed 's/^/    /'
  fi
done
exit $rc
