#!/bin/sh
# demo.sh: the main job, end to end, on the embedded sqlite substrate:
# a scratch git repository, `bones up`, a backlog of tasks, N slots (4 by
# default) joined and committing in parallel from separate processes,
# closed, `bones apply` into git, then the linear trunk and the diff stat.
# Usage: scripts/demo.sh [PATH-TO-BONES]   (SLOTS=N, COMMITS=N to change it)
set -u
bones=${1:-bones}
case "$bones" in /*) ;; */*) bones="$(cd "$(dirname "$bones")" && pwd)/$(basename "$bones")" ;; esac
slots=${SLOTS:-4}
commits=${COMMITS:-3}
dir=$(mktemp -d "${TMPDIR:-/tmp}/bones-demo.XXXXXX")
export BONES_HOME="$dir/home" GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.com \
  GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.com
unset BONES_AGENT_ID BONES_SUBSTRATE
repo="$dir/project"
cleanup() { "$bones" -C "$repo" hub stop --force >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "demo: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }
b() { "$bones" -C "$repo" "$@"; }

step "a git repository with a little project"
mkdir -p "$repo/src" && cd "$repo" || fail "mkdir"
git init -q
printf '# demo project\n' > README.md
printf 'int main(void) { return 0; }\n' > src/main.c
printf 'obsolete\n' > src/old.txt
git add . && git commit -qm "initial project" || fail "git commit"
git log --oneline

step "bones up (embedded sqlite substrate) and the hub"
b up || fail "bones up"
b hub start --detach || fail "hub start"

step "a backlog of $slots tasks"
i=1
while [ "$i" -le "$slots" ]; do
  b -q tasks create "feature $i: write src/feature$i.c" --files "src/feature$i.c" --priority "P$(( (i - 1) % 3 ))" \
    > "$dir/task.$i" || fail "tasks create"
  i=$((i + 1))
done
b tasks ready

step "$slots slots join and commit in parallel ($commits commits each, separate processes)"
i=1
while [ "$i" -le "$slots" ]; do
  (
    slot="agent$i"
    wt=$("$bones" -C "$repo" -q swarm join --slot "$slot" --task "$(cat "$dir/task.$i")") || exit 1
    c=1
    while [ "$c" -le "$commits" ]; do
      printf '/* feature %d, step %d */\n' "$i" "$c" >> "$wt/src/feature$i.c"
      [ "$i" -eq 1 ] && [ "$c" -eq 1 ] && rm -f "$wt/src/old.txt" # one slot also deletes a file
      (cd "$wt" && "$bones" -q swarm commit -m "feature $i, step $c") >> "$dir/commits.$i" || exit 1
      c=$((c + 1))
    done
    "$bones" -C "$repo" swarm close --slot "$slot" --result success >/dev/null || exit 1
  ) &
  eval "pid_$i=$!"
  i=$((i + 1))
done
i=1
failed=0
while [ "$i" -le "$slots" ]; do
  eval "wait \$pid_$i" || failed=$((failed + 1))
  i=$((i + 1))
done
[ "$failed" -eq 0 ] || fail "$failed slot process(es) failed"
cat "$dir"/commits.* | wc -l | xargs printf '%s commits reported as landed\n'
b tasks list

step "the hub's trunk: one straight line"
fossil timeline -R "$repo/.bones/hub.fossil" -n 40 -t ci | grep -v '^+++'
printf 'trunk leaves: %s\n' "$(fossil leaves -R "$repo/.bones/hub.fossil" | grep -c 'tags: trunk')"

step "bones apply: land trunk in the git working tree (staged, not committed)"
b apply || fail "bones apply"
git status --short
step "git diff --cached --stat"
git diff --cached --stat
[ ! -e src/old.txt ] || fail "the deleted file is still in the git tree"
printf '\ndemo: %d slots, %d commits on one linear trunk, applied to git\n' "$slots" "$((slots * commits))"
