#!/usr/bin/env bash
# Proves that evidence uploads and downloads stream: starts Qalxan on SQLite in a temporary
# directory, uploads a random file (300 MiB by default) with curl, checks the returned SHA-256
# against sha256sum, downloads it back and compares, and prints how far the server's resident
# memory rose above its level before each transfer. Fails if it rose by 64 MiB or more.
#
#   deploy/evidence-memory.sh                      # builds and uses target/debug/qalxan
#   QALXAN_BIN=target/release/qalxan SIZE_MIB=1024 deploy/evidence-memory.sh
#
# Needs bash, curl, coreutils and Linux /proc. Peak RSS comes from VmHWM, reset before each
# transfer through /proc/<pid>/clear_refs, and from sampling VmRSS every 50 ms.
set -euo pipefail

SIZE_MIB="${SIZE_MIB:-300}"
LIMIT_MIB="${LIMIT_MIB:-64}"
PORT="${PORT:-18$((RANDOM % 900 + 100))}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${QALXAN_BIN:-}"
if [[ -z "$BIN" ]]; then
    (cd "$ROOT" && cargo build --quiet --bin qalxan)
    BIN="$ROOT/target/debug/qalxan"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
SAMPLER_PID=""
cleanup() {
    [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null || true
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

EMAIL=admin@memory.test
PASSWORD='memory test password 1'
QALXAN_DATA_DIR="$WORK/data" QALXAN_BIND="127.0.0.1:$PORT" \
    QALXAN_BOOTSTRAP_ADMIN_EMAIL="$EMAIL" QALXAN_BOOTSTRAP_ADMIN_PASSWORD="$PASSWORD" \
    RUST_LOG=warn "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
    curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$BASE/readyz" >/dev/null || { cat "$WORK/server.log"; exit 1; }

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$SERVER_PID/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

json_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
TOKEN=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/login" | json_field access_token)
INCIDENT=$(curl -fsS -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"title":"Memory check","description":"Large evidence upload"}' "$BASE/api/v1/incidents" | json_field id)

echo "generating ${SIZE_MIB} MiB of random data..."
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$WORK/upload.bin"
EXPECTED=$(sha256sum "$WORK/upload.bin" | cut -d' ' -f1)

# Runs a transfer while sampling; prints "baseline_kib peak_sampled_kib hwm_kib seconds".
measure() {
    sync
    echo 5 >"/proc/$SERVER_PID/clear_refs" # VmHWM := current VmRSS
    local before peak_file="$WORK/peak" start end
    before=$(kib VmRSS)
    echo "$before" >"$peak_file"
    (
        peak=$before
        while kill -0 "$SERVER_PID" 2>/dev/null; do
            now=$(kib VmRSS)
            ((now > peak)) && peak=$now && echo "$peak" >"$peak_file"
            sleep 0.05
        done
    ) &
    SAMPLER_PID=$!
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    echo "$before $(cat "$peak_file") $(kib VmHWM) $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
}

upload() {
    curl -fsS -H "authorization: Bearer $TOKEN" -H 'Expect:' \
        -F "file=@$WORK/upload.bin;type=application/octet-stream" -F 'description=memory check' \
        "$BASE/api/v1/incidents/$INCIDENT/evidence" >"$WORK/upload.json"
}
download() {
    curl -fsS -H "authorization: Bearer $TOKEN" -o "$WORK/download.bin" \
        "$BASE/api/v1/evidence/$EVIDENCE/content"
}

read -r UP_BEFORE UP_PEAK UP_HWM UP_SECS < <(measure upload)
EVIDENCE=$(json_field id <"$WORK/upload.json" | head -1)
GOT=$(json_field sha256 <"$WORK/upload.json")
read -r DOWN_BEFORE DOWN_PEAK DOWN_HWM DOWN_SECS < <(measure download)
DOWNLOADED=$(sha256sum "$WORK/download.bin" | cut -d' ' -f1)

growth() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { m = (b > c ? b : c); printf "%.1f", (m - a) / 1024 }'; }
UP_GROWTH=$(growth "$UP_BEFORE" "$UP_PEAK" "$UP_HWM")
DOWN_GROWTH=$(growth "$DOWN_BEFORE" "$DOWN_PEAK" "$DOWN_HWM")

echo "binary:   $BIN"
echo "file:     ${SIZE_MIB} MiB, sha256 $EXPECTED"
echo "upload:   ${UP_SECS} s, server RSS before $(mib "$UP_BEFORE") MiB, peak $(mib "$UP_HWM") MiB (VmHWM) / $(mib "$UP_PEAK") MiB (sampled), growth ${UP_GROWTH} MiB"
echo "download: ${DOWN_SECS} s, server RSS before $(mib "$DOWN_BEFORE") MiB, peak $(mib "$DOWN_HWM") MiB (VmHWM) / $(mib "$DOWN_PEAK") MiB (sampled), growth ${DOWN_GROWTH} MiB"
echo "returned sha256:   $GOT"
echo "downloaded sha256: $DOWNLOADED"

status=0
[[ "$GOT" == "$EXPECTED" ]] || { echo "FAIL: the server's SHA-256 differs"; status=1; }
[[ "$DOWNLOADED" == "$EXPECTED" ]] || { echo "FAIL: the downloaded file differs"; status=1; }
for g in "$UP_GROWTH" "$DOWN_GROWTH"; do
    awk -v g="$g" -v l="$LIMIT_MIB" 'BEGIN { exit !(g < l) }' || { echo "FAIL: RSS grew by $g MiB (limit $LIMIT_MIB MiB)"; status=1; }
done
((status == 0)) && echo "OK: hashes match and peak RSS growth stayed under ${LIMIT_MIB} MiB"
exit "$status"
