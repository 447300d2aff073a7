#!/bin/sh
# Regenerates configure and the Makefile.in files (needs autoconf,
# automake, libtool and pkg-config).
set -e
cd "$(dirname "$0")"
autoreconf --force --install --verbose
