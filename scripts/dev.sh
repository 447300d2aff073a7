#!/bin/sh
# dev.sh: the one entry point for setting up, building and running bones.
#
#   scripts/dev.sh demo    install build deps (Debian, as root), build, run the demo
#   scripts/dev.sh check   the same set-up, then `make check` (what CI runs)
#   scripts/dev.sh build   set-up and build only
#   scripts/dev.sh bench   set-up, build, `make bench`
#   scripts/dev.sh fuzz    clang + libFuzzer build in ./build-fuzz, then the
#                          short fuzz run of `make check` (tests/fuzz/corpus.test;
#                          BONES_FUZZ_CHECK_SECONDS per target, default 3)
#
# The build goes to ./build (out of tree).  CONFIGURE_FLAGS adds configure
# options (CI passes --enable-werror); BONES_SKIP_APT=1 skips apt-get.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
what=${1:-check}

packages="build-essential autoconf automake libtool libltdl-dev pkg-config \
libsqlite3-dev libnats-dev libhiredis-dev libjansson-dev libcmocka-dev \
nats-server redis-server fossil sqlite3 valgrind git ca-certificates python3 util-linux"
packages="$packages mandoc man-db groff-base" # tests/cli/man.test renders and lints the pages
# tests/cli/mcp.test drives `bones mcp` with the MCP SDK for Node (npm ci of
# tests/mcp/package-lock.json); a Node that came with its own npm is kept
if [ "$what" = check ] && ! { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; }; then
  packages="$packages nodejs npm"
fi
packages="$packages python3-jsonschema" # tests/cli/harness.test (.claude/settings.json), tests/cli/schemas.test (every --json output)
packages="$packages zsh bash-completion" # tests/cli/completion.test loads the zsh and bash-completion scripts
packages="$packages libncurses-dev tmux" # bones top's full-screen view; tests/cli/top.test drives it in tmux
packages="$packages libmicrohttpd-dev" # the hub's live page
if [ "$what" = check ]; then packages="$packages chromium"; fi # tests/cli/page.test loads the page in headless chromium

install_deps() {
  [ "${BONES_SKIP_APT:-0}" = 1 ] && return 0
  missing=""
  for p in $packages; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "dev.sh: missing Debian packages:$missing" >&2
    echo "dev.sh: run as root, or: sudo apt-get install$missing" >&2
    exit 1
  fi
  echo "dev.sh: installing$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

build() {
  install_deps
  ./autogen.sh >/dev/null 2>&1 || ./autogen.sh
  mkdir -p build
  cd build
  if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
    # shellcheck disable=SC2086
    ../configure ${CONFIGURE_FLAGS:-} 2>&1 | grep -v "^rm: cannot remove 'core'" | tail -n 16
  fi
  make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
  cd "$top"
}

case "$what" in
  build) build ;;
  demo) build; exec "$top/scripts/demo.sh" "$top/build/bones" ;;
  # the tests run one at a time: several of them race dozens of processes
  # and time-bound waits; running them side by side only measures the box
  check) build; cd build; exec make check ;;
  bench) build; cd build; exec make bench ;;
  fuzz)
    packages="$packages clang"
    install_deps
    ./autogen.sh >/dev/null 2>&1 || ./autogen.sh
    mkdir -p build-fuzz
    cd build-fuzz
    if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
      ../configure --enable-fuzz CC=clang 2>&1 | grep -v "^rm: cannot remove 'core'" | tail -n 3
    fi
    make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
    exec make check TESTS=tests/fuzz/corpus.test ;;
  *) echo "usage: scripts/dev.sh demo|check|build|bench|fuzz" >&2; exit 2 ;;
esac
