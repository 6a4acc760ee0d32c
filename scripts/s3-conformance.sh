#!/usr/bin/env bash
# Runs the public S3 conformance suite ceph/s3-tests (boto3 functional tests: test_s3.py and test_headers.py) against
# iamlocal (enforcement on) and, when moto_server is installed, against moto, with the same configuration and the same
# selection, and prints each run's pytest summary. Not part of `npm test`; it fetches nothing itself.
#
#   scripts/s3-conformance.sh /path/to/ceph-s3-tests [extra pytest args, e.g. -k versioning]
#
# Needs python3 with boto3 and pytest; the suite's small extra modules (munch, pytz, isodate) are shimmed when missing.
# iamlocal runs from dist/ (npm run build). Ports: IAMLOCAL_PORT (4599), MOTO_PORT (4598). Output: $OUT (a temp dir).
set -euo pipefail

SUITE=${1:?usage: scripts/s3-conformance.sh /path/to/ceph-s3-tests [pytest args]}
shift
SUITE=$(cd "$SUITE" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IAMLOCAL_PORT=${IAMLOCAL_PORT:-4599}
MOTO_PORT=${MOTO_PORT:-4598}
OUT=${OUT:-$(mktemp -d /tmp/s3-conformance.XXXXXX)}
mkdir -p "$OUT/shims"

# The selection: everything not marked as failing on AWS, minus what needs Ceph's lifecycle/restore debug clocks, a
# cloud tier, S3 Select, SNS, Ceph's append-object API or Ceph's log rollover.
SELECTION="not fails_on_aws and not lifecycle_expiration and not lifecycle_transition and not cloud_transition and not cloud_restore and not s3select and not sns and not appendobject and not fails_without_logging_rollover"

# Three accounts, each with root keys and the canonical id the suite's config names; two KMS keys for the SSE-KMS tests.
cat > "$OUT/fixtures.yaml" <<'EOF'
accounts:
  - id: "123456789012"
    displayName: main
    canonicalId: "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
    rootAccessKeyId: "0555b35654ad1656d804"
    rootSecretAccessKey: "h7GhxuBLTrlhVUyxSPUKUV8r/2EI4ngqJxD7iBdBYLhwluN30JaT3Q=="
  - id: "210987654321"
    displayName: john.doe
    canonicalId: "56789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234"
    rootAccessKeyId: "NOPQRSTUVWXYZABCDEFG"
    rootSecretAccessKey: "nopqrstuvwxyzabcdefghijklmnabcdefghijklm"
  - id: "333333333333"
    displayName: tenant
    canonicalId: "9876543210abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    rootAccessKeyId: "HIJKLMNOPQRSTUVWXYZA"
    rootSecretAccessKey: "opqrstuvwxyzabcdefghijklmnopqrstuvwxyzab"
kmsKeys:
  - id: "0c1d2e3f-0000-4000-8000-000000000001"
    account: "123456789012"
    description: s3-tests kms_keyid
  - id: "0c1d2e3f-0000-4000-8000-000000000002"
    account: "123456789012"
    description: s3-tests kms_keyid2
EOF

write_conf() { # port file
  cat > "$2" <<EOF
[DEFAULT]
host = localhost
port = $1
is_secure = False
ssl_verify = False

[fixtures]
bucket prefix = s3t-{random}-

[s3 main]
display_name = main
user_id = a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90
email = main@example.com
api_name =
access_key = 0555b35654ad1656d804
secret_key = h7GhxuBLTrlhVUyxSPUKUV8r/2EI4ngqJxD7iBdBYLhwluN30JaT3Q==
kms_keyid = 0c1d2e3f-0000-4000-8000-000000000001
kms_keyid2 = 0c1d2e3f-0000-4000-8000-000000000002

[s3 alt]
display_name = john.doe
email = john.doe@example.com
user_id = 56789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234
access_key = NOPQRSTUVWXYZABCDEFG
secret_key = nopqrstuvwxyzabcdefghijklmnabcdefghijklm

[s3 tenant]
display_name = tenant
user_id = 9876543210abcdef0123456789abcdef0123456789abcdef0123456789abcdef
access_key = HIJKLMNOPQRSTUVWXYZA
secret_key = opqrstuvwxyzabcdefghijklmnopqrstuvwxyzab
email = tenant@example.com
tenant = testx

[iam]
email = s3@example.com
user_id = 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
access_key = 0555b35654ad1656d804
secret_key = h7GhxuBLTrlhVUyxSPUKUV8r/2EI4ngqJxD7iBdBYLhwluN30JaT3Q==
display_name = main

[iam root]
access_key = 0555b35654ad1656d804
secret_key = h7GhxuBLTrlhVUyxSPUKUV8r/2EI4ngqJxD7iBdBYLhwluN30JaT3Q==
user_id = 123456789012
email = main@example.com

[iam alt root]
access_key = NOPQRSTUVWXYZABCDEFG
secret_key = nopqrstuvwxyzabcdefghijklmnabcdefghijklm
user_id = 210987654321
email = john.doe@example.com
EOF
}
write_conf "$IAMLOCAL_PORT" "$OUT/iamlocal.conf"
write_conf "$MOTO_PORT" "$OUT/moto.conf"

# Shims for the suite's small dependencies when they are not installed (PyPI may be out of reach).
python3 -c 'import munch' 2>/dev/null || { mkdir -p "$OUT/shims/munch"; cat > "$OUT/shims/munch/__init__.py" <<'EOF'
class Munch(dict):
    def __getattr__(self, k):
        try: return self[k]
        except KeyError: raise AttributeError(k)
    def __setattr__(self, k, v): self[k] = v
EOF
}
python3 -c 'import pytz' 2>/dev/null || { mkdir -p "$OUT/shims/pytz"; printf 'import datetime\nutc = UTC = datetime.timezone.utc\n' > "$OUT/shims/pytz/__init__.py"; }
python3 -c 'import isodate' 2>/dev/null || { mkdir -p "$OUT/shims/isodate"; printf 'import datetime\ndef parse_datetime(s):\n    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))\n' > "$OUT/shims/isodate/__init__.py"; }

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() { for _ in $(seq 1 60); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.5; done; echo "nothing listens on $1" >&2; return 1; }

run_suite() { # name conf [pytest args]
  local name=$1 conf=$2
  shift 2
  (cd "$SUITE" && S3TEST_CONF="$conf" PYTHONPATH="$OUT/shims${PYTHONPATH:+:$PYTHONPATH}" python3 -m pytest -q -p no:cacheprovider -rf \
    s3tests/functional/test_s3.py s3tests/functional/test_headers.py -m "$SELECTION" "$@" > "$OUT/$name.txt" 2>&1) || true
  echo "$name: $(tail -n 1 "$OUT/$name.txt")"
}

node "$ROOT/bin/iamlocal.mjs" serve --port "$IAMLOCAL_PORT" --db :memory: --fixtures "$OUT/fixtures.yaml" > "$OUT/iamlocal.log" 2>&1 &
PIDS+=($!)
wait_port "$IAMLOCAL_PORT"
if command -v moto_server > /dev/null; then
  moto_server -p "$MOTO_PORT" > "$OUT/moto.log" 2>&1 &
  PIDS+=($!)
  wait_port "$MOTO_PORT"
  run_suite moto "$OUT/moto.conf" "$@" &
  MOTO_RUN=$!
fi
run_suite iamlocal "$OUT/iamlocal.conf" "$@"
[ -n "${MOTO_RUN:-}" ] && wait "$MOTO_RUN"
echo "full outputs in $OUT"
