#!/usr/bin/env python3
"""Extracts the input constraints of the IAM, STS, KMS and Organizations operations from botocore's service
models into server/src/services/<svc>/model.json, so the server can validate parameters
exactly as AWS does without depending on Python at run time. Run after upgrading botocore."""
import json, os, botocore
from botocore.loaders import Loader

ROOT = os.path.join(os.path.dirname(__file__), '..')

def shape_spec(shapes, name, depth=0):
    s = shapes[name]
    spec = {'type': s['type']}
    for k in ('min', 'max', 'pattern', 'enum'):
        if k in s:
            spec[k] = s[k]
    if s['type'] == 'structure' and depth < 4:
        spec['members'] = {m: shape_spec(shapes, v['shape'], depth + 1) for m, v in s.get('members', {}).items()}
        if s.get('required'):
            spec['required'] = s['required']
    if s['type'] == 'list' and depth < 4:
        spec['member'] = shape_spec(shapes, s['member']['shape'], depth + 1)
    if s['type'] == 'map' and depth < 4:
        spec['key'] = shape_spec(shapes, s['key']['shape'], depth + 1)
        spec['value'] = shape_spec(shapes, s['value']['shape'], depth + 1)
    return spec

for svc in ('iam', 'sts', 'kms', 'organizations'):
    model = Loader().load_service_model(svc, 'service-2')
    shapes = model['shapes']
    ops = {}
    for op_name, op in sorted(model['operations'].items()):
        inp = shape_spec(shapes, op['input']['shape']) if 'input' in op else {'type': 'structure', 'members': {}}
        ops[op_name] = inp
    out = {'apiVersion': model['metadata']['apiVersion'], 'botocoreVersion': botocore.__version__, 'operations': ops}
    path = os.path.join(ROOT, 'server', 'src', 'services', svc, 'model.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(out, f, indent=0, sort_keys=True)
    print(path, len(ops), 'operations')
