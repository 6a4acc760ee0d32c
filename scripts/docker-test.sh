#!/usr/bin/env bash
# npm run test:docker — opt-in (needs Docker): build the image, start it with docker-compose, wait until healthy,
# run part of the story with the AWS CLI against it, stop it. Prints the image's size over the base and the time
# from container start to healthy.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOCKER_HOST=${DOCKER_HOST:-unix:///run/docker-local.sock}
# COMPOSE=v1 (Debian's docker-compose 1.29) or COMPOSE=v2 (docker compose) picks one; by default v2 when present.
case "${COMPOSE:-}" in
  v1) compose() { docker-compose "$@"; } ;;
  v2) compose() { docker compose "$@"; } ;;
  *) compose() { if docker compose version >/dev/null 2>&1; then docker compose "$@"; else docker-compose "$@"; fi; } ;;
esac
echo "compose: $(compose version 2>/dev/null | head -1)"

docker build --network host -t iamlocal:dev . >/tmp/iamlocal-docker-build.log 2>&1 || { tail -30 /tmp/iamlocal-docker-build.log; exit 1; }
base=$(docker image inspect node:22-bookworm-slim --format '{{.Size}}')
image=$(docker image inspect iamlocal:dev --format '{{.Size}}')
echo "image adds $(( (image - base) / 1024 / 1024 )) MB to node:22-bookworm-slim"

compose down -v >/dev/null 2>&1 || true
trap 'compose down -v >/dev/null 2>&1 || true' EXIT
start=$(date +%s%N)
compose up -d --no-build
id=$(compose ps -q iamlocal)
for _ in $(seq 1 150); do
  status=$(docker inspect "$id" --format '{{.State.Health.Status}}')
  [ "$status" = healthy ] && break
  sleep 0.1
done
[ "$status" = healthy ] || { docker logs "$id" | tail -20; echo "container did not become healthy"; exit 1; }
echo "compose up to healthy (includes creating the container): $(( ($(date +%s%N) - start) / 1000000 )) ms"
# The log names an address to connect to (the container listens on 0.0.0.0; the port is published on loopback).
first=$(docker logs "$id" 2>/dev/null | head -1)
[ "$first" = http://127.0.0.1:4577 ] || { echo "the container's first log line is '$first', not http://127.0.0.1:4577"; exit 1; }
docker logs "$id" 2>&1 | grep -q '0\.0\.0\.0:4577' && ! docker logs "$id" 2>&1 | grep -q 'http://0\.0\.0\.0' || { echo "the log advertises http://0.0.0.0"; exit 1; }
# From the container's process start to the end of its first passing health probe, as Docker records them.
docker inspect "$id" --format '{{json .State}}' | python3 -c '
import json, sys
from datetime import datetime
def t(s):
    base, _, frac = s.rstrip("Z").partition(".")
    return datetime.fromisoformat(base).timestamp() + float("0." + (frac or "0"))
state = json.load(sys.stdin)
ok = [p["End"] for p in state["Health"]["Log"] if p["ExitCode"] == 0]
started = t(state["StartedAt"])
print("container start to healthy: %d ms" % round((t(ok[0]) - started) * 1000))
'

export AWS_ENDPOINT_URL=http://127.0.0.1:4577 AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
export AWS_ACCESS_KEY_ID=ASIAEXAMPLESAMLLOGIN AWS_SECRET_ACCESS_KEY=saml-login-secret-access-key-example0000 AWS_SESSION_TOKEN=saml-login-session-token-example
aws sts get-caller-identity --query Arn --output text | grep -qx 'arn:aws:sts::123456789012:assumed-role/PowerUser/kevin.hakanson@example.com'
out=$(aws sts assume-role --role-arn arn:aws:iam::123456789012:role/kjh-s3-encryption-test1-role --role-session-name docker 2>&1 || true)
echo "$out" | grep -q 'is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/kjh-s3-encryption-test1-role'
aws s3api list-objects --bucket kjh-encryption-test1 --prefix cli-s3api-kms/ --query 'Contents[0].Owner.DisplayName' --output text | grep -qx redacted
curl -fsS -o /dev/null -w '%{http_code}\n' http://127.0.0.1:4577/_iamlocal/state -H "Authorization: Bearer ${IAMLOCAL_ADMIN_TOKEN:-change-me}" | grep -qx 200
[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:4577/_iamlocal/state)" = 401 ]
# The SAML login against the container (its admin API needs the token).
files=$(mktemp -d)
node bin/iamlocal.mjs login --role PowerUser --session kevin.hakanson@example.com --endpoint http://127.0.0.1:4577 \
  --admin-token "${IAMLOCAL_ADMIN_TOKEN:-change-me}" --credentials-file "$files/credentials" --config-file "$files/config" 2>/dev/null \
  | grep -qx 'arn:aws:sts::123456789012:assumed-role/PowerUser/kevin.hakanson@example.com'
( unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL
  AWS_SHARED_CREDENTIALS_FILE="$files/credentials" AWS_CONFIG_FILE="$files/config" aws --profile saml sts get-caller-identity --query Arn --output text \
    | grep -qx 'arn:aws:sts::123456789012:assumed-role/PowerUser/kevin.hakanson@example.com' )
rm -rf "$files"
stop_start=$(date +%s%N)
compose stop -t 10 >/dev/null
echo "docker stop (SIGTERM → exit): $(( ($(date +%s%N) - stop_start) / 1000000 )) ms, exit code $(docker inspect "$id" --format '{{.State.ExitCode}}')"
echo "docker test passed"
