"""Bucket CORS with boto3 against a live iamlocal (URL in argv[1]): put/get/delete_bucket_cors, AWS's refusals, IAM
(s3:PutBucketCORS / s3:GetBucketCORS), and the preflight a browser would send (plain urllib, no signature).
AWS references: API Reference PutBucketCors / GetBucketCors / DeleteBucketCors; S3 User Guide "Using cross-origin
resource sharing (CORS)"; Service Authorization Reference for Amazon S3. One JSON line per check."""
import json, sys, urllib.error, urllib.request
import boto3
from botocore.config import Config
from checks import check, error_of

URL = sys.argv[1]
CONFIG = Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'})
root = boto3.client('s3', endpoint_url=URL, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test', config=CONFIG)
iam = boto3.client('iam', endpoint_url=URL, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test', config=CONFIG)
B = 'boto-cors'
root.create_bucket(Bucket=B)

e = error_of(lambda: root.get_bucket_cors(Bucket=B))
check('get_bucket_cors without a configuration: NoSuchCORSConfiguration', e and e['Code'] == 'NoSuchCORSConfiguration'
      and e['Message'] == 'The CORS configuration does not exist' and e.get('BucketName') == B, e)

rules = [{'ID': 'app', 'AllowedOrigins': ['https://app.example.com'], 'AllowedMethods': ['GET', 'POST'], 'AllowedHeaders': ['x-amz-*'],
          'ExposeHeaders': ['ETag'], 'MaxAgeSeconds': 60}]
root.put_bucket_cors(Bucket=B, CORSConfiguration={'CORSRules': rules})
check('put then get_bucket_cors round-trips the rules', root.get_bucket_cors(Bucket=B)['CORSRules'] == rules)

e = error_of(lambda: root.put_bucket_cors(Bucket=B, CORSConfiguration={'CORSRules': [{'AllowedOrigins': ['*'], 'AllowedMethods': ['MYMETHOD']}]}))
check('an unsupported method: InvalidRequest', e and e['Code'] == 'InvalidRequest'
      and e['Message'] == 'Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD', e)
e = error_of(lambda: root.put_bucket_cors(Bucket=B, CORSConfiguration={'CORSRules': [{'AllowedOrigins': ['http://*.*.com'], 'AllowedMethods': ['GET']}]}))
check('two wildcards in an AllowedOrigin: InvalidRequest', e and e['Code'] == 'InvalidRequest' and 'can not have more than one wildcard' in e['Message'], e)


def preflight(path, headers):
    req = urllib.request.Request(URL + path, method='OPTIONS', headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


status, headers, _ = preflight(f'/{B}/k', {'Origin': 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-amz-date'})
check('a matching preflight: 200 with the origin echoed and the rule\'s methods', status == 200 and headers.get('Access-Control-Allow-Origin') == 'https://app.example.com'
      and headers.get('Access-Control-Allow-Methods') == 'GET, POST' and headers.get('Access-Control-Allow-Headers') == 'x-amz-date'
      and headers.get('Access-Control-Max-Age') == '60', headers)
status, headers, body = preflight(f'/{B}/k', {'Origin': 'https://evil.example', 'Access-Control-Request-Method': 'GET'})
check('another origin: 403 AccessForbidden', status == 403 and '<Code>AccessForbidden</Code>' in body and 'Access-Control-Allow-Origin' not in headers, body)

iam.create_user(UserName='web')
key = iam.create_access_key(UserName='web')['AccessKey']
iam.put_user_policy(UserName='web', PolicyName='p', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': 's3:GetBucketCORS', 'Resource': f'arn:aws:s3:::{B}'}]}))
user = boto3.client('s3', endpoint_url=URL, region_name='us-east-1', aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'], config=CONFIG)
check('s3:GetBucketCORS lets the user read the rules', user.get_bucket_cors(Bucket=B)['CORSRules'] == rules)
e = error_of(lambda: user.delete_bucket_cors(Bucket=B))
check('delete_bucket_cors takes s3:PutBucketCORS', e and e['Code'] == 'AccessDenied' and e['Message'] ==
      f'User: arn:aws:iam::123456789012:user/web is not authorized to perform: s3:PutBucketCORS on resource: "arn:aws:s3:::{B}" because no identity-based policy allows the s3:PutBucketCORS action', e)

root.delete_bucket_cors(Bucket=B)
status, _, body = preflight(f'/{B}', {'Origin': 'https://app.example.com', 'Access-Control-Request-Method': 'GET'})
check('after delete_bucket_cors: CORS is not enabled', status == 403 and 'CORSResponse: CORS is not enabled for this bucket.' in body, body)
print(json.dumps({'done': True}))
