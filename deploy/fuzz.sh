#!/usr/bin/env bash
# Fuzzes the JSON API with Schemathesis against a real server, on SQLite and on PostgreSQL, and
# fails on any server error, undeclared status or response that does not match its schema.
#
#   deploy/fuzz.sh            short run (CI): 120 s of generated requests per database
#   deploy/fuzz.sh --deep     long run for people: 15 minutes per database
#   deploy/fuzz.sh --db sqlite|postgres|both   (default both)
#
# Environment (all optional):
#   QALXAN_BIN          the server binary (default: the debug binary `cargo test` builds)
#   QALXAN_FUZZ_PG      PostgreSQL server URL without a database name
#                       (default postgres://postgres@127.0.0.1:5432); a fresh database is made
#                       and dropped
#   QALXAN_FUZZ_VENV    where Schemathesis is installed (default /opt/qalxan-fuzz; made if absent)
#   QALXAN_FUZZ_SEED    the seed (default 20261201), so a failure can be replayed
#   QALXAN_FUZZ_SECONDS the budget per database, overriding the two above
#   QALXAN_FUZZ_OUT     where reports and server logs go (default target/fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=120
dbs=both
while [ $# -gt 0 ]; do
  case "$1" in
    --deep) seconds=900 ;;
    --db) dbs="$2"; shift ;;
    *) echo "usage: $0 [--deep] [--db sqlite|postgres|both]" >&2; exit 2 ;;
  esac
  shift
done
seconds="${QALXAN_FUZZ_SECONDS:-$seconds}"
seed="${QALXAN_FUZZ_SEED:-20261201}"
pg="${QALXAN_FUZZ_PG:-postgres://postgres@127.0.0.1:5432}"
venv="${QALXAN_FUZZ_VENV:-/opt/qalxan-fuzz}"
target="${CARGO_TARGET_DIR:-target}"
bin="${QALXAN_BIN:-$target/debug/qalxan}"
out="${QALXAN_FUZZ_OUT:-$target/fuzz}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

log() { printf '\n--- fuzz: %s ---\n' "$*"; }

# Schemathesis 4 and the document validator, in their own virtualenv (reused when present).
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q 'version 4\.' \
  || ! "$venv/bin/python" -c 'import openapi_spec_validator' 2>/dev/null; then
  log "installing Schemathesis 4 and openapi-spec-validator into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis>=4.32,<5' 'openapi-spec-validator>=0.7,<1'
fi
"$venv/bin/schemathesis" --version

if [ ! -x "$bin" ]; then
  log "building the server ($bin not found)"
  cargo build --bin qalxan
fi

admin_email="fuzz-admin@cert.test"
admin_password="fuzz-admin-password-$seed"
server_pid=""
pg_db=""

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

cleanup() {
  stop_server
  if [ -n "$pg_db" ]; then
    psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    pg_db=""
  fi
}
trap cleanup EXIT

# Adds a run's figures from Schemathesis' summary ("N generated, N passed" or
# "N generated, F found U unique failures") to the totals printed at the end.
passed_total=0
failed_total=0
tally() {
  local figures
  figures="$(python3 - "$2" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
m = re.findall(r"(\d+) generated, (?:(\d+) passed|(\d+) found)", text)
generated, passed, found = m[-1] if m else ("0", "", "1")
failed = int(found or 0) if not passed else int(generated) - int(passed)
print(int(generated) - failed, failed)
PY
)"
  set -- "$1" $figures
  echo "fuzz $1: $2 generated requests passed, $3 failed"
  passed_total=$((passed_total + $2))
  failed_total=$((failed_total + $3))
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# fuzz_one NAME DATABASE_URL DATA_DIR
fuzz_one() {
  local name="$1" url="$2" data="$3" port base token
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  log "$name: server on $base"
  # Throttles raised: the fuzzer sends thousands of failed sign-ins and public reports from one
  # address, and a locked-out fuzzer would only see 429s. The throttles have their own tests.
  QALXAN_DATABASE_URL="$url" \
    QALXAN_BIND="127.0.0.1:$port" \
    QALXAN_BASE_URL="$base" \
    QALXAN_DATA_DIR="$data" \
    QALXAN_BOOTSTRAP_ADMIN_EMAIL="$admin_email" \
    QALXAN_BOOTSTRAP_ADMIN_PASSWORD="$admin_password" \
    QALXAN_TOKEN_TTL_MINUTES=1440 \
    QALXAN_LOGIN_IP_LIMIT=1000000 \
    QALXAN_PUBLIC_REPORT_LIMIT=1000000 \
    QALXAN_LOG_FORMAT=json \
    RUST_LOG=warn \
    "$bin" serve >"$out/$name-server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/$name-server.log"; return 1; }
    sleep 0.5
  done
  # Called as `fuzz_one … || status=1`, where `set -e` does not apply: every step checks itself.
  curl -fsS "$base/readyz" >/dev/null || return 1

  curl -fsS "$base/api/openapi.json" -o "$out/openapi.json" || return 1
  log "$name: validating the OpenAPI document"
  "$venv/bin/openapi-spec-validator" "$out/openapi.json" || return 1

  # Sign in once as the bootstrap administrator; the token outlives the run.
  token="$(curl -fsS -H 'content-type: application/json' \
    -d "{\"email\":\"$admin_email\",\"password\":\"$admin_password\"}" \
    "$base/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" \
    || return 1

  # The technique model is trained at its first use in this (debug) build, which takes a minute
  # or more unoptimised; a release server trains it at start-up. Train it before the run, so the
  # first suggestion the fuzzer asks for does not hit the request timeout.
  log "$name: training the technique model"
  curl -fsS -m 900 -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"text":"spearphishing attachment dropped a loader"}' \
    "$base/api/v1/analysis/techniques" >/dev/null || return 1

  log "$name: Schemathesis, seed $seed, $seconds s"
  local rc=0
  # One worker: with two, Hypothesis describes lambdas by parsing source from two threads at
  # once, which this machine's Python 3.11.7 cannot do (CPython gh-106905: "AST constructor
  # recursion depth mismatch", fixed only in later releases) and which once failed CI without
  # any request having failed.
  # Run from the output directory: Schemathesis keeps a crash cache in ./.schemathesis, and a
  # replay of old crashes would make runs depend on what ran before.
  (cd "$out" && rm -rf .schemathesis && "$venv/bin/schemathesis" run "$base/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance \
    --seed "$seed" \
    --max-time "$seconds" \
    --workers 1 \
    --request-timeout 30 \
    --generation-database none \
    --suppress-health-check all \
    --no-color \
    --report junit,ndjson --report-dir "$out/$name") 2>&1 | tee "$out/$name.log"
  rc="${PIPESTATUS[0]}"
  tally "$name" "$out/$name.log"

  # The server must still be up and ready after the run; then it is stopped.
  curl -fsS "$base/readyz" >/dev/null || { echo "server not ready after fuzzing" >&2; rc=1; }
  # An ERROR in our own log is a bug even when the answer was fine. actix-http's own report of
  # a request it could not parse (the fuzzer sends broken headers) is the client's mistake.
  local errors
  errors="$(grep '"level":"ERROR"' "$out/$name-server.log" | grep -v '"target":"actix_http::h1::dispatcher"' || true)"
  if [ -n "$errors" ]; then
    echo "errors in the server log ($out/$name-server.log):" >&2
    printf '%s\n' "$errors" | head -20 >&2
    rc=1
  fi
  return "$rc"
}

status=0
if [ "$dbs" = sqlite ] || [ "$dbs" = both ]; then
  data="$(mktemp -d)"
  fuzz_one sqlite "sqlite://$data/qalxan.db" "$data" || status=1
  stop_server
  rm -rf "$data"
fi
if [ "$dbs" = postgres ] || [ "$dbs" = both ]; then
  pg_db="qalxan_fuzz_$$"
  psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" -c "CREATE DATABASE $pg_db"
  data="$(mktemp -d)"
  fuzz_one postgres "$pg/$pg_db" "$data" || status=1
  stop_server
  rm -rf "$data"
  psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)"
  pg_db=""
fi
# One closing line in the form test runners use, for whoever reads the end of the CI log.
echo "fuzz: $passed_total passed, $failed_total failed"
exit "$status"
