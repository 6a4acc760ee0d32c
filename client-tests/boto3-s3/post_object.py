"""Browser POST uploads with boto3's generate_presigned_post and `requests` against a live iamlocal (URL in argv[1]):
the form as a browser sends it, SigV4 and SigV2 policies, session tokens, success_action_status/redirect, and AWS's
refusals. AWS references: API Reference "POST Object", "Browser-Based Uploads Using POST (AWS Signature Version 4)",
"Creating a POST Policy" (conditions, exempt fields, content-length-range), "Calculating a Signature" (POST);
Service Authorization Reference for Amazon S3 (s3:PutObject, s3:PutObjectAcl). One JSON line per check."""
import base64, json, sys, xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlparse
import boto3, requests
from botocore.config import Config
from checks import check, error_of

URL = sys.argv[1]
CONFIG = Config(retries={'max_attempts': 1}, signature_version='s3v4', s3={'addressing_style': 'path'})
creds = dict(region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
root = boto3.client('s3', endpoint_url=URL, config=CONFIG, **creds)
iam = boto3.client('iam', endpoint_url=URL, config=CONFIG, **creds)
sts = boto3.client('sts', endpoint_url=URL, config=CONFIG, **creds)
B = 'boto-post'
root.create_bucket(Bucket=B)


def post(p, content=b'hello', filename='a.txt', extra=None, drop=None, host=None):
    fields = dict(p['fields'])
    fields.update(extra or {})
    for name in drop or []:
        fields.pop(name, None)
    headers = {'Host': host} if host else {}
    return requests.post(p['url'], data=fields, files={'file': (filename, content, 'text/plain')}, allow_redirects=False, headers=headers)


def error(r):
    root_el = ET.fromstring(r.content)
    return {el.tag: el.text for el in root_el}


p = root.generate_presigned_post(B, 'uploads/${filename}', Fields={'success_action_status': '201', 'x-amz-meta-note': 'hi', 'Content-Type': 'text/plain'},
                                 Conditions=[{'success_action_status': '201'}, {'x-amz-meta-note': 'hi'}, ['starts-with', '$Content-Type', 'text/']], ExpiresIn=300)
r = post(p)
doc = {el.tag: el.text for el in ET.fromstring(r.content)} if r.status_code == 201 else {}
check('a SigV4 form with success_action_status 201: the PostResponse document names the stored key',
      r.status_code == 201 and doc.get('Bucket') == B and doc.get('Key') == 'uploads/a.txt' and doc.get('ETag') == r.headers.get('ETag')
      and doc.get('Location', '').endswith(f'/{B}/uploads/a.txt'), (r.status_code, r.text))
got = root.get_object(Bucket=B, Key='uploads/a.txt')
check('the object holds the file, the form\'s Content-Type and x-amz-meta-* fields',
      got['Body'].read() == b'hello' and got['ContentType'] == 'text/plain' and got['Metadata'] == {'note': 'hi'} and got['ETag'] == doc.get('ETag'), got['Metadata'])

p = root.generate_presigned_post(B, 'plain.txt')
r = post(p, b'x' * 70000)
check('no success_action_status: 204 with ETag and Location', r.status_code == 204 and r.headers.get('ETag') == '"%s"' % __import__('hashlib').md5(b'x' * 70000).hexdigest()
      and r.headers.get('Location', '').endswith(f'/{B}/plain.txt'), (r.status_code, dict(r.headers)))
check('a file larger than an inline blob is stored whole', root.get_object(Bucket=B, Key='plain.txt')['Body'].read() == b'x' * 70000)

p = root.generate_presigned_post(B, 'r.txt', Fields={'success_action_redirect': 'https://app.example.com/done?x=1'},
                                 Conditions=[{'success_action_redirect': 'https://app.example.com/done?x=1'}])
r = post(p)
loc = urlparse(r.headers.get('Location', ''))
q = parse_qs(loc.query)
check('success_action_redirect: 303 to the URL with bucket, key and etag added', r.status_code == 303 and loc.netloc == 'app.example.com'
      and q.get('x') == ['1'] and q.get('bucket') == [B] and q.get('key') == ['r.txt'] and q.get('etag') == [r.headers.get('ETag')], (r.status_code, dict(r.headers)))

p = root.generate_presigned_post(B, 'sized.txt', Conditions=[['content-length-range', 2, 10]])
r = post(p, b'x' * 11)
e = error(r)
check('a file over content-length-range: 400 EntityTooLarge', r.status_code == 400 and e.get('Code') == 'EntityTooLarge'
      and e.get('Message') == 'Your proposed upload exceeds the maximum allowed size' and e.get('MaxSizeAllowed') == '10', e)
r = post(p, b'x')
e = error(r)
check('a file under content-length-range: 400 EntityTooSmall', r.status_code == 400 and e.get('Code') == 'EntityTooSmall'
      and e.get('MinSizeAllowed') == '2' and e.get('ProposedSize') == '1', e)
check('a refused file is not stored', error_of(lambda: root.head_object(Bucket=B, Key='sized.txt')) is not None)
check('within the range: stored', post(p, b'x' * 10).status_code == 204)

p = root.generate_presigned_post(B, 'uploads/${filename}')
tampered = json.loads(base64.b64decode(p['fields']['policy']))
tampered['conditions'] = [c for c in tampered['conditions'] if not (isinstance(c, list) and c[1] == '$key')]
r = post(p, extra={'policy': base64.b64encode(json.dumps(tampered).encode()).decode(), 'key': 'elsewhere/x'})
e = error(r)
check('a policy changed after signing: 403 SignatureDoesNotMatch', r.status_code == 403 and e.get('Code') == 'SignatureDoesNotMatch', e)

r = post(p, extra={'key': 'elsewhere/${filename}'})
e = error(r)
check('a key outside the starts-with condition: 403 AccessDenied naming the condition', r.status_code == 403 and e.get('Code') == 'AccessDenied'
      and e.get('Message') == 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]', e)

r = post(p, extra={'x-amz-meta-sneaky': '1'})
e = error(r)
check('a field no condition names: 403 Extra input fields', r.status_code == 403 and e.get('Message') == 'Invalid according to Policy: Extra input fields: x-amz-meta-sneaky', e)
check('x-ignore- fields need no condition', post(p, extra={'x-ignore-submit': 'Upload'}).status_code == 204)

old = root.generate_presigned_post(B, 'late.txt', ExpiresIn=-60)
r = post(old)
e = error(r)
check('an expired policy: 403 Invalid according to Policy: Policy expired.', r.status_code == 403 and e.get('Message') == 'Invalid according to Policy: Policy expired.', e)

r = post(p, drop=['x-amz-signature'])
e = error(r)
check('a form without its signature: 400 InvalidArgument naming the field', r.status_code == 400 and e.get('Code') == 'InvalidArgument'
      and e.get('Message') == "Bucket POST must contain a field named 'X-Amz-Signature'.  If it is specified, please check the order of the fields.", e)
r = post(p, drop=['key'])
e = error(r)
check('a form without key: 400 InvalidArgument', r.status_code == 400 and e.get('ArgumentName') == 'key', e)
r = requests.post(p['url'], data=p['fields'], files={'other': ('a', b'a')})
e = error(r)
check('a form without a file: 400 POST requires exactly one file upload', r.status_code == 400 and e.get('Message') == 'POST requires exactly one file upload per request.', e)
r = requests.post(p['url'], data=p['fields'])
e = error(r)
check('a urlencoded body: 412 PreconditionFailed', r.status_code == 412 and e.get('Condition') == 'Bucket POST must be of the enclosure-type multipart/form-data', e)

# The signer's permissions apply: a user that may put only under uploads/.
iam.create_user(UserName='uploader')
k = iam.create_access_key(UserName='uploader')['AccessKey']
iam.put_user_policy(UserName='uploader', PolicyName='p', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': 's3:PutObject', 'Resource': f'arn:aws:s3:::{B}/uploads/*'},
    {'Effect': 'Allow', 'Action': 'sts:GetSessionToken', 'Resource': '*'}]}))
user = boto3.client('s3', endpoint_url=URL, region_name='us-east-1', aws_access_key_id=k['AccessKeyId'], aws_secret_access_key=k['SecretAccessKey'], config=CONFIG)
check('a user\'s form, allowed by s3:PutObject', post(user.generate_presigned_post(B, 'uploads/u.txt')).status_code == 204)
r = post(user.generate_presigned_post(B, 'other/u.txt'))
e = error(r)
check('a user\'s form outside its s3:PutObject: AccessDenied as for PutObject', r.status_code == 403 and e.get('Message') ==
      f'User: arn:aws:iam::123456789012:user/uploader is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::{B}/other/u.txt" because no identity-based policy allows the s3:PutObject action', e)
p = user.generate_presigned_post(B, 'uploads/acl.txt', Fields={'acl': 'private'}, Conditions=[{'acl': 'private'}])
e = error(post(p))
check('an acl field needs s3:PutObjectAcl too', e.get('Code') == 'AccessDenied' and 's3:PutObjectAcl' in e.get('Message', ''), e)

st = boto3.client('sts', endpoint_url=URL, region_name='us-east-1', aws_access_key_id=k['AccessKeyId'], aws_secret_access_key=k['SecretAccessKey'], config=CONFIG).get_session_token()['Credentials']
session = boto3.client('s3', endpoint_url=URL, region_name='us-east-1', aws_access_key_id=st['AccessKeyId'], aws_secret_access_key=st['SecretAccessKey'],
                       aws_session_token=st['SessionToken'], config=CONFIG)
p = session.generate_presigned_post(B, 'uploads/s.txt')
check('a session\'s form carries x-amz-security-token and works', 'x-amz-security-token' in p['fields'] and post(p).status_code == 204, p['fields'].keys())
e = error(post(p, drop=['x-amz-security-token']))
check('a session key without its token: InvalidAccessKeyId', e.get('Code') == 'InvalidAccessKeyId', e)

v2 = boto3.client('s3', endpoint_url=URL, config=Config(signature_version='s3', s3={'addressing_style': 'path'}), **creds)
p = v2.generate_presigned_post(B, 'v2.txt')
check('a SigV2 form (AWSAccessKeyId, signature) works', 'AWSAccessKeyId' in p['fields'] and post(p).status_code == 204, p['fields'].keys())
e = error(post(p, extra={'signature': base64.b64encode(b'x' * 20).decode()}))
check('a wrong SigV2 signature: SignatureDoesNotMatch', e.get('Code') == 'SignatureDoesNotMatch', e)

host = urlparse(URL).netloc
p = root.generate_presigned_post(B, 'vhost.txt')
r = requests.post(URL + '/', data=p['fields'], files={'file': ('v', b'v')}, headers={'Host': f'{B}.s3.{host}'})
check('a virtual-hosted-style POST to the bucket host', r.status_code == 204 and r.headers.get('Location', '').endswith('/vhost.txt'), (r.status_code, r.text))

# Content-MD5 and x-amz-checksum-* fields are verified as PutObject verifies its body (API Reference "POST Object";
# PutObject's BadDigest texts), and the checksum is stored (GetObject ChecksumMode ENABLED).
import hashlib
data = b'checked form bytes'
md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
crc = root.put_object(Bucket=B, Key='crc-probe', Body=data, ChecksumAlgorithm='CRC32')['ChecksumCRC32']
p = root.generate_presigned_post(B, 'checked.txt', Fields={'Content-MD5': md5, 'x-amz-checksum-crc32': crc},
                                 Conditions=[{'Content-MD5': md5}, {'x-amz-checksum-crc32': crc}])
r = post(p, data)
check('a form with Content-MD5 and x-amz-checksum-crc32 matching the file: stored', r.status_code == 204, r.text)
head = root.head_object(Bucket=B, Key='checked.txt', ChecksumMode='ENABLED')
check('its CRC32 is stored', head.get('ChecksumCRC32') == crc and head.get('ChecksumType') == 'FULL_OBJECT', head)
r = post(p, b'other bytes')
check('a file that does not match Content-MD5: 400 BadDigest', r.status_code == 400 and error(r).get('Code') == 'BadDigest'
      and error(r).get('Message') == 'The Content-MD5 you specified did not match what we received.', r.text)
p = root.generate_presigned_post(B, 'crc-only.txt', Fields={'x-amz-checksum-crc32': crc}, Conditions=[{'x-amz-checksum-crc32': crc}])
r = post(p, b'tampered')
check('a file that does not match x-amz-checksum-crc32: BadDigest', r.status_code == 400 and error(r).get('Message') == 'The CRC32 you specified did not match the calculated checksum.', r.text)

# Anonymous forms (no policy) write only where the bucket lets everyone write.
form = {'key': 'anon.txt'}
r = requests.post(f'{URL}/{B}', data=form, files={'file': ('a', b'a')})
check('an anonymous form to a private bucket: 403 AccessDenied', r.status_code == 403 and error(r).get('Code') == 'AccessDenied', r.text)
root.delete_public_access_block(Bucket=B)
root.put_bucket_policy(Bucket=B, Policy=json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Principal': '*', 'Action': 's3:PutObject', 'Resource': f'arn:aws:s3:::{B}/anon*'}]}))
r = requests.post(f'{URL}/{B}', data=form, files={'file': ('a', b'a')})
check('an anonymous form to a bucket whose policy allows everyone: stored', r.status_code == 204, r.text)
print(json.dumps({'done': True}))
