# tests/lib/tap.sh: small TAP helpers for shell tests (POSIX sh; dash runs
# them).  Source it once; it installs an EXIT trap that runs the cleanups
# registered with tap_at_exit, last registered first.
#
#   . "$BONES_TEST_SRCDIR/tests/lib/tap.sh"
#   tap_tmpdir                       # -> $TAP_TMPDIR, removed at exit
#   tap_run "bones version runs" "$BONES" version
#   tap_is "$(cat f)" "want" "f holds want"
#   tap_done                         # trailing plan, exit 0 or 1
#
# A skip of the whole script is "1..0 # SKIP reason" with status 0, never
# exit 77 (tap-driver.sh would call that an error).  Descriptions must not
# contain '#'.

TAP_N=0        # checks printed so far
TAP_FAILED=0   # of which failed
TAP_PLANNED=   # set once a plan was printed
TAP_TMPDIR=    # set by tap_tmpdir
_tap_cleanup=  # newline-separated commands, newest first

# tap_plan N: prints the plan "1..N" up front (else tap_done prints it last).
tap_plan() { echo "1..$1"; TAP_PLANNED=$1; }

# tap_diag MSG...: prints each line of MSG as a "# " diagnostic.
tap_diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

# tap_ok DESC: prints a passing check.
tap_ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }

# tap_not_ok DESC [DIAG]: prints a failing check and an optional diagnostic.
tap_not_ok() {
  TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1))
  echo "not ok $TAP_N - $1"
  [ $# -lt 2 ] || tap_diag "$2"
}

# tap_check STATUS DESC [DIAG]: ok when STATUS is 0 (e.g. tap_check $? "x").
tap_check() { if [ "$1" -eq 0 ]; then tap_ok "$2"; else shift; tap_not_ok "$@"; fi; }

# tap_skip REASON DESC: prints a skipped check ("ok N - DESC # SKIP REASON").
tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $2 # SKIP $1"; }

# tap_is GOT WANT DESC: ok when the two strings are equal.
tap_is() {
  if [ "x$1" = "x$2" ]; then tap_ok "$3"; else tap_not_ok "$3" "got '$1', want '$2'"; fi
}

# tap_like GOT ERE DESC: ok when GOT matches the extended regex ERE.
tap_like() {
  if printf '%s\n' "$1" | grep -Eq -- "$2"; then tap_ok "$3"
  else tap_not_ok "$3" "got '$1', want a match of /$2/"; fi
}

# tap_run DESC CMD...: runs CMD (output captured); ok when it exits 0.
tap_run() { _tap_d=$1; shift; tap_run_status 0 "$_tap_d" "$@"; }

# tap_run_status WANT DESC CMD...: ok when CMD exits with status WANT.
# Leaves CMD's stdout+stderr in $TAP_OUT and its status in $TAP_STATUS.
tap_run_status() {
  _tap_w=$1; _tap_d=$2; shift 2
  TAP_OUT=$("$@" 2>&1); TAP_STATUS=$?
  if [ "$TAP_STATUS" -eq "$_tap_w" ]; then tap_ok "$_tap_d"
  else tap_not_ok "$_tap_d" "got exit status $TAP_STATUS, want $_tap_w from: $*
$(printf '%s\n' "$TAP_OUT" | tail -n 15)"; fi
}

# tap_skip_all REASON: the whole script is skipped ("1..0 # SKIP"), exit 0.
tap_skip_all() { echo "1..0 # SKIP $1"; exit 0; }

# tap_bail REASON: "Bail out! REASON", exit 1 (the run is an error).
tap_bail() { echo "Bail out! $1"; exit 1; }

# tap_skip_backend NAME REASON: tap_skip_all, unless NAME is listed in
# $BONES_TEST_REQUIRE (CI sets "nats redis"): then tap_bail.
tap_skip_backend() {
  case " $BONES_TEST_REQUIRE " in
    *" $1 "*) tap_bail "$2 (and BONES_TEST_REQUIRE requires $1)" ;;
  esac
  tap_skip_all "$2"
}

# tap_at_exit CMD: runs the shell command CMD when the script exits.
tap_at_exit() { _tap_cleanup="$1
$_tap_cleanup"; }

# tap_tmpdir: makes a private directory under ${TMPDIR:-/tmp}, sets
# $TAP_TMPDIR to it and removes it at exit.
tap_tmpdir() {
  TAP_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/bones-test.XXXXXX") || tap_bail "mktemp -d failed"
  # BONES_TEST_KEEP=1 keeps it for a look after a failure
  [ -n "${BONES_TEST_KEEP:-}" ] && echo "# keeping $TAP_TMPDIR (BONES_TEST_KEEP)" ||
    tap_at_exit "rm -rf '$TAP_TMPDIR'"
}

# tap_done: prints the trailing plan (unless planned) and exits 0 when
# nothing failed, else 1.
tap_done() {
  [ -n "$TAP_PLANNED" ] || echo "1..$TAP_N"
  [ "$TAP_FAILED" -eq 0 ] || tap_diag "$TAP_FAILED of $TAP_N checks failed"
  [ "$TAP_FAILED" -eq 0 ] && exit 0
  exit 1
}

# Runs the registered cleanups (newest first), keeping the exit status.
_tap_on_exit() {
  _tap_status=$?
  trap - EXIT
  eval "$_tap_cleanup"
  exit $_tap_status
}
trap _tap_on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
