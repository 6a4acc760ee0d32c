"""Smaller S3 features with boto3 against a live iamlocal (URL in argv[1]): multipart checksums (S3 User Guide "Checking
object integrity": composite "-N" checksums, full-object CRCs; API Reference CreateMultipartUpload, UploadPart,
CompleteMultipartUpload, GetObjectAttributes), bucket logging/website/notification configurations (PutBucketLogging,
PutBucketWebsite, PutBucketNotificationConfiguration), RestoreObject (API Reference RestoreObject; HeadObject Restore).
One JSON line per check."""
import base64, hashlib, json, os, sys, zlib
import boto3
from botocore.config import Config
from checks import check, error_of

URL = sys.argv[1]
CONFIG = Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'})
creds = dict(region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
root = boto3.client('s3', endpoint_url=URL, config=CONFIG, **creds)
iam = boto3.client('iam', endpoint_url=URL, config=CONFIG, **creds)
B = 'boto-misc'
root.create_bucket(Bucket=B)

# ---- multipart checksums ----
# One part keeps this cheap (parts before the last need 5 MB); the SDK v3 tests combine several.
parts = [os.urandom(100 * 1024)]
sha = lambda b: hashlib.sha256(b).digest()
created = root.create_multipart_upload(Bucket=B, Key='mp', ChecksumAlgorithm='SHA256')
check('create_multipart_upload echoes ChecksumAlgorithm and the COMPOSITE default', created.get('ChecksumAlgorithm') == 'SHA256' and created.get('ChecksumType') == 'COMPOSITE', created)
done_parts = []
for i, body in enumerate(parts):
    r = root.upload_part(Bucket=B, Key='mp', UploadId=created['UploadId'], PartNumber=i + 1, Body=body, ChecksumAlgorithm='SHA256')
    done_parts.append({'PartNumber': i + 1, 'ETag': r['ETag'], 'ChecksumSHA256': r['ChecksumSHA256']})
check('upload_part answers each part\'s SHA256', [p['ChecksumSHA256'] for p in done_parts] == [base64.b64encode(sha(p)).decode() for p in parts])
done = root.complete_multipart_upload(Bucket=B, Key='mp', UploadId=created['UploadId'], MultipartUpload={'Parts': done_parts})
expected = base64.b64encode(sha(sha(parts[0]))).decode() + '-1'
check('complete_multipart_upload: the composite SHA256 of the part checksums, -1', done.get('ChecksumSHA256') == expected and done.get('ChecksumType') == 'COMPOSITE', done)
attrs = root.get_object_attributes(Bucket=B, Key='mp', ObjectAttributes=['Checksum', 'ObjectParts'])
check('get_object_attributes: Checksum and each part\'s checksum', attrs['Checksum'] == {'ChecksumSHA256': expected, 'ChecksumType': 'COMPOSITE'}
      and [(p['PartNumber'], p['Size'], p['ChecksumSHA256']) for p in attrs['ObjectParts']['Parts']] == [(1, len(parts[0]), base64.b64encode(sha(parts[0])).decode())], attrs)

created = root.create_multipart_upload(Bucket=B, Key='full', ChecksumAlgorithm='CRC32', ChecksumType='FULL_OBJECT')
ps = []
for i, body in enumerate(parts):
    r = root.upload_part(Bucket=B, Key='full', UploadId=created['UploadId'], PartNumber=i + 1, Body=body, ChecksumAlgorithm='CRC32')
    ps.append({'PartNumber': i + 1, 'ETag': r['ETag']})
done = root.complete_multipart_upload(Bucket=B, Key='full', UploadId=created['UploadId'], MultipartUpload={'Parts': ps})
head = root.head_object(Bucket=B, Key='full', ChecksumMode='ENABLED')
whole = base64.b64encode((zlib.crc32(b''.join(parts)) & 0xffffffff).to_bytes(4, 'big')).decode()
check('FULL_OBJECT CRC32: the whole object\'s CRC32, on Complete and HEAD', done.get('ChecksumType') == 'FULL_OBJECT' and head.get('ChecksumCRC32') == whole == done.get('ChecksumCRC32')
      and head.get('ChecksumType') == 'FULL_OBJECT' and not done['ChecksumCRC32'].endswith('-1'), (done, head))
got = root.get_object(Bucket=B, Key='full', ChecksumMode='ENABLED')['Body'].read()
check('botocore validates the FULL_OBJECT CRC32 while reading the object', got == b''.join(parts))
e = error_of(lambda: root.create_multipart_upload(Bucket=B, Key='x', ChecksumAlgorithm='SHA1', ChecksumType='FULL_OBJECT'))
check('SHA1 with FULL_OBJECT: InvalidRequest', e and e['Code'] == 'InvalidRequest' and e['Message'] == 'The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm.', e)
copy = root.copy_object(Bucket=B, Key='copy', CopySource={'Bucket': B, 'Key': 'full'}, ChecksumAlgorithm='CRC32')
crc = base64.b64encode((zlib.crc32(b''.join(parts)) & 0xffffffff).to_bytes(4, 'big')).decode()
check('copy_object with ChecksumAlgorithm CRC32: the copy\'s full-object CRC32', copy['CopyObjectResult'].get('ChecksumCRC32') == crc, copy['CopyObjectResult'])

# s3transfer's upload with a full-object checksum: CreateMultipartUpload FULL_OBJECT, the CRC32 stated on Complete.
from boto3.s3.transfer import TransferConfig
import io
big = os.urandom(6 * 1024 * 1024)
crc_big = base64.b64encode((zlib.crc32(big) & 0xffffffff).to_bytes(4, 'big')).decode()
small_parts = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
root.upload_fileobj(io.BytesIO(big), B, 'stated', ExtraArgs={'ChecksumCRC32': crc_big}, Config=small_parts)
head = root.head_object(Bucket=B, Key='stated', ChecksumMode='ENABLED')
check('upload_fileobj with ChecksumCRC32: a 2-part FULL_OBJECT upload with that CRC32', head.get('ChecksumCRC32') == crc_big and head.get('ChecksumType') == 'FULL_OBJECT'
      and head['ETag'].endswith('-2"'), head)
try:
    root.upload_fileobj(io.BytesIO(big), B, 'misstated', ExtraArgs={'ChecksumCRC32': 'AAAAAA=='}, Config=small_parts)
    e = None
except Exception as ex:  # s3transfer wraps the ClientError
    e = str(ex)
check('a stated full-object CRC32 that is not the object\'s: BadDigest, nothing stored', e and 'BadDigest' in e
      and error_of(lambda: root.head_object(Bucket=B, Key='misstated')) is not None, e)

# ---- logging, website, notification configurations ----
root.create_bucket(Bucket='boto-logs', ObjectOwnership='ObjectWriter')
root.put_bucket_acl(Bucket='boto-logs', ACL='log-delivery-write')
root.put_bucket_logging(Bucket=B, BucketLoggingStatus={'LoggingEnabled': {'TargetBucket': 'boto-logs', 'TargetPrefix': 'misc/'}})
check('put/get_bucket_logging round-trip', root.get_bucket_logging(Bucket=B).get('LoggingEnabled') == {'TargetBucket': 'boto-logs', 'TargetPrefix': 'misc/'})
e = error_of(lambda: root.put_bucket_logging(Bucket=B, BucketLoggingStatus={'LoggingEnabled': {'TargetBucket': 'missing-target', 'TargetPrefix': ''}}))
check('a logging target that does not exist: InvalidTargetBucketForLogging', e and e['Code'] == 'InvalidTargetBucketForLogging' and e.get('TargetBucket') == 'missing-target', e)

root.put_bucket_website(Bucket=B, WebsiteConfiguration={'IndexDocument': {'Suffix': 'index.html'}, 'ErrorDocument': {'Key': '404.html'}})
w = root.get_bucket_website(Bucket=B)
check('put/get_bucket_website', w.get('IndexDocument') == {'Suffix': 'index.html'} and w.get('ErrorDocument') == {'Key': '404.html'}, w)
root.delete_bucket_website(Bucket=B)
e = error_of(lambda: root.get_bucket_website(Bucket=B))
check('get_bucket_website after delete: NoSuchWebsiteConfiguration', e and e['Code'] == 'NoSuchWebsiteConfiguration' and e.get('BucketName') == B, e)

topic = 'arn:aws:sns:us-east-1:123456789012:uploads'
root.put_bucket_notification_configuration(Bucket=B, SkipDestinationValidation=True, NotificationConfiguration={
    'TopicConfigurations': [{'Id': 'new-files', 'TopicArn': topic, 'Events': ['s3:ObjectCreated:*'],
                             'Filter': {'Key': {'FilterRules': [{'Name': 'suffix', 'Value': '.jpg'}]}}}]})
n = root.get_bucket_notification_configuration(Bucket=B)
check('put/get_bucket_notification_configuration', n.get('TopicConfigurations') == [{'Id': 'new-files', 'TopicArn': topic, 'Events': ['s3:ObjectCreated:*'],
      'Filter': {'Key': {'FilterRules': [{'Name': 'suffix', 'Value': '.jpg'}]}}}], n)
e = error_of(lambda: root.put_bucket_notification_configuration(Bucket=B, NotificationConfiguration={'QueueConfigurations': [{'QueueArn': 'not-an-arn', 'Events': ['s3:ObjectCreated:*']}]}))
check('a malformed queue ARN: InvalidArgument', e and e['Code'] == 'InvalidArgument' and e['Message'] == 'The ARN is not well formed', e)

# ---- SSE-S3 at rest (stored encrypted; what a client sees is unchanged) ----
data = os.urandom(100 * 1024)
put = root.put_object(Bucket=B, Key='sse-s3', Body=data)
got = root.get_object(Bucket=B, Key='sse-s3', Range='bytes=70000-70009')
check('an SSE-S3 object: AES256, MD5 ETag, ranges read in the clear', put['ServerSideEncryption'] == 'AES256' and put['ETag'] == '"%s"' % hashlib.md5(data).hexdigest()
      and got['Body'].read() == data[70000:70010], put['ETag'])

# ---- RestoreObject ----
import urllib.request
root.put_object(Bucket=B, Key='frozen', Body=b'ice', StorageClass='GLACIER')
e = error_of(lambda: root.get_object(Bucket=B, Key='frozen'))
check('get_object of a GLACIER object before restore: InvalidObjectState', e and e['Code'] == 'InvalidObjectState', e)
r = root.restore_object(Bucket=B, Key='frozen', RestoreRequest={'Days': 1, 'GlacierJobParameters': {'Tier': 'Expedited'}})
check('restore_object: 202 Accepted', r['ResponseMetadata']['HTTPStatusCode'] == 202, r['ResponseMetadata'])
check('head_object while it runs: Restore ongoing-request="true"', root.head_object(Bucket=B, Key='frozen').get('Restore') == 'ongoing-request="true"')
e = error_of(lambda: root.restore_object(Bucket=B, Key='frozen', RestoreRequest={'Days': 1}))
check('restore_object again: RestoreAlreadyInProgress', e and e['Code'] == 'RestoreAlreadyInProgress', e)
urllib.request.urlopen(urllib.request.Request(f'{URL}/_iamlocal/s3/restore/run', method='POST')).read()
head = root.head_object(Bucket=B, Key='frozen')
check('restored: Restore with an expiry-date, and the bytes readable', head.get('Restore', '').startswith('ongoing-request="false", expiry-date="')
      and root.get_object(Bucket=B, Key='frozen')['Body'].read() == b'ice', head.get('Restore'))
# Listings with OptionalObjectAttributes=['RestoreStatus'] (botocore's Object / ObjectVersion shapes).
listed = {o['Key']: o for o in root.list_objects_v2(Bucket=B, Prefix='frozen', OptionalObjectAttributes=['RestoreStatus'])['Contents']}
status = listed.get('frozen', {}).get('RestoreStatus', {})
check('list_objects_v2 RestoreStatus of the restored object', status.get('IsRestoreInProgress') is False and 'RestoreExpiryDate' in status, listed)
check('not asked: no RestoreStatus', 'RestoreStatus' not in root.list_objects_v2(Bucket=B, Prefix='frozen')['Contents'][0])
versions = root.list_object_versions(Bucket=B, Prefix='frozen', OptionalObjectAttributes=['RestoreStatus'])['Versions']
check('list_object_versions RestoreStatus', versions[0].get('RestoreStatus', {}).get('IsRestoreInProgress') is False, versions)
root.put_object(Bucket=B, Key='summed', Body=b'summed', ChecksumAlgorithm='SHA1')
summed = root.list_objects(Bucket=B, Prefix='summed')['Contents'][0]
check('ListObjects lists ChecksumAlgorithm and ChecksumType', summed.get('ChecksumAlgorithm') == ['SHA1'] and summed.get('ChecksumType') == 'FULL_OBJECT', summed)

# RestoreObject with VersionId (API Reference, RestoreObject): that version only; an unknown one is 404 NoSuchVersion.
VB = B + '-versions'
root.create_bucket(Bucket=VB)
root.put_bucket_versioning(Bucket=VB, VersioningConfiguration={'Status': 'Enabled'})
old = root.put_object(Bucket=VB, Key='frozen', Body=b'old ice', StorageClass='GLACIER')['VersionId']
root.put_object(Bucket=VB, Key='frozen', Body=b'new ice', StorageClass='GLACIER')
r = root.restore_object(Bucket=VB, Key='frozen', VersionId=old, RestoreRequest={'Days': 1})
check('restore_object VersionId: 202', r['ResponseMetadata']['HTTPStatusCode'] == 202, r['ResponseMetadata'])
check('only that version is being restored', root.head_object(Bucket=VB, Key='frozen', VersionId=old).get('Restore') == 'ongoing-request="true"'
      and 'Restore' not in root.head_object(Bucket=VB, Key='frozen'))
e = error_of(lambda: root.restore_object(Bucket=VB, Key='frozen', VersionId='A' * 32, RestoreRequest={'Days': 1}))
check('restore_object of an unknown version: NoSuchVersion', e and e['Code'] == 'NoSuchVersion' and e['Message'] == 'The specified version does not exist.', e)

print(json.dumps({'done': True}))
