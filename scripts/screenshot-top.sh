#!/bin/sh
# screenshot-top.sh: makes docs/top.png, a real `bones top` in a 110x30
# tmux pane over a small live swarm (sqlite, the real fossil), drawn by
# scripts/term_png.py.  Run from the source tree after `make` in ./build.
#   scripts/screenshot-top.sh [OUT.png]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/docs/top.png}
bones=$src/build/.libs/bones
export LD_LIBRARY_PATH=$src/build/.libs
tmp=$(mktemp -d)
T="tmux -L bones-shot-$$ -f /dev/null"
trap '$T kill-server >/dev/null 2>&1; "$bones" -C "$tmp/demo" hub stop --force >/dev/null 2>&1; rm -rf "$tmp"' EXIT
export BONES_HOME=$tmp/home HOME=$tmp/fhome GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=d@d GIT_COMMITTER_NAME=demo \
  GIT_COMMITTER_EMAIL=d@d
unset BONES_AGENT_ID BONES_WORKSPACE BONES_SUBSTRATE
mkdir -p "$HOME" "$tmp/demo/src"
cd "$tmp/demo" && git init -q && for f in parser lexer eval print; do echo "// $f" > "src/$f.c"; done &&
  git add . && git commit -qm init
b() { "$bones" -C "$tmp/demo" "$@"; }
b -q up --substrate=sqlite && b -q hub start --detach >/dev/null
t1=$(b -q tasks create "tokenize string literals" --files src/lexer.c)
t2=$(b -q tasks create "parse let bindings" --files src/parser.c)
t3=$(b -q tasks create "print closures" --files src/print.c)
b -q tasks create "tail calls in eval" --priority 1 >/dev/null
b -q tasks create "error messages with line numbers" >/dev/null
b -q tasks create "benchmark the reader" >/dev/null
for s in lexer:$t1 parser:$t2 printer:$t3; do b -q swarm join --slot "${s%%:*}" --task "${s#*:}" --pid $$ >/dev/null; done
wt() { echo "$tmp/demo/.bones/swarm/$1/wt"; }
echo "/* strings */" >> "$(wt lexer)/src/lexer.c"; b -q swarm commit --slot lexer -m "lexer: string literals" >/dev/null
echo "/* let */" >> "$(wt parser)/src/parser.c"; b -q swarm commit --slot parser -m "parser: let bindings" >/dev/null
echo "/* escapes */" >> "$(wt lexer)/src/lexer.c"; b -q swarm commit --slot lexer -m "lexer: escapes in strings" >/dev/null
BONES_AGENT_ID=slot-lexer b -q coord checkpoint wave-1 >/dev/null
BONES_AGENT_ID=slot-parser b -q coord checkpoint wave-1 >/dev/null
BONES_AGENT_ID=slot-lexer b -q coord checkpoint wave-1 >/dev/null
BONES_AGENT_ID=slot-parser b -q coord handoff --to slot-printer --artifact src/parser.c --message "AST shape changed" >/dev/null
BONES_AGENT_ID=orchestrator b -q coord broadcast general "wave 1 closes at 17:00" >/dev/null
$T new-session -d -s shot -x 110 -y 30 "env LD_LIBRARY_PATH='$LD_LIBRARY_PATH' BONES_HOME='$BONES_HOME' HOME='$HOME' TERM=screen '$bones' -C '$tmp/demo' top"
sleep 2
$T capture-pane -e -p -t shot > "$tmp/screen.txt"
/usr/bin/python3 "$src/scripts/term_png.py" "$tmp/screen.txt" "$out" 110 30
echo "wrote $out"
