# The story's code with boto3, unchanged whatever role it runs as: no credentials, endpoint or region in it.
import json

import boto3
from botocore.exceptions import ClientError

s3 = boto3.client('s3')
who = boto3.client('sts').get_caller_identity()
listed = s3.list_objects(Bucket='kjh-encryption-test1', Prefix='cli-s3api-kms/')
denied = None
try:
    s3.list_buckets()
except ClientError as e:
    denied = {'code': e.response['Error']['Code'], 'message': e.response['Error']['Message']}
contents = listed.get('Contents', [])
print(json.dumps({'arn': who['Arn'], 'keys': [o['Key'] for o in contents], 'owner': contents[0].get('Owner') if contents else None, 'denied': denied}))
