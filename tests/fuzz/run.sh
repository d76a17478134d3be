#!/bin/sh
# run.sh: builds every libFuzzer target against the lib/ sources (ASan + UBSan, no recovery),
# seeds each corpus from the project's fixtures and fuzzes each for SECONDS_PER_TARGET.
# Usage: tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   (default 20 s, every target)
# Exits 0 when every target ran clean (or when clang/libFuzzer is missing: skipped), 1 on any
# crash, leak, UB report, timeout or build failure, naming the reproducer.
# Environment: CLANG (default clang), FUZZ_OUT (default tests/fuzz/out), FUZZ_KEEP_CORPUS=1
# keeps the grown corpora under FUZZ_OUT/corpus.
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
secs=${1:-20}
[ $# -gt 0 ] && shift
CLANG=${CLANG:-clang}
out=${FUZZ_OUT:-$here/out}

case $secs in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
    ;;
esac

all_targets="nodestats settings health shards catjson nodeinfo jsonwalk config httpheader exposition indices lifecycle"
targets=${*:-$all_targets}

# lib/ sources each target links; every target also gets buf, strmap, metric and exposition.
# config and the ES client pull in what they call, named once here.
config_deps="config checks checktable units indexfilter webconfig awscreds probe"
client_deps="esclient awscreds clock"
lib_sources() {
    case $1 in
    nodestats | health | nodeinfo | jsonwalk) echo "utf8 jsonlex jsonwalk jsonparser $1" ;;
    settings) echo "utf8 jsonlex jsonwalk jsonparser units $1" ;;
    shards) echo "utf8 jsonlex jsonwalk catjson units $1" ;;
    catjson) echo "utf8 jsonlex jsonwalk catjson" ;;
    config) echo "$config_deps" ;;
    httpheader) echo "httpheader" ;;
    exposition) echo "" ;;
    lifecycle) echo "utf8 jsonlex jsonwalk jsonparser $client_deps esget snapstats slm ilm healthreport pendingtasks datastream tasks" ;;
    # the pacer's run functions pull in the client, the config and the optional collectors
    indices) echo "utf8 jsonlex jsonwalk jsonparser indexstats indexinfo pacer selfstats $client_deps $config_deps optpace optcoll esget snapstats slm ilm healthreport pendingtasks datastream tasks" ;;
    *) return 1 ;;
    esac
}

skip() {
    echo "fuzz: SKIP: $*"
    exit 0
}

command -v "$CLANG" >/dev/null 2>&1 || skip "$CLANG not found"
command -v pkg-config >/dev/null 2>&1 || skip "pkg-config not found"
pkgs=$(pkg-config --cflags --libs yajl yaml-0.1 libcurl zlib 2>/dev/null) ||
    skip "pkg-config cannot find yajl yaml-0.1 libcurl zlib"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/esvigil-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

sanitize="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\n%s\n' \
    'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
    >"$tmp/probe.c"
# shellcheck disable=SC2086
"$CLANG" $sanitize "$tmp/probe.c" -o "$tmp/probe" >/dev/null 2>&1 ||
    skip "$CLANG cannot link -fsanitize=fuzzer (install libclang-rt-dev for your clang version)"

mkdir -p "$out/bin" "$out/artifacts" || exit 1

# ---- seeds ----

# Copies the named files into corpus dir $1, named by content so duplicates collapse.
seed_files() {
    dir=$1
    shift
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$dir/seed-$(cksum <"$f" | tr ' ' '-')"
    done
}

# Writes printf-format seeds (one per argument) into corpus dir $1.
seed_printf() {
    dir=$1
    shift
    n=0
    for fmt in "$@"; do
        n=$((n + 1))
        # shellcheck disable=SC2059
        printf -- "$fmt" >"$dir/gen-$n"
    done
}

# Seeds dir $1 with every fixture ES response named $2, $3, ... (fixture sets and scenarios).
seed_es() {
    dir=$1
    shift
    for name in "$@"; do
        find "$srcdir/tests/fixtures/es" "$srcdir/tests/fixtures/scenarios" -type f -name "$name" |
            while IFS= read -r f; do seed_files "$dir" "$f"; done
    done
}

seed() {
    dir=$1
    fx=$srcdir/tests/fixtures
    case $2 in
    nodestats)
        seed_es "$dir" 'nodes_*stats.json'
        seed_files "$dir" "$fx"/es/edge/*.json
        ;;
    settings)
        seed_es "$dir" cluster_settings.json
        seed_files "$dir" "$fx"/settings/*.json
        ;;
    health)
        seed_es "$dir" cluster_health.json
        seed_files "$dir" "$fx"/health/*.json
        ;;
    shards)
        seed_es "$dir" cat_shards.json
        seed_files "$dir" "$fx"/shards/*.json
        ;;
    catjson)
        seed_es "$dir" cat_shards.json
        seed_files "$dir" "$fx"/shards/*.json
        seed_printf "$dir" '[]' '[{"node":"a\\uD800b","x":{"y":1}}]' \
            '[{"store":-1.5e3,"index":"\\u0000","state":"\351"}]'
        ;;
    nodeinfo)
        seed_es "$dir" nodes_local.json master_node.json
        seed_files "$dir" "$fx"/nodeinfo/*.json
        ;;
    lifecycle)
        seed_files "$dir" "$fx"/lifecycle/*.json
        ;;
    indices)
        seed_es "$dir" indices_stats.json aliases.json indices_settings.json \
            indices_mappings.json cluster_health_indices.json
        ;;
    jsonwalk)
        seed_files "$dir" "$fx"/es/es-7.13/*.json "$fx"/es/edge/*.json "$fx"/health/*.json \
            "$fx"/settings/*.json "$fx"/shards/*.json "$fx"/nodeinfo/*.json
        seed_printf "$dir" '[]' '{"a":[1,{"b":null}],"c":"\\u00e9\\n"}' '-1.5e3' '"x"'
        ;;
    config)
        seed_files "$dir" "$fx"/config/*.yml "$srcdir/etc/esvigil.yml"
        # inputs holding a NUL byte are argv vectors
        seed_printf "$dir" '--es.uri=http://x:9200\0--poll.interval=1m\0--no-es.all' \
            '--web.listen-address=[::1]:9649\0--checks.fds.warning=off\0--check' \
            '--config.file\0/x.yml\0--es.max-response-size=1.5gb\0--log.level=debug'
        ;;
    httpheader)
        seed_printf "$dir" 'gzip, deflate;q=0.5, br' 'gzip\0identity;q=0, *;q=0.1' \
            'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;q=0.5,*/*;q=0.1' \
            'text/plain;version=0.0.4;q=1.0, application/openmetrics-text; q=0.999' \
            'GZIP ; Q = 0.001 , *'
        ;;
    exposition)
        seed_printf "$dir" '\000\005hello\004prod\003es\001\033\005\002\000' \
            '\005\011a"b\\\\c\nd\003GET\046\377\376\010\200\300\301\355\240\200\012\002\003'
        ;;
    esac
}

# ---- build and run ----

summary=$tmp/summary
: >"$summary"
failed=0

for t in $targets; do
    libs=$(lib_sources "$t") || {
        echo "fuzz: unknown target $t (known: $all_targets)" >&2
        exit 2
    }
    bin=$out/bin/fuzz_$t
    srcs="$here/fuzz_$t.c"
    for m in buf strmap metric exposition $libs; do
        case " $srcs " in *" $srcdir/lib/$m.c "*) ;; *) srcs="$srcs $srcdir/lib/$m.c" ;; esac
    done
    echo "fuzz: building $t"
    # shellcheck disable=SC2086
    if ! "$CLANG" -std=c11 -g -O1 $sanitize -Wall -Wextra -D_GNU_SOURCE \
        -DPACKAGE_VERSION='"fuzz"' -DSYSCONFDIR='"/etc"' -I"$srcdir/lib" -I"$here" \
        $srcs $pkgs -lcrypt -lm -o "$bin"; then
        echo "fuzz: FAIL: $t: build failed"
        failed=1
        continue
    fi

    corpus=$tmp/corpus/$t
    mkdir -p "$corpus"
    seed "$corpus" "$t"
    dict=
    case $t in
    config) dict=-dict=$here/yaml.dict ;;
    httpheader | exposition) ;;
    *) dict=-dict=$here/json.dict ;;
    esac
    log=$out/$t.log
    echo "fuzz: running $t for ${secs}s ($(find "$corpus" -type f | wc -l) seeds), log $log"
    # shellcheck disable=SC2086
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$t-" $dict "$corpus" >"$log" 2>&1
    rc=$?
    stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 |
        sed -E 's/^#([0-9]+)[[:space:]]+DONE[[:space:]]+cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)\/.*/\2 \3 \4/')
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ $rc -ne 0 ]; then
        failed=1
        repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        kind=$(grep -m 1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed' "$log")
        echo "fuzz: FAIL: $t (exit $rc): ${kind:-see $log}"
        echo "fuzz:   reproducer: ${repro:-none written, see $log}"
        [ -n "$repro" ] && echo "fuzz:   reproduce: $bin $repro"
        printf '%-11s FAIL  %s\n' "$t" "${repro:-$log}" >>"$summary"
    else
        cov=$(echo "$stats" | cut -d' ' -f1)
        ft=$(echo "$stats" | cut -d' ' -f2)
        corp=$(echo "$stats" | cut -d' ' -f3)
        printf '%-11s ok    execs %-9s exec/s %-7s cov %-6s ft %-6s corpus %s\n' \
            "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" >>"$summary"
    fi
    if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
        rm -rf "$out/corpus/$t"
        mkdir -p "$out/corpus"
        cp -r "$corpus" "$out/corpus/$t"
    fi
done

echo "fuzz: summary (${secs}s per target)"
cat "$summary"
if [ $failed -ne 0 ]; then
    echo "fuzz: FAILED"
    exit 1
fi
echo "fuzz: all targets clean"
exit 0
