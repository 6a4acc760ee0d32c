"""S3 versioning with boto3 and the AWS CLI (v1) against a live iamlocal (URL in argv[1]): put/get-bucket-versioning,
version ids, delete markers, list-object-versions paged by the CLI, `aws s3 rm --recursive` on a versioned bucket,
boto3's bucket.object_versions.delete() and the usual "empty the bucket" loop, and enforcement (a role allowed
s3:GetObject but not s3:GetObjectVersion). AWS references: S3 User Guide "Using versioning in S3 buckets",
"Deleting object versions"; API Reference PutBucketVersioning, ListObjectVersions, GetObject, DeleteObjects; Service
Authorization Reference for Amazon S3. One JSON line per check."""
import json, os, subprocess, sys
import boto3
from botocore.config import Config
from checks import aws_cli, check, error_of

URL = sys.argv[1]
CONFIG = Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'})
KW = dict(endpoint_url=URL, region_name='us-east-1', config=CONFIG)
root = boto3.client('s3', aws_access_key_id='test', aws_secret_access_key='test', **KW)
iam = boto3.client('iam', aws_access_key_id='test', aws_secret_access_key='test', **KW)
sts = boto3.client('sts', aws_access_key_id='test', aws_secret_access_key='test', **KW)
B = 'boto-versions'
root.create_bucket(Bucket=B)

aws_cli(URL, 's3api', 'put-bucket-versioning', '--bucket', B, '--versioning-configuration', 'Status=Enabled')
check('cli put-bucket-versioning, boto3 reads Enabled', root.get_bucket_versioning(Bucket=B).get('Status') == 'Enabled')
ids = [root.put_object(Bucket=B, Key='a', Body=str(i).encode())['VersionId'] for i in range(3)]
ids_c = [root.put_object(Bucket=B, Key='b/c', Body=b'c')['VersionId'] for _ in range(2)]
check('every write in an Enabled bucket gets its own version id', len(set(ids + ids_c)) == 5, ids + ids_c)
marker = root.delete_object(Bucket=B, Key='a')
check('delete without a version id: a delete marker', marker.get('DeleteMarker') is True and marker.get('VersionId'), marker)

e = None
try:
    root.get_object(Bucket=B, Key='a')
except root.exceptions.NoSuchKey as err:
    e = err.response
check('GET of a deleted key: NoSuchKey with x-amz-delete-marker', e and e['ResponseMetadata']['HTTPHeaders'].get('x-amz-delete-marker') == 'true'
      and e['ResponseMetadata']['HTTPHeaders'].get('x-amz-version-id') == marker['VersionId'], e and e['ResponseMetadata'])
e = error_of(lambda: root.get_object(Bucket=B, Key='a', VersionId=marker['VersionId']))
check('GET of a delete marker by version id: 405 MethodNotAllowed', e and e['Code'] == 'MethodNotAllowed', e)
got = root.get_object(Bucket=B, Key='a', VersionId=ids[0])
check('GET by version id reads that version', got['Body'].read() == b'0' and got['VersionId'] == ids[0])
check('HEAD by version id', root.head_object(Bucket=B, Key='a', VersionId=ids[1])['VersionId'] == ids[1])

# The CLI pages list-object-versions with KeyMarker/VersionIdMarker (--page-size 2: three pages).
listed = aws_cli(URL, 's3api', 'list-object-versions', '--bucket', B, '--page-size', '2')
check('cli list-object-versions pages through every version and marker', sorted(v['VersionId'] for v in listed.get('Versions', [])) == sorted(ids + ids_c)
      and [m['VersionId'] for m in listed.get('DeleteMarkers', [])] == [marker['VersionId']], listed)
latest = {(v['Key'], v['VersionId']) for v in listed['Versions'] if v['IsLatest']}
check('IsLatest: the newest version of b/c only (a is deleted)', latest == {('b/c', ids_c[-1])}, latest)
check('list_objects_v2 shows current versions only', [o['Key'] for o in root.list_objects_v2(Bucket=B).get('Contents', [])] == ['b/c'])

# Enforcement: a role allowed s3:GetObject only reads current versions.
trust = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::123456789012:root'}, 'Action': 'sts:AssumeRole'}]}
iam.create_role(RoleName='reader', AssumeRolePolicyDocument=json.dumps(trust))
iam.put_role_policy(RoleName='reader', PolicyName='p', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': f'arn:aws:s3:::{B}/*'}]}))
# Roles are assumed by a user (root may not): a user whose policy allows sts:AssumeRole, trusted through the account.
iam.create_user(UserName='dev')
iam.put_user_policy(UserName='dev', PolicyName='assume', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Resource': 'arn:aws:iam::123456789012:role/reader'}]}))
dev_key = iam.create_access_key(UserName='dev')['AccessKey']
sts = boto3.client('sts', aws_access_key_id=dev_key['AccessKeyId'], aws_secret_access_key=dev_key['SecretAccessKey'], **KW)
creds = sts.assume_role(RoleArn='arn:aws:iam::123456789012:role/reader', RoleSessionName='sess')['Credentials']
reader = boto3.client('s3', aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'], aws_session_token=creds['SessionToken'], **KW)
check('the role reads the current version', reader.get_object(Bucket=B, Key='b/c')['Body'].read() == b'c')
e = error_of(lambda: reader.get_object(Bucket=B, Key='b/c', VersionId=ids_c[0]))
check('a version id needs s3:GetObjectVersion: AWS text', e and e['Code'] == 'AccessDenied' and e['Message'] ==
      f'User: arn:aws:sts::123456789012:assumed-role/reader/sess is not authorized to perform: s3:GetObjectVersion on resource: "arn:aws:s3:::{B}/b/c" because no identity-based policy allows the s3:GetObjectVersion action', e)

# `aws s3 rm --recursive` on a versioned bucket deletes without version ids: delete markers, nothing lost.
env = {'PATH': os.environ.get('PATH', ''), 'HOME': os.environ.get('HOME', '/tmp'), 'AWS_ACCESS_KEY_ID': 'test', 'AWS_SECRET_ACCESS_KEY': 'test',
       'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_CONFIG_FILE': '/dev/null', 'AWS_SHARED_CREDENTIALS_FILE': '/dev/null'}
out = subprocess.run([sys.executable, '-m', 'awscli', '--endpoint-url', URL, 's3', 'rm', f's3://{B}', '--recursive'], env=env, capture_output=True, text=True)
check('aws s3 rm --recursive succeeds', out.returncode == 0 and 'delete: s3://boto-versions/b/c' in out.stdout, out.stdout + out.stderr)
after = root.list_object_versions(Bucket=B)
check('after s3 rm: no current objects, a delete marker on top of b/c, every version kept', 'Contents' not in root.list_objects_v2(Bucket=B)
      and {m['Key'] for m in after['DeleteMarkers'] if m['IsLatest']} == {'a', 'b/c'} and len(after['Versions']) == 5, after)
e = error_of(lambda: root.delete_bucket(Bucket=B))
check('a bucket holding versions is not empty', e and e['Code'] == 'BucketNotEmpty', e)

# boto3's resource API empties a versioned bucket: object_versions.delete() sends DeleteObjects with version ids.
bucket = boto3.resource('s3', aws_access_key_id='test', aws_secret_access_key='test', **KW).Bucket(B)
check('object_versions.all() sees versions and markers', len(list(bucket.object_versions.all())) == 7)
bucket.object_versions.delete()
after = root.list_object_versions(Bucket=B)
check('object_versions.delete() leaves nothing', 'Versions' not in after and 'DeleteMarkers' not in after, after)
root.delete_bucket(Bucket=B)
check('then the bucket can be deleted', B not in [b['Name'] for b in root.list_buckets()['Buckets']])

# The usual "empty the bucket" loop on an unversioned bucket: every object is its null version.
P = 'boto-plain'
root.create_bucket(Bucket=P)
for i in range(5):
    root.put_object(Bucket=P, Key=f'k{i}', Body=b'x')
for page in root.get_paginator('list_object_versions').paginate(Bucket=P, PaginationConfig={'PageSize': 2}):
    entries = page.get('Versions', []) + page.get('DeleteMarkers', [])
    check('unversioned bucket: VersionId "null"', all(v['VersionId'] == 'null' and v['IsLatest'] for v in entries), entries)
    if entries:
        root.delete_objects(Bucket=P, Delete={'Objects': [{'Key': v['Key'], 'VersionId': v['VersionId']} for v in entries]})
check('the loop empties the bucket', 'Contents' not in root.list_objects_v2(Bucket=P))
root.delete_bucket(Bucket=P)
print(json.dumps({'done': True}))
