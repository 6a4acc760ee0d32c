"""S3 behaviours a public conformance suite (ceph/s3-tests, run with scripts/s3-conformance.sh) found iamlocal
getting wrong, pinned with boto3 against a live iamlocal (URL in argv[1]). One JSON line per check; exits non-zero on
the first failure."""
import sys
import boto3
from botocore.config import Config
from checks import check, error_of

URL = sys.argv[1]
CREDS = dict(aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
s3 = boto3.client('s3', endpoint_url=URL, config=Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}), **CREDS)
B = 'boto3-conformance'
s3.create_bucket(Bucket=B)

# ---- DeleteObjects keeps a key's spaces and characters (API Reference DeleteObjects: Key is the object's key name,
# any UTF-8; XML 1.0 numeric references such as &#10;, which botocore sends for a newline, are characters) ----
keys = [' ', '_ ', ' lead', 'tab\there', 'new\nline', 'a&b<c>']
for k in keys:
    s3.put_object(Bucket=B, Key=k, Body=b'x')
done = s3.delete_objects(Bucket=B, Delete={'Objects': [{'Key': k} for k in keys]})
check('delete_objects answers each key as sent', sorted(d['Key'] for d in done.get('Deleted', [])) == sorted(keys) and not done.get('Errors'), done)
left = s3.list_objects_v2(Bucket=B).get('Contents', [])
check('delete_objects removed keys with leading/trailing spaces, tabs and newlines', left == [], left)

# ---- ListObjects (V1) echoes Prefix unencoded; V2 encodes it. botocore adds encoding-type=url to both and decodes
# V1's Marker/NextMarker/Delimiter/keys and V2's Prefix/Delimiter/StartAfter/keys (botocore handlers decode_list_object*) ----
s3.put_object(Bucket=B, Key='pre fix/k', Body=b'x')
v1 = s3.list_objects(Bucket=B, Prefix='\n')
check('list_objects Prefix="\\n": Prefix comes back as sent', v1.get('Prefix') == '\n' and 'Contents' not in v1, v1.get('Prefix'))
v1 = s3.list_objects(Bucket=B, Prefix='pre fix/')
check('list_objects Prefix with a space: as sent, keys decoded', v1.get('Prefix') == 'pre fix/' and [o['Key'] for o in v1['Contents']] == ['pre fix/k'], v1.get('Prefix'))
v2 = s3.list_objects_v2(Bucket=B, Prefix='pre fix/')
check('list_objects_v2 Prefix with a space: decoded by botocore', v2.get('Prefix') == 'pre fix/' and [o['Key'] for o in v2['Contents']] == ['pre fix/k'], v2.get('Prefix'))

# ---- DeleteBucket with only multipart uploads in progress: deleted, uploads discarded (uploads are not objects:
# API Reference DeleteBucket requires "all objects (including all object versions and delete markers)" deleted) ----
s3.create_bucket(Bucket='boto3-conformance-mpu')
up = s3.create_multipart_upload(Bucket='boto3-conformance-mpu', Key='k')
s3.upload_part(Bucket='boto3-conformance-mpu', Key='k', UploadId=up['UploadId'], PartNumber=1, Body=b'part')
s3.delete_bucket(Bucket='boto3-conformance-mpu')
e = error_of(lambda: s3.list_multipart_uploads(Bucket='boto3-conformance-mpu'))
check('delete_bucket with an upload in progress deletes the bucket', e and e['Code'] == 'NoSuchBucket', e)

# ---- SigV2 header authentication ("Signing and authenticating REST requests", S3 API Reference): the request time
# (x-amz-date when present, else Date) is checked before the signature; a header without "AccessKeyId:signature" is a
# 400 InvalidArgument. botocore's SigV2 signer signs Date even beside x-amz-date, so these requests also carry a
# signature S3 would not accept: the time is what is refused first. ----
def v2_put_with(headers):
    v2 = boto3.client('s3', endpoint_url=URL, config=Config(signature_version='s3', retries={'max_attempts': 1}, s3={'addressing_style': 'path'}), **CREDS)
    v2.meta.events.register('before-call.s3.PutObject', lambda **kw: kw['params']['headers'].update(headers))
    return error_of(lambda: v2.put_object(Bucket=B, Key='v2', Body=b'x'))
e = v2_put_with({'x-amz-date': 'Bad Date'})
check('sigv2: an unreadable x-amz-date is 403 AccessDenied', e and e['Code'] == 'AccessDenied' and e['Message'] == 'AWS authentication requires a valid Date or x-amz-date header', e)
e = v2_put_with({'x-amz-date': ''})
check('sigv2: an empty x-amz-date is 403 AccessDenied (it is not replaced by Date)', e and e['Code'] == 'AccessDenied', e)
e = v2_put_with({'x-amz-date': 'Tue, 07 Jul 2010 21:53:04 GMT'})
check('sigv2: an x-amz-date of 2010 is 403 RequestTimeTooSkewed', e and e['Code'] == 'RequestTimeTooSkewed', e)
import email.utils, urllib.request, urllib.error
req = urllib.request.Request(f'{URL}/{B}/v2', data=b'x', method='PUT', headers={'Authorization': 'AWS HAHAHA', 'Date': email.utils.formatdate(usegmt=True)})
try:
    urllib.request.urlopen(req)
    status, text = 200, ''
except urllib.error.HTTPError as err:
    status, text = err.code, err.read().decode()
check('sigv2: "AWS HAHAHA" is 400 InvalidArgument naming the Authorization header', status == 400 and '<Code>InvalidArgument</Code>' in text
      and 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature' in text and '<ArgumentName>Authorization</ArgumentName>' in text, text)

# ---- Writes to a versioning-suspended bucket make the "null" version and answer without x-amz-version-id (PutObject
# API reference, sample response "Versioning suspended"; User Guide "Adding objects to versioning-suspended buckets") ----
SB = 'boto3-conformance-suspended'
s3.create_bucket(Bucket=SB)
s3.put_bucket_versioning(Bucket=SB, VersioningConfiguration={'Status': 'Suspended'})
put = s3.put_object(Bucket=SB, Key='k', Body=b'x')
up = s3.create_multipart_upload(Bucket=SB, Key='mp')
part = s3.upload_part(Bucket=SB, Key='mp', UploadId=up['UploadId'], PartNumber=1, Body=b'part')
done = s3.complete_multipart_upload(Bucket=SB, Key='mp', UploadId=up['UploadId'], MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
check('suspended bucket: put_object and complete_multipart_upload answer no VersionId', 'VersionId' not in put and 'VersionId' not in done, (put, done))
check('suspended bucket: head_object shows VersionId "null"', s3.head_object(Bucket=SB, Key='k').get('VersionId') == 'null')

# ---- SSE-C: a write without the key's MD5 is refused (User Guide "Using server-side encryption with customer-provided
# keys (SSE-C)": x-amz-server-side-encryption-customer-key-MD5 is a required header of the write) ----
nomd5 = boto3.client('s3', endpoint_url=URL, config=Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}), **CREDS)
nomd5.meta.events.register('before-call.s3.PutObject', lambda **kw: kw['params']['headers'].update({
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': 'pO3upElrwuEXSoFwCfnZPdSsmt/xWeFa0N9KgDijwVs='}))
e = error_of(lambda: nomd5.put_object(Bucket=B, Key='ssec', Body=b'x'))
check('SSE-C PutObject without the key MD5: 400 InvalidArgument', e and e['Code'] == 'InvalidArgument'
      and e['Message'] == 'Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.', e)

# ---- A lifecycle rule without an ID is given one (User Guide "Lifecycle configuration elements", ID element: "If you
# don't provide one, Amazon S3 will assign an ID") ----
s3.put_bucket_lifecycle_configuration(Bucket=B, LifecycleConfiguration={'Rules': [
    {'Expiration': {'Days': 31}, 'Filter': {'Prefix': 'a/'}, 'Status': 'Enabled'},
    {'ID': 'mine', 'Expiration': {'Days': 120}, 'Filter': {'Prefix': 'b/'}, 'Status': 'Enabled'}]})
rules = s3.get_bucket_lifecycle_configuration(Bucket=B)['Rules']
ids = [r.get('ID') for r in rules]
check('lifecycle: a rule without ID gets a generated one, a given ID is kept', len(ids) == 2 and ids[1] == 'mine' and isinstance(ids[0], str) and 0 < len(ids[0]) <= 255, rules)

# ---- ACLs disabled (BucketOwnerEnforced, the default of new buckets): only the bucket-owner-full-control ACL or its XML
# equivalent is accepted; an ACL with no grants is not that (User Guide "Controlling ownership of objects and disabling
# ACLs for your bucket": other ACL writes fail with AccessControlListNotSupported) ----
owner = s3.get_bucket_acl(Bucket=B)['Owner']
e = error_of(lambda: s3.put_bucket_acl(Bucket=B, AccessControlPolicy={'Owner': owner, 'Grants': []}))
check('BucketOwnerEnforced: put_bucket_acl with no grants is 400 AccessControlListNotSupported', e and e['Code'] == 'AccessControlListNotSupported', e)
s3.put_bucket_acl(Bucket=B, AccessControlPolicy={'Owner': owner, 'Grants': [{'Grantee': {'Type': 'CanonicalUser', 'ID': owner['ID']}, 'Permission': 'FULL_CONTROL'}]})
check('BucketOwnerEnforced: the owner-full-control XML ACL is accepted', len(s3.get_bucket_acl(Bucket=B)['Grants']) == 1)

print('{"done": true}')
