"""Shared by the boto3 scripts: one JSON line per check (the node:test runner reads them), AWS error capture."""
import json, sys
from botocore.exceptions import ClientError


def check(name, ok, detail=None):
    print(json.dumps({'check': name, 'ok': bool(ok), 'detail': detail}, default=str))
    if not ok:
        sys.exit(1)


def error_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response['Error']
    return None
