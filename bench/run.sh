#!/bin/sh
# run.sh: benchmarks esvigil against the reference exporter (prometheus-elasticsearch-exporter)
# on the same fake Elasticsearch, in one run. Installs what it lacks (scripts/deps bench: the
# reference, wrk, nginx-light, yajl headers) unless ESVIGIL_BENCH_NO_INSTALL is set.
#   bench/run.sh [--quick] [--skip-big] [--nodes N --shards N] [--esvigil PATH] [--help]
# Table on stdout; bench/out/results-latest.{txt,json}. See bench/README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v python3 >/dev/null 2>&1; then
    echo "bench: python3 is missing (apt-get install python3)" >&2
    exit 2
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
    echo "bench: python3 >= 3.9 is needed, this is $(python3 --version 2>&1)" >&2
    exit 2
fi
if [ -z "${ESVIGIL_BENCH_NO_INSTALL:-}" ]; then
    "$here/../scripts/deps" bench || echo "bench: could not install everything; running anyway" >&2
fi
exec python3 "$here/bench.py" "$@"
