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

print('{"done": true}')
