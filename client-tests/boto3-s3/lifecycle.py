"""Bucket lifecycle configuration with boto3 against a live iamlocal (URL in argv[1]): put/get/delete of the
configuration, AWS's refusals, IAM (s3:PutLifecycleConfiguration / s3:GetLifecycleConfiguration), and expiration
applied through the admin API (POST /_iamlocal/s3/lifecycle/run?now=...). AWS references: API Reference
PutBucketLifecycleConfiguration / GetBucketLifecycleConfiguration / DeleteBucketLifecycle; S3 User Guide
"Lifecycle configuration elements"; Service Authorization Reference for Amazon S3. One JSON line per check."""
import datetime, json, sys, urllib.parse, urllib.request
import boto3
from botocore.config import Config
from checks import check, error_of

URL = sys.argv[1]
CONFIG = Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'})
root = boto3.client('s3', endpoint_url=URL, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test', config=CONFIG)
iam = boto3.client('iam', endpoint_url=URL, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test', config=CONFIG)
B = 'boto-lifecycle'
root.create_bucket(Bucket=B)

e = error_of(lambda: root.get_bucket_lifecycle_configuration(Bucket=B))
check('get without a configuration: NoSuchLifecycleConfiguration with BucketName', e and e['Code'] == 'NoSuchLifecycleConfiguration'
      and e['Message'] == 'The lifecycle configuration does not exist' and e.get('BucketName') == B, e)

rules = [{'ID': 'tmp', 'Filter': {'Prefix': 'tmp/'}, 'Status': 'Enabled', 'Expiration': {'Days': 2},
          'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 1}},
         {'ID': 'dated', 'Filter': {'Tag': {'Key': 'k', 'Value': 'v'}}, 'Status': 'Enabled',
          'Expiration': {'Date': datetime.datetime(2031, 1, 1, tzinfo=datetime.timezone.utc)}}]
put = root.put_bucket_lifecycle_configuration(Bucket=B, LifecycleConfiguration={'Rules': rules})
check('put echoes TransitionDefaultMinimumObjectSize', put.get('TransitionDefaultMinimumObjectSize') == 'all_storage_classes_128K', put)
got = root.get_bucket_lifecycle_configuration(Bucket=B)
check('put then get round-trips the rules', got['Rules'] == rules, got['Rules'])

e = error_of(lambda: root.put_bucket_lifecycle_configuration(Bucket=B, LifecycleConfiguration={'Rules': [
    {'ID': 'x', 'Filter': {}, 'Status': 'Enabled', 'Expiration': {'Days': -1}}]}))
check('Days <= 0: InvalidArgument', e and e['Code'] == 'InvalidArgument' and e['Message'] == "'Days' for Expiration action must be a positive integer", e)
e = error_of(lambda: root.put_bucket_lifecycle_configuration(Bucket=B, LifecycleConfiguration={'Rules': [
    {'ID': 'x', 'Filter': {}, 'Status': 'Enabled', 'Expiration': {'Date': datetime.datetime(2031, 1, 1, 6, tzinfo=datetime.timezone.utc)}}]}))
check('a Date not at midnight: InvalidArgument', e and e['Code'] == 'InvalidArgument' and e['Message'] == "'Date' must be at midnight GMT", e)
e = error_of(lambda: root.put_bucket_lifecycle_configuration(Bucket=B, LifecycleConfiguration={'Rules': [
    {'ID': 'x', 'Status': 'Enabled', 'Expiration': {'Days': 1}}]}))
check('neither Filter nor Prefix: MalformedXML', e and e['Code'] == 'MalformedXML', e)

iam.create_user(UserName='ops')
key = iam.create_access_key(UserName='ops')['AccessKey']
iam.put_user_policy(UserName='ops', PolicyName='p', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': 's3:GetLifecycleConfiguration', 'Resource': f'arn:aws:s3:::{B}'}]}))
user = boto3.client('s3', endpoint_url=URL, region_name='us-east-1', aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'], config=CONFIG)
check('s3:GetLifecycleConfiguration lets the user read the rules', user.get_bucket_lifecycle_configuration(Bucket=B)['Rules'] == rules)
e = error_of(lambda: user.delete_bucket_lifecycle(Bucket=B))
check('delete_bucket_lifecycle takes s3:PutLifecycleConfiguration', e and e['Code'] == 'AccessDenied' and e['Message'] ==
      f'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: s3:PutLifecycleConfiguration on resource: "arn:aws:s3:::{B}" because no identity-based policy allows the s3:PutLifecycleConfiguration action', e)

root.put_object(Bucket=B, Key='tmp/a', Body=b'a')
root.put_object(Bucket=B, Key='keep/b', Body=b'b')
upload = root.create_multipart_upload(Bucket=B, Key='tmp/big')
later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=5)).isoformat()
req = urllib.request.Request(f'{URL}/_iamlocal/s3/lifecycle/run?now={urllib.parse.quote(later)}', method='POST')
with urllib.request.urlopen(req) as r:
    run = json.loads(r.read())
check('the lifecycle run reports what it removed', run['expired'] == [{'bucket': B, 'key': 'tmp/a', 'rule': 'tmp'}]
      and run['aborted'] == [{'bucket': B, 'key': 'tmp/big', 'uploadId': upload['UploadId'], 'rule': 'tmp'}], run)
check('expired objects are gone, others stay', [o['Key'] for o in root.list_objects_v2(Bucket=B)['Contents']] == ['keep/b'])

root.delete_bucket_lifecycle(Bucket=B)
e = error_of(lambda: root.get_bucket_lifecycle_configuration(Bucket=B))
check('after delete: NoSuchLifecycleConfiguration', e and e['Code'] == 'NoSuchLifecycleConfiguration', e)
print(json.dumps({'done': True}))
