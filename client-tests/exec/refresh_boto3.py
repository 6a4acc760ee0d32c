# A long-running boto3 client: lists the bucket every 250 ms for argv[1] seconds, noting the access keys it signed with.
import json
import sys
import time

import boto3
from botocore.exceptions import ClientError

session = boto3.Session()
s3 = session.client('s3')
credentials = session.get_credentials()
until = time.time() + float(sys.argv[1])
keys, errors, calls = [], [], 0
while time.time() < until:
    try:
        s3.list_objects(Bucket='kjh-encryption-test1', Prefix='cli-s3api-kms/')
        calls += 1
        key = credentials.get_frozen_credentials().access_key
        if key not in keys:
            keys.append(key)
    except ClientError as e:
        errors.append(str(e))
    time.sleep(0.25)
print(json.dumps({'calls': calls, 'errors': errors, 'keys': keys}))
