#!/bin/sh
# scripts/nats-cluster.sh: a three-node nats-server cluster with JetStream
# on 127.0.0.1, for trying bones on a cluster (docs/multi-host.md).  The
# same code starts the cluster of tests/cli/nats-cluster.test.
#
#   scripts/nats-cluster.sh start DIR   start it (files in DIR), print the URL
#   scripts/nats-cluster.sh stop DIR    stop the nodes started in DIR
#
# Then: bones --substrate="$(cat DIR/url)" tasks list
set -u
here=$(cd "$(dirname "$0")" && pwd)
NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || ls /usr/sbin/nats-server 2>/dev/null)}
. "$here/../tests/lib/servers.sh"
usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
dir=$2
case $1 in
  start)
    [ ! -f "$dir/pids" ] || { echo "$0: a cluster already runs in $dir (stop it first)" >&2; exit 1; }
    mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || exit 1
    bones_start_nats_cluster "$dir" || { bones_stop_nats_cluster; exit 1; }
    # each pid with its start time (field 22 of /proc/PID/stat): stop
    # signals only that process, never a later one that reused the pid
    for pid in $BONES_NATS_PID_1 $BONES_NATS_PID_2 $BONES_NATS_PID_3; do
      echo "$pid $(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)"
    done > "$dir/pids"
    echo "$BONES_NATS_CLUSTER_URL" > "$dir/url"
    echo "$BONES_NATS_CLUSTER_URL"
    ;;
  stop)
    [ -f "$dir/pids" ] || { echo "$0: no cluster started in $dir" >&2; exit 1; }
    while read -r pid start; do
      # only the nats-server started here: same start time, this directory's config
      now=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f20)
      [ -n "$now" ] && [ "$now" = "$start" ] || continue
      case $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) in
        *nats-server*"$dir/n"[123].conf*) kill -TERM "$pid" ;;
      esac
    done < "$dir/pids"
    rm -f "$dir/pids"
    ;;
  *) usage ;;
esac
