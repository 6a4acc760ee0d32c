"""S3 object features with boto3 against a live iamlocal (URL in argv[1]): SSE-C, conflicting SSE headers, conditional
writes, storage classes, CompleteMultipartUpload retries, listing edge cases, SigV2 (path style, x-amz-date) and
non-ASCII metadata. One JSON line per check; exits non-zero on the first failure."""
import base64, hashlib, os, secrets, sys
import boto3
from botocore.config import Config
from checks import check, error_of

URL = sys.argv[1]
CREDS = dict(aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
s3 = boto3.client('s3', endpoint_url=URL, config=Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}), **CREDS)
B = 'boto3-objects'

# SigV2 (botocore's 's3' signer) signs CanonicalizedResource /bucket/ for a path-style request to the bucket itself.
v2 = boto3.client('s3', endpoint_url=URL, config=Config(signature_version='s3', retries={'max_attempts': 1}, s3={'addressing_style': 'path'}), **CREDS)
v2.create_bucket(Bucket=B)
check('sigv2 path-style CreateBucket and ListObjects verify', v2.list_objects(Bucket=B).get('Contents') is None)

# ---- SSE-C (https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html) ----
# botocore takes the key as a str of 32 bytes and base64-encodes it (and computes its MD5) itself.
key = secrets.token_hex(16)
other = secrets.token_hex(16)
put = s3.put_object(Bucket=B, Key='secret.txt', Body=b'attack at dawn', SSECustomerAlgorithm='AES256', SSECustomerKey=key)
md5 = base64.b64encode(hashlib.md5(key.encode()).digest()).decode()
check('PutObject echoes the SSE-C algorithm and key MD5', put.get('SSECustomerAlgorithm') == 'AES256' and put.get('SSECustomerKeyMD5') == md5
      and 'ServerSideEncryption' not in put, put)
got = s3.get_object(Bucket=B, Key='secret.txt', SSECustomerAlgorithm='AES256', SSECustomerKey=key)
check('GetObject with the key decrypts', got['Body'].read() == b'attack at dawn' and got['SSECustomerKeyMD5'] == md5)
rng = s3.get_object(Bucket=B, Key='secret.txt', SSECustomerAlgorithm='AES256', SSECustomerKey=key, Range='bytes=7-12')
check('a range of an SSE-C object decrypts', rng['Body'].read() == b'at daw')
err = error_of(lambda: s3.get_object(Bucket=B, Key='secret.txt'))
check('GetObject without the key: 400 InvalidRequest', err and err['Code'] == 'InvalidRequest'
      and err['Message'] == 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.', err)
err = error_of(lambda: s3.get_object(Bucket=B, Key='secret.txt', SSECustomerAlgorithm='AES256', SSECustomerKey=other))
check('GetObject with another key: 403 AccessDenied', err and err['Code'] == 'AccessDenied'
      and err['Message'] == 'Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.', err)
err = error_of(lambda: s3.head_object(Bucket=B, Key='secret.txt'))
check('HeadObject without the key: 400', err and err['Code'] == '400', err)
head = s3.head_object(Bucket=B, Key='secret.txt', SSECustomerAlgorithm='AES256', SSECustomerKey=key)
check('HeadObject with the key', head['ContentLength'] == 14 and head['SSECustomerAlgorithm'] == 'AES256')
err = error_of(lambda: s3.put_object(Bucket=B, Key='bad-md5', Body=b'x', SSECustomerAlgorithm='AES256', SSECustomerKey=key,
                                     SSECustomerKeyMD5=base64.b64encode(hashlib.md5(other.encode()).digest()).decode()))
check('key MD5 mismatch: 400 InvalidArgument', err and err['Code'] == 'InvalidArgument'
      and err['Message'] == 'The calculated MD5 hash of the key did not match the hash that was provided.', err)
err = error_of(lambda: s3.put_object(Bucket=B, Key='short-key', Body=b'x', SSECustomerAlgorithm='AES256', SSECustomerKey=secrets.token_hex(8)))
check('a 128-bit key: 400 InvalidArgument', err and err['Message'] == 'The secret key was invalid for the specified algorithm.', err)
err = error_of(lambda: s3.put_object(Bucket=B, Key='both', Body=b'x', SSECustomerAlgorithm='AES256', SSECustomerKey=key, ServerSideEncryption='AES256'))
check('SSE-C with x-amz-server-side-encryption: 400 InvalidArgument', err and err['Code'] == 'InvalidArgument'
      and err['Message'] == 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified', err)
err = error_of(lambda: s3.put_object(Bucket=B, Key='aes-kms', Body=b'x', ServerSideEncryption='AES256', SSEKMSKeyId='alias/mine'))
check('AES256 with a KMS key id: 400 InvalidArgument', err and err['Code'] == 'InvalidArgument', err)
s3.put_object(Bucket=B, Key='plain.txt', Body=b'plain')
err = error_of(lambda: s3.get_object(Bucket=B, Key='plain.txt', SSECustomerAlgorithm='AES256', SSECustomerKey=key))
check('SSE-C headers on a plain object: 400 InvalidRequest', err and err['Message'] == 'The encryption parameters are not applicable to this object.', err)

# Copy: decrypted with the copy-source key, re-encrypted with the target key.
copied = s3.copy_object(Bucket=B, Key='rekeyed.txt', CopySource={'Bucket': B, 'Key': 'secret.txt'},
                        CopySourceSSECustomerAlgorithm='AES256', CopySourceSSECustomerKey=key, SSECustomerAlgorithm='AES256', SSECustomerKey=other)
check('CopyObject re-keys an SSE-C object', copied.get('SSECustomerAlgorithm') == 'AES256'
      and s3.get_object(Bucket=B, Key='rekeyed.txt', SSECustomerAlgorithm='AES256', SSECustomerKey=other)['Body'].read() == b'attack at dawn')
err = error_of(lambda: s3.copy_object(Bucket=B, Key='x.txt', CopySource={'Bucket': B, 'Key': 'secret.txt'}))
check('CopyObject of an SSE-C source without its key: 400 InvalidRequest', err and err['Code'] == 'InvalidRequest', err)
s3.copy_object(Bucket=B, Key='decrypted.txt', CopySource={'Bucket': B, 'Key': 'secret.txt'}, CopySourceSSECustomerAlgorithm='AES256', CopySourceSSECustomerKey=key)
check('CopyObject to a plain object', s3.get_object(Bucket=B, Key='decrypted.txt')['Body'].read() == b'attack at dawn')

# Multipart under SSE-C: each part encrypted with the upload's key; UploadPartCopy from an SSE-C source.
big = os.urandom(5 * 1024 * 1024 + 7)
up = s3.create_multipart_upload(Bucket=B, Key='mp-secret', SSECustomerAlgorithm='AES256', SSECustomerKey=key, StorageClass='STANDARD_IA')
check('CreateMultipartUpload echoes SSE-C', up.get('SSECustomerAlgorithm') == 'AES256')
uid = up['UploadId']
err = error_of(lambda: s3.upload_part(Bucket=B, Key='mp-secret', UploadId=uid, PartNumber=1, Body=b'x'))
check('UploadPart without the key: 400 InvalidRequest', err and err['Code'] == 'InvalidRequest', err)
err = error_of(lambda: s3.upload_part(Bucket=B, Key='mp-secret', UploadId=uid, PartNumber=1, Body=b'x', SSECustomerAlgorithm='AES256', SSECustomerKey=other))
check('UploadPart with another key: 400', err and err['Message'] == 'The provided encryption parameters did not match the ones used originally.', err)
p1 = s3.upload_part(Bucket=B, Key='mp-secret', UploadId=uid, PartNumber=1, Body=big, SSECustomerAlgorithm='AES256', SSECustomerKey=key)
check('UploadPart echoes SSE-C', p1.get('SSECustomerKeyMD5') == md5)
p2 = s3.upload_part_copy(Bucket=B, Key='mp-secret', UploadId=uid, PartNumber=2, CopySource={'Bucket': B, 'Key': 'secret.txt'}, CopySourceRange='bytes=0-5',
                         CopySourceSSECustomerAlgorithm='AES256', CopySourceSSECustomerKey=key, SSECustomerAlgorithm='AES256', SSECustomerKey=key)
check('UploadPartCopy into an SSE-C upload echoes SSE-C', p2.get('SSECustomerAlgorithm') == 'AES256', p2)
parts = {'Parts': [{'PartNumber': 1, 'ETag': p1['ETag']}, {'PartNumber': 2, 'ETag': p2['CopyPartResult']['ETag']}]}
done = s3.complete_multipart_upload(Bucket=B, Key='mp-secret', UploadId=uid, MultipartUpload=parts)
again = s3.complete_multipart_upload(Bucket=B, Key='mp-secret', UploadId=uid, MultipartUpload=parts)
check('CompleteMultipartUpload retried after success: 200, same ETag', again['ETag'] == done['ETag'], again)
body = s3.get_object(Bucket=B, Key='mp-secret', SSECustomerAlgorithm='AES256', SSECustomerKey=key)
check('SSE-C multipart object reads back', body['Body'].read() == big + b'attack' and body['StorageClass'] == 'STANDARD_IA')
tail = s3.get_object(Bucket=B, Key='mp-secret', SSECustomerAlgorithm='AES256', SSECustomerKey=key, Range=f'bytes={len(big) - 3}-{len(big) + 2}')
check('a range across two SSE-C parts decrypts', tail['Body'].read() == big[-3:] + b'att')

# UploadPartCopy into an SSE-S3 upload keeps the SSE response header.
up = s3.create_multipart_upload(Bucket=B, Key='mp-sse', ServerSideEncryption='AES256')
pc = s3.upload_part_copy(Bucket=B, Key='mp-sse', UploadId=up['UploadId'], PartNumber=1, CopySource={'Bucket': B, 'Key': 'plain.txt'})
check('UploadPartCopy into an SSE upload returns ServerSideEncryption', pc.get('ServerSideEncryption') == 'AES256', pc)
s3.abort_multipart_upload(Bucket=B, Key='mp-sse', UploadId=up['UploadId'])

# GET/HEAD take no x-amz-server-side-encryption (GetObject: "you'll get an HTTP 400 Bad Request error").
def with_sse_header(**kwargs):
    kwargs['params']['headers']['x-amz-server-side-encryption'] = 'AES256'
s3.meta.events.register('before-call.s3.GetObject', with_sse_header)
err = error_of(lambda: s3.get_object(Bucket=B, Key='plain.txt'))
s3.meta.events.unregister('before-call.s3.GetObject', with_sse_header)
check('x-amz-server-side-encryption on GetObject: 400', err and err['Code'] == 'InvalidArgument', err)

# ---- Conditional writes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html) ----
first = s3.put_object(Bucket=B, Key='lock', Body=b'one', IfNoneMatch='*')
err = error_of(lambda: s3.put_object(Bucket=B, Key='lock', Body=b'two', IfNoneMatch='*'))
check('If-None-Match: * on an existing key: 412', err and err['Code'] == 'PreconditionFailed', err)
err = error_of(lambda: s3.put_object(Bucket=B, Key='lock', Body=b'two', IfMatch='"0123456789abcdef0123456789abcdef"'))
check('If-Match with a stale ETag: 412', err and err['Code'] == 'PreconditionFailed', err)
s3.put_object(Bucket=B, Key='lock', Body=b'two', IfMatch=first['ETag'])
check('If-Match with the current ETag writes', s3.get_object(Bucket=B, Key='lock')['Body'].read() == b'two')
err = error_of(lambda: s3.put_object(Bucket=B, Key='never-was', Body=b'x', IfMatch=first['ETag']))
check('If-Match on a missing key: 404 NoSuchKey', err and err['Code'] == 'NoSuchKey', err)
up = s3.create_multipart_upload(Bucket=B, Key='lock')
part = s3.upload_part(Bucket=B, Key='lock', UploadId=up['UploadId'], PartNumber=1, Body=b'three')
err = error_of(lambda: s3.complete_multipart_upload(Bucket=B, Key='lock', UploadId=up['UploadId'], IfNoneMatch='*',
                                                    MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]}))
check('CompleteMultipartUpload If-None-Match: * on an existing key: 412', err and err['Code'] == 'PreconditionFailed', err)
err = error_of(lambda: s3.copy_object(Bucket=B, Key='copy-if', CopySource={'Bucket': B, 'Key': 'plain.txt'}, CopySourceIfMatch='"nope"'))
check('x-amz-copy-source-if-match mismatch: 412', err and err['Code'] == 'PreconditionFailed', err)
err = error_of(lambda: s3.copy_object(Bucket=B, Key='copy-if', CopySource={'Bucket': B, 'Key': 'plain.txt'}, CopySourceIfModifiedSince='2099-01-01T00:00:00Z'))
check('x-amz-copy-source-if-modified-since in the future: 412', err and err['Code'] == 'PreconditionFailed', err)
up = s3.create_multipart_upload(Bucket=B, Key='copy-if')
err = error_of(lambda: s3.upload_part_copy(Bucket=B, Key='copy-if', UploadId=up['UploadId'], PartNumber=1, CopySource={'Bucket': B, 'Key': 'plain.txt'},
                                           CopySourceIfNoneMatch=s3.head_object(Bucket=B, Key='plain.txt')['ETag']))
check('UploadPartCopy x-amz-copy-source-if-none-match on the current ETag: 412', err and err['Code'] == 'PreconditionFailed', err)
s3.abort_multipart_upload(Bucket=B, Key='copy-if', UploadId=up['UploadId'])

# ---- Storage classes ----
s3.put_object(Bucket=B, Key='cold', Body=b'brr', StorageClass='GLACIER')
s3.put_object(Bucket=B, Key='ia', Body=b'ia', StorageClass='STANDARD_IA')
check('HeadObject returns the storage class', s3.head_object(Bucket=B, Key='ia').get('StorageClass') == 'STANDARD_IA')
check('no StorageClass for STANDARD', 'StorageClass' not in s3.head_object(Bucket=B, Key='plain.txt'))
listed = {o['Key']: o['StorageClass'] for o in s3.list_objects_v2(Bucket=B)['Contents']}
check('ListObjectsV2 lists storage classes', listed['cold'] == 'GLACIER' and listed['ia'] == 'STANDARD_IA' and listed['plain.txt'] == 'STANDARD', listed)
err = error_of(lambda: s3.get_object(Bucket=B, Key='cold'))
check('GetObject of a GLACIER object: 403 InvalidObjectState', err and err['Code'] == 'InvalidObjectState', err)
err = error_of(lambda: s3.put_object(Bucket=B, Key='bad-class', Body=b'x', StorageClass='EXPRESS_ONEZONE'))
check('invalid storage class: 400 InvalidStorageClass', err and err['Code'] == 'InvalidStorageClass', err)

# ---- Listing edge cases and metadata ----
zero = s3.list_objects_v2(Bucket=B, MaxKeys=0)
check('max-keys=0: IsTruncated false, no keys', zero['IsTruncated'] is False and 'Contents' not in zero, zero)
s3.put_object(Bucket=B, Key='with space+plus', Body=b'x')
enc = s3.list_objects_v2(Bucket=B, Prefix='with', EncodingType='url')
# botocore decodes keys only when it chose the encoding itself; asked for explicitly, the keys arrive as S3 encoded them.
check('encoding-type=url: space as %20, plus as %2B', [o['Key'] for o in enc['Contents']] == ['with%20space%2Bplus'], enc['Contents'])
auto = s3.list_objects_v2(Bucket=B, Prefix='with')
check('botocore decodes the encoding it asked for', [o['Key'] for o in auto['Contents']] == ['with space+plus'], auto['Contents'])
# A delimited listing paged by botocore's paginator, common prefixes mixed with runs of plain keys (the server reads 1
# row after rolling a prefix up, then 2, 4 …): every page's entries add up to the bucket's, each once.
for key in ['deep/a/1', 'deep/a/2', 'deep/b', 'deep/b0', 'deep/b1', 'deep/b2', 'deep/c/1', 'deep/d/1', 'deep/d/2', 'deep/e']:
    s3.put_object(Bucket=B, Key=key, Body=b'x')
for size in (1, 2, 3):
    seen = []
    for page in s3.get_paginator('list_objects_v2').paginate(Bucket=B, Prefix='deep/', Delimiter='/', PaginationConfig={'PageSize': size}):
        seen += [o['Key'] for o in page.get('Contents', [])] + [p['Prefix'] for p in page.get('CommonPrefixes', [])]
    check(f'delimited pages of {size} add up to the bucket', sorted(seen) == ['deep/a/', 'deep/b', 'deep/b0', 'deep/b1', 'deep/b2', 'deep/c/', 'deep/d/', 'deep/e'], seen)
s3.put_object(Bucket=B, Key='meta', Body=b'x', Metadata={'note': 'plain ascii'})
check('metadata round-trips', s3.head_object(Bucket=B, Key='meta')['Metadata'] == {'note': 'plain ascii'})
# ---- GET/HEAD ?partNumber (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, PartNumber) ----
p1, p2 = os.urandom(5 * 1024 * 1024), b'tail of the object'
mp = s3.create_multipart_upload(Bucket=B, Key='by-part')
e1 = s3.upload_part(Bucket=B, Key='by-part', UploadId=mp['UploadId'], PartNumber=1, Body=p1)['ETag']
e2 = s3.upload_part(Bucket=B, Key='by-part', UploadId=mp['UploadId'], PartNumber=2, Body=p2)['ETag']
s3.complete_multipart_upload(Bucket=B, Key='by-part', UploadId=mp['UploadId'], MultipartUpload={'Parts': [{'ETag': e1, 'PartNumber': 1}, {'ETag': e2, 'PartNumber': 2}]})
part = s3.get_object(Bucket=B, Key='by-part', PartNumber=2)
check('GetObject PartNumber=2: the part, 206, ContentRange, PartsCount', part['Body'].read() == p2 and part['PartsCount'] == 2
      and part['ResponseMetadata']['HTTPStatusCode'] == 206 and part['ContentRange'] == f'bytes {len(p1)}-{len(p1) + len(p2) - 1}/{len(p1) + len(p2)}', part['ContentRange'])
err = error_of(lambda: s3.get_object(Bucket=B, Key='by-part', PartNumber=3))
check('PartNumber beyond the part count: 416 InvalidPartNumber', err and err['Code'] == 'InvalidPartNumber' and err['Message'] == 'The requested partnumber is not satisfiable', err)

# ---- GetObjectAttributes (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html) ----
attrs = s3.get_object_attributes(Bucket=B, Key='by-part', ObjectAttributes=['ETag', 'ObjectParts', 'ObjectSize', 'StorageClass'], MaxParts=1)
check('GetObjectAttributes of a multipart object: unquoted ETag, PartsCount and paging, size, class',
      attrs['ETag'] == s3.head_object(Bucket=B, Key='by-part')['ETag'].strip('"') and attrs['ObjectSize'] == len(p1) + len(p2)
      and attrs['StorageClass'] == 'STANDARD' and attrs['ObjectParts']['TotalPartsCount'] == 2 and attrs['ObjectParts']['IsTruncated'] is True, attrs)
err = error_of(lambda: s3.get_object_attributes(Bucket=B, Key='by-part', ObjectAttributes=['Size']))
check('GetObjectAttributes with an unknown attribute: 400 InvalidArgument', err and err['Code'] == 'InvalidArgument' and err['Message'] == 'Invalid attribute name specified.', err)

# ---- ListBuckets paging (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html) ----
for name in ('boto-lb-1', 'boto-lb-2', 'boto-lb-3'):
    s3.create_bucket(Bucket=name)
page = s3.list_buckets(Prefix='boto-lb-', MaxBuckets=2)
check('ListBuckets MaxBuckets=2: two buckets and a ContinuationToken', [b['Name'] for b in page['Buckets']] == ['boto-lb-1', 'boto-lb-2']
      and page.get('ContinuationToken') and page.get('Prefix') == 'boto-lb-', page)
walked = [[b['Name'] for b in p['Buckets']] for p in s3.get_paginator('list_buckets').paginate(Prefix='boto-lb-', PaginationConfig={'PageSize': 2})]
check('the list_buckets paginator walks every page', walked == [['boto-lb-1', 'boto-lb-2'], ['boto-lb-3']], walked)
err = error_of(lambda: s3.list_buckets(MaxBuckets=10001))
check('MaxBuckets=10001: 400 InvalidArgument', err and err['Code'] == 'InvalidArgument', err)
# ---- A bucket in another region (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html): signed for
# us-east-1, path style → 301 PermanentRedirect, virtual-hosted → 400 AuthorizationHeaderMalformed; botocore's region
# redirector retries either in the region x-amz-bucket-region names. ----
eu = boto3.client('s3', endpoint_url=URL, config=Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}),
                  aws_access_key_id='test', aws_secret_access_key='test', region_name='eu-west-1')
eu.create_bucket(Bucket='boto-eu', CreateBucketConfiguration={'LocationConstraint': 'eu-west-1'})
eu.put_object(Bucket='boto-eu', Key='k', Body=b'in Ireland')
check('path style, signed for us-east-1: botocore follows the 301 to eu-west-1', s3.get_object(Bucket='boto-eu', Key='k')['Body'].read() == b'in Ireland')
check('HeadBucket from us-east-1 gives the bucket region', s3.head_bucket(Bucket='boto-eu')['ResponseMetadata']['HTTPHeaders'].get('x-amz-bucket-region') == 'eu-west-1')
import urllib.error, urllib.request

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

# A new client: the one above has cached the bucket's region since its redirect, and would presign for eu-west-1.
fresh = boto3.client('s3', endpoint_url=URL, config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}), **CREDS)
url = fresh.generate_presigned_url('get_object', Params={'Bucket': 'boto-eu', 'Key': 'k'}, ExpiresIn=60)
try:
    urllib.request.build_opener(NoRedirect).open(url)
    status, headers, text = 200, {}, ''
except urllib.error.HTTPError as e:
    status, headers, text = e.code, e.headers, e.read().decode()
check('a presigned path-style URL for us-east-1: 301 PermanentRedirect with x-amz-bucket-region', status == 301
      and headers.get('x-amz-bucket-region') == 'eu-west-1' and '<Code>PermanentRedirect</Code>' in text, text)
print('{"done": true}')
