#!/usr/bin/env bash
# Fuzzes the IDX / gzip reader with libFuzzer for a bounded time.
#
#   Tools/fuzz.sh [seconds]     (default 60)
#
# Builds Tools/fuzz/IDXFuzz.swift together with the library's IDX, gzip and file sources using
# `swiftc -sanitize=fuzzer,address` into .build-fuzz/ (ignored by git; no SwiftPM target, so
# Package.swift needs no unsafeFlags), writes a seed corpus of small valid IDX files (raw and
# gzip), runs the fuzzer, and prints executions, time and crashes. Crash inputs land in
# .build-fuzz/crashes/; turn each into a regression test in Tests/DescentTests/Reliability/.
# Exit status: 0 if no crash was found.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=.build-fuzz
mkdir -p "$out/corpus" "$out/seeds" "$out/crashes"

sources=(Tools/fuzz/IDXFuzz.swift
         Sources/Descent/Data/IDXReader.swift Sources/Descent/Data/Gzip.swift
         Sources/Descent/Core/FileBytes.swift Sources/Descent/Core/DescentError.swift)
# FileBytes.write may delegate to the shared atomic writer.
[[ -f Sources/Descent/Core/AtomicFile.swift ]] && sources+=(Sources/Descent/Core/AtomicFile.swift)
binary="$out/idx-fuzz"
newest=$(ls -t "${sources[@]}" "$0" | head -1)
if [[ ! -x "$binary" || "$newest" -nt "$binary" ]]; then
    echo "building $binary" >&2
    swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name DescentFuzz \
        -I Sources/CZlib -lz "${sources[@]}" -o "$binary" > "$out/build.log" 2>&1 \
        || { grep -E "error" "$out/build.log" >&2; exit 2; }
fi

# Seed corpus: valid images (3 dims) and labels (1 dim), raw and gzip'd, plus a zlib stream.
seed() { printf "$2" > "$out/seeds/$1"; gzip -c -n "$out/seeds/$1" > "$out/seeds/$1.gz"; }
seed labels '\x00\x00\x08\x01\x00\x00\x00\x05\x00\x01\x02\x03\x09'
seed images '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x02\x00\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xff'
seed empty3 '\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c'
seed float '\x00\x00\x0d\x01\x00\x00\x00\x01\x3f\x80\x00\x00'
printf '\x78\x9c\x63\x60\x60\xe0\x60\x04\x00\x00\x1c\x00\x0b' > "$out/seeds/zlib"   # zlib("\0\0\x08\x01")-ish

log="$out/fuzz.log"
set +e
ASAN_OPTIONS=detect_leaks=0 "$binary" "$out/corpus" "$out/seeds" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes/" -print_final_stats=1 > "$log" 2>&1
status=$?
set -e
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}' || true)
crashes=$(find "$out/crashes" -type f | wc -l)
echo "fuzz: $runs executions in ${took:-?} s, $crashes crash file(s) in $out/crashes, libFuzzer exit status $status"
grep -E "^stat::(average_exec|new_units|peak_rss)" "$log" >&2 || tail -20 "$log" >&2
[[ $status -eq 0 && $crashes -eq 0 ]]
