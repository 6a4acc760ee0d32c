"""Signs requests with botocore's own SigV4 signers and prints them as JSON, for server/test/sigv4-vectors.test.ts.
Input (stdin): a JSON list of {kind: 'query'|'s3'|'s3-presign', service, method, url, headers, body}."""
import json, sys
from botocore.auth import SigV4Auth, S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

out = []
for case in json.load(sys.stdin):
    creds = Credentials(case['accessKeyId'], case['secretAccessKey'], case.get('sessionToken'))
    req = AWSRequest(method=case['method'], url=case['url'], headers=case.get('headers', {}), data=case.get('body', ''))
    if case['kind'] == 'query':
        SigV4Auth(creds, case['service'], 'us-east-1').add_auth(req)
    elif case['kind'] == 's3':
        req.context['payload_signing_enabled'] = True
        S3SigV4Auth(creds, 's3', 'us-east-1').add_auth(req)
    else:
        S3SigV4QueryAuth(creds, 's3', 'us-east-1', expires=300).add_auth(req)
    prepared = req.prepare()
    out.append({'url': prepared.url, 'headers': {k.lower(): v for k, v in prepared.headers.items()}})
print(json.dumps(out))
