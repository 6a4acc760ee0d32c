"""boto3 and raw HTTP against presigned URLs: headers that were signed must be sent as signed, headers that were not
signed must not be sent (S3 API reference, "Authenticating Requests (AWS Signature Version 4)"); SigV2 clients keep
working within the 15-minute window."""
import sys, urllib.request, urllib.error
import boto3
from botocore.config import Config
from checks import check, error_of

url = sys.argv[1]
BUCKET = 'hostile-boto3'
s3 = boto3.client('s3', endpoint_url=url, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test',
                  config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}))
s3.create_bucket(Bucket=BUCKET)
s3.put_object(Bucket=BUCKET, Key='secret.txt', Body=b'secret')


def http(method, target, headers, body=b''):
    request = urllib.request.Request(target, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


typed = s3.generate_presigned_url('put_object', Params={'Bucket': BUCKET, 'Key': 'typed.txt', 'ContentType': 'app/sth'}, ExpiresIn=300)
check('botocore signs the Content-Type of a presigned PUT', 'content-type' in typed)
status, body = http('PUT', typed, {}, b'x')
check('signed Content-Type missing → 403 SignatureDoesNotMatch', status == 403 and '<Code>SignatureDoesNotMatch</Code>' in body, body)
status, body = http('PUT', typed, {'Content-Type': 'text/plain'}, b'x')
check('signed Content-Type differing → 403 SignatureDoesNotMatch', status == 403 and '<Code>SignatureDoesNotMatch</Code>' in body, body)
status, body = http('PUT', typed, {'Content-Type': 'app/sth'}, b'x')
check('signed Content-Type as signed → 200', status == 200, body)

plain = s3.generate_presigned_url('put_object', Params={'Bucket': BUCKET, 'Key': 'copied.txt'}, ExpiresIn=300)
status, body = http('PUT', plain, {'x-amz-copy-source': f'/{BUCKET}/secret.txt'})
check('presigned PUT + unsigned x-amz-copy-source → 403 HeadersNotSigned', status == 403 and '<HeadersNotSigned>x-amz-copy-source</HeadersNotSigned>' in body, body)
check('…and nothing was copied', error_of(lambda: s3.head_object(Bucket=BUCKET, Key='copied.txt'))['Code'] == '404')

v2 = boto3.client('s3', endpoint_url=url, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test',
                  config=Config(signature_version='s3', s3={'addressing_style': 'path'}))
check('a SigV2 (HmacV1) client is served within the time window', v2.get_object(Bucket=BUCKET, Key='secret.txt')['Body'].read() == b'secret')
v2_url = v2.generate_presigned_url('get_object', Params={'Bucket': BUCKET, 'Key': 'secret.txt'}, ExpiresIn=300)
status, body = http('GET', v2_url, {'x-amz-meta-added': 'later'})
check('SigV2 presigned GET + an x-amz header not in its string to sign → 403 SignatureDoesNotMatch', status == 403 and 'SignatureDoesNotMatch' in body, body)
print('{"done": true}')
