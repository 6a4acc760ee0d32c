"""S3 Object Lock with boto3 and the AWS CLI (v1) against a live iamlocal (URL in argv[1]): create-bucket
--object-lock-enabled-for-bucket, put/get-object-lock-configuration, put-object-retention / put-object-legal-hold,
locked versions refused on delete with AWS's text, the governance bypass, and the Content-MD5 / checksum requirement of
a PutObject with lock headers. AWS references: S3 User Guide "Locking objects with Object Lock"; API Reference
PutObjectLockConfiguration, PutObjectRetention, PutObjectLegalHold, PutObject, DeleteObject. One JSON line per check."""
import datetime, json, sys
import boto3
from botocore.config import Config
from checks import aws_cli, check, error_of

URL = sys.argv[1]
KW = dict(endpoint_url=URL, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
root = boto3.client('s3', config=Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}), **KW)
B = 'boto-lock'
PROTECTED = 'Access Denied because object protected by object lock.'
soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).replace(microsecond=0)

aws_cli(URL, 's3api', 'create-bucket', '--bucket', B, '--object-lock-enabled-for-bucket')
check('cli create-bucket --object-lock-enabled-for-bucket turns versioning on', root.get_bucket_versioning(Bucket=B).get('Status') == 'Enabled')
aws_cli(URL, 's3api', 'put-object-lock-configuration', '--bucket', B, '--object-lock-configuration',
        json.dumps({'ObjectLockEnabled': 'Enabled', 'Rule': {'DefaultRetention': {'Mode': 'GOVERNANCE', 'Days': 1}}}))
config = root.get_object_lock_configuration(Bucket=B)['ObjectLockConfiguration']
check('the default retention round-trips', config == {'ObjectLockEnabled': 'Enabled', 'Rule': {'DefaultRetention': {'Mode': 'GOVERNANCE', 'Days': 1}}}, config)

v = root.put_object(Bucket=B, Key='k', Body=b'x')['VersionId']
head = root.head_object(Bucket=B, Key='k')
check('a new version gets the default retention (HEAD shows it)', head.get('ObjectLockMode') == 'GOVERNANCE' and head.get('ObjectLockRetainUntilDate'), head)
e = error_of(lambda: root.delete_object(Bucket=B, Key='k', VersionId=v))
check('deleting a retained version: 403 with AWS text', e and e['Code'] == 'AccessDenied' and e['Message'] == PROTECTED, e)

until = soon.isoformat().replace('+00:00', 'Z')
aws_cli(URL, 's3api', 'put-object-retention', '--bucket', B, '--key', 'k', '--version-id', v, '--retention', f'Mode=COMPLIANCE,RetainUntilDate={until}')
got = aws_cli(URL, 's3api', 'get-object-retention', '--bucket', B, '--key', 'k', '--version-id', v)
check('cli put-object-retention makes it COMPLIANCE', got.get('Retention', {}).get('Mode') == 'COMPLIANCE', got)
e = error_of(lambda: root.delete_object(Bucket=B, Key='k', VersionId=v, BypassGovernanceRetention=True))
check('COMPLIANCE ignores the governance bypass', e and e['Message'] == PROTECTED, e)
e = error_of(lambda: root.put_object_retention(Bucket=B, Key='k', VersionId=v, Retention={'Mode': 'COMPLIANCE', 'RetainUntilDate': soon - datetime.timedelta(days=1)}))
check('COMPLIANCE cannot be shortened', e and e['Code'] == 'AccessDenied' and e['Message'] == PROTECTED, e)
check('a delete without a version id still adds a delete marker', root.delete_object(Bucket=B, Key='k').get('DeleteMarker') is True)

g = root.put_object(Bucket=B, Key='g', Body=b'g', ObjectLockMode='GOVERNANCE', ObjectLockRetainUntilDate=soon)['VersionId']
aws_cli(URL, 's3api', 'put-object-legal-hold', '--bucket', B, '--key', 'g', '--legal-hold', 'Status=ON')
check('legal hold read back', root.get_object_legal_hold(Bucket=B, Key='g')['LegalHold']['Status'] == 'ON')
res = root.delete_objects(Bucket=B, Delete={'Objects': [{'Key': 'g', 'VersionId': g}]}, BypassGovernanceRetention=True)
check('DeleteObjects reports a version under legal hold per key', [(x['Key'], x['Code'], x['Message']) for x in res.get('Errors', [])] == [('g', 'AccessDenied', PROTECTED)], res)
root.put_object_legal_hold(Bucket=B, Key='g', LegalHold={'Status': 'OFF'})
e = error_of(lambda: root.delete_object(Bucket=B, Key='g', VersionId=g))
check('GOVERNANCE without the bypass: refused', e and e['Message'] == PROTECTED, e)
root.delete_object(Bucket=B, Key='g', VersionId=g, BypassGovernanceRetention=True)
check('with the bypass the version is gone', all(x['VersionId'] != g for x in root.list_object_versions(Bucket=B).get('Versions', [])))

# A client that sends no checksum (botocore's when_required) with lock headers: AWS asks for one.
bare = boto3.client('s3', config=Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}, request_checksum_calculation='when_required'), **KW)
e = error_of(lambda: bare.put_object(Bucket=B, Key='n', Body=b'n', ObjectLockMode='GOVERNANCE', ObjectLockRetainUntilDate=soon))
check('lock headers without Content-MD5 or a checksum: InvalidRequest', e and e['Code'] == 'InvalidRequest'
      and e['Message'] == 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters', e)
e = error_of(lambda: bare.put_object(Bucket=B, Key='n', Body=b'n'))
check('with a default retention, a plain PutObject without a checksum is refused the same way', e and e['Code'] == 'InvalidRequest', e)
e = error_of(lambda: root.put_object(Bucket=B, Key='n', Body=b'n', ObjectLockMode='FOREVER', ObjectLockRetainUntilDate=soon))
check('an unknown mode: InvalidArgument', e and e['Code'] == 'InvalidArgument' and e['Message'] == 'Unknown wormMode directive.', e)
print(json.dumps({'done': True}))
