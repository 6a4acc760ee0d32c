"""Shared by the boto3 scripts: one JSON line per check (the node:test runner reads them), AWS error capture."""
import json, os, subprocess, sys
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


def shape_problems(value, shape, path='$'):
    """Keys that are not members of the model shape, and required members that are missing (recursively)."""
    problems = []
    if shape.type_name == 'structure':
        if not isinstance(value, dict):
            return [f'{path}: expected an object']
        for key, item in value.items():
            if key not in shape.members:
                problems.append(f'{path}.{key}: not in {shape.name}')
            else:
                problems += shape_problems(item, shape.members[key], f'{path}.{key}')
        for required in shape.required_members:
            if required not in value:
                problems.append(f'{path}.{required}: required by {shape.name} but missing')
    elif shape.type_name == 'list':
        if not isinstance(value, list):
            return [f'{path}: expected a list']
        for i, item in enumerate(value):
            problems += shape_problems(item, shape.member, f'{path}[{i}]')
    elif shape.type_name == 'map':
        if not isinstance(value, dict):
            return [f'{path}: expected a map']
        for key, item in value.items():
            problems += shape_problems(item, shape.value, f'{path}.{key}')
    return problems


def aws_cli(url, *args):
    """Runs the AWS CLI (v1, this Python's) against url as the root user; its JSON output, or a failed check."""
    env = {'PATH': os.environ.get('PATH', ''), 'HOME': os.environ.get('HOME', '/tmp'), 'AWS_ACCESS_KEY_ID': 'test', 'AWS_SECRET_ACCESS_KEY': 'test',
           'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_CONFIG_FILE': '/dev/null', 'AWS_SHARED_CREDENTIALS_FILE': '/dev/null'}
    out = subprocess.run([sys.executable, '-m', 'awscli', '--endpoint-url', url, '--output', 'json', *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        check(f'aws {" ".join(args[:2])}', False, out.stderr)
    return json.loads(out.stdout) if out.stdout.strip() else {}
