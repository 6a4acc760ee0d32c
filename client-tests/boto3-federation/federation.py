"""STS federation with boto3 against a live iamlocal (URL in argv[1]): AssumeRoleWithWebIdentity (unsigned, a token
minted by iamlocal's built-in issuer), GetFederationToken, session tags and DecodeAuthorizationMessage. Prints one JSON
line per check and exits non-zero on the first failure."""
import json, sys, urllib.parse, urllib.request
import boto3
from botocore.config import Config
from checks import check, error_of

URL = sys.argv[1]
A = '123456789012'
ISSUER = 'https://oidc.iamlocal.localhost'
PROVIDER_ARN = f'arn:aws:iam::{A}:oidc-provider/oidc.iamlocal.localhost'
CONFIG = Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'})
ROOT = dict(aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f'{URL}/_iamlocal{path}', data=data, method=method, headers={'content-type': 'application/json'})
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


def doc(*statements):
    return json.dumps({'Version': '2012-10-17', 'Statement': list(statements)})


def client(service, creds=None):
    kw = ROOT if creds is None else dict(aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'],
                                         aws_session_token=creds.get('SessionToken'), region_name='us-east-1')
    return boto3.client(service, endpoint_url=URL, config=CONFIG, **kw)


iam, s3 = client('iam'), client('s3')
s3.create_bucket(Bucket='fed-py')
s3.put_object(Bucket='fed-py', Key='blue/x', Body=b'blue')
s3.put_object(Bucket='fed-py', Key='red/x', Body=b'red')

# --- AssumeRoleWithWebIdentity ---
admin('PUT', '/oidc/providers', {'url': ISSUER, 'clientIds': ['sts.amazonaws.com']})
iam.create_role(RoleName='py-oidc', AssumeRolePolicyDocument=doc({
    'Effect': 'Allow', 'Principal': {'Federated': PROVIDER_ARN}, 'Action': 'sts:AssumeRoleWithWebIdentity',
    'Condition': {'StringEquals': {'oidc.iamlocal.localhost:sub': 'system:serviceaccount:ns:app', 'oidc.iamlocal.localhost:aud': 'sts.amazonaws.com'}}}))
iam.put_role_policy(RoleName='py-oidc', PolicyName='list', PolicyDocument=doc({'Effect': 'Allow', 'Action': 's3:ListBucket', 'Resource': 'arn:aws:s3:::fed-py'}))
token = admin('POST', '/oidc/token', {'sub': 'system:serviceaccount:ns:app', 'aud': 'sts.amazonaws.com'})['token']
unsigned = boto3.client('sts', endpoint_url=URL, region_name='us-east-1', config=Config(retries={'max_attempts': 1}, signature_version=__import__('botocore').UNSIGNED))
out = unsigned.assume_role_with_web_identity(RoleArn=f'arn:aws:iam::{A}:role/py-oidc', RoleSessionName='pod-1', WebIdentityToken=token)
check('web identity: subject, provider, audience', (out['SubjectFromWebIdentityToken'], out['Provider'], out['Audience']) == ('system:serviceaccount:ns:app', ISSUER, 'sts.amazonaws.com'), out)
check('web identity: assumed role user', out['AssumedRoleUser']['Arn'] == f'arn:aws:sts::{A}:assumed-role/py-oidc/pod-1', out['AssumedRoleUser'])
pod = out['Credentials']
check('web identity: session works', client('sts', pod).get_caller_identity()['Arn'] == f'arn:aws:sts::{A}:assumed-role/py-oidc/pod-1')
check('web identity: role policy applies', client('s3', pod).list_objects_v2(Bucket='fed-py')['KeyCount'] == 2)
other = admin('POST', '/oidc/token', {'sub': 'system:serviceaccount:ns:other', 'aud': 'sts.amazonaws.com'})['token']
err = error_of(lambda: unsigned.assume_role_with_web_identity(RoleArn=f'arn:aws:iam::{A}:role/py-oidc', RoleSessionName='pod-2', WebIdentityToken=other))
check('web identity: :sub condition', err and err['Code'] == 'AccessDenied' and err['Message'] == 'Not authorized to perform sts:AssumeRoleWithWebIdentity', err)
wrong_aud = admin('POST', '/oidc/token', {'sub': 'system:serviceaccount:ns:app', 'aud': 'nope'})['token']
err = error_of(lambda: unsigned.assume_role_with_web_identity(RoleArn=f'arn:aws:iam::{A}:role/py-oidc', RoleSessionName='pod-3', WebIdentityToken=wrong_aud))
check('web identity: audience', err and (err['Code'], err['Message']) == ('InvalidIdentityToken', 'Incorrect token audience'), err)
expired = admin('POST', '/oidc/token', {'sub': 'system:serviceaccount:ns:app', 'aud': 'sts.amazonaws.com', 'expiresIn': -3600})['token']
err = error_of(lambda: unsigned.assume_role_with_web_identity(RoleArn=f'arn:aws:iam::{A}:role/py-oidc', RoleSessionName='pod-4', WebIdentityToken=expired))
check('web identity: expired', err and err['Code'] == 'ExpiredTokenException' and err['Message'].startswith('Token expired: current date/time '), err)
err = error_of(lambda: unsigned.assume_role_with_web_identity(RoleArn=f'arn:aws:iam::{A}:role/py-oidc', RoleSessionName='pod-5', WebIdentityToken=token[:-6] + 'AAAAAA'))
check('web identity: bad signature', err and err['Code'] == 'InvalidIdentityToken', err)

# --- GetFederationToken ---
iam.create_user(UserName='py-broker')
iam.put_user_policy(UserName='py-broker', PolicyName='p', PolicyDocument=doc(
    {'Effect': 'Allow', 'Action': 'sts:GetFederationToken', 'Resource': '*'},
    {'Effect': 'Allow', 'Action': ['s3:ListBucket', 's3:GetObject'], 'Resource': ['arn:aws:s3:::fed-py', 'arn:aws:s3:::fed-py/*']}))
key = iam.create_access_key(UserName='py-broker')['AccessKey']
broker = client('sts', {'AccessKeyId': key['AccessKeyId'], 'SecretAccessKey': key['SecretAccessKey']})
fed = broker.get_federation_token(Name='carol', Policy=doc({'Effect': 'Allow', 'Action': 's3:ListBucket', 'Resource': 'arn:aws:s3:::fed-py'}))
check('federation: federated user', fed['FederatedUser'] == {'FederatedUserId': f'{A}:carol', 'Arn': f'arn:aws:sts::{A}:federated-user/carol'}, fed['FederatedUser'])
carol = fed['Credentials']
who = client('sts', carol).get_caller_identity()
check('federation: caller identity', (who['Arn'], who['UserId']) == (f'arn:aws:sts::{A}:federated-user/carol', f'{A}:carol'), who)
check('federation: intersection allows ListBucket', client('s3', carol).list_objects_v2(Bucket='fed-py')['KeyCount'] == 2)
err = error_of(lambda: client('s3', carol).get_object(Bucket='fed-py', Key='blue/x'))
check('federation: intersection denies GetObject', err and err['Code'] == 'AccessDenied' and 'because no session policy allows the s3:GetObject action' in err['Message'], err)
err = error_of(lambda: client('sts', pod).get_federation_token(Name='fromrole'))
check('federation: not from a role session', err and (err['Code'], err['Message']) == ('AccessDenied', 'Cannot call GetFederationToken with session credentials'), err)

# --- Session tags ---
iam.put_user_policy(UserName='py-broker', PolicyName='assume', PolicyDocument=doc({'Effect': 'Allow', 'Action': ['sts:AssumeRole', 'sts:TagSession'], 'Resource': '*'}))
iam.create_role(RoleName='py-tagged', Tags=[{'Key': 'team', 'Value': 'red'}], AssumeRolePolicyDocument=doc(
    {'Effect': 'Allow', 'Principal': {'AWS': f'arn:aws:iam::{A}:user/py-broker'}, 'Action': ['sts:AssumeRole', 'sts:TagSession']}))
iam.put_role_policy(RoleName='py-tagged', PolicyName='team', PolicyDocument=doc(
    {'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::fed-py/${aws:PrincipalTag/team}/*'}))
tagged = broker.assume_role(RoleArn=f'arn:aws:iam::{A}:role/py-tagged', RoleSessionName='tagged', Tags=[{'Key': 'team', 'Value': 'blue'}])
check('tags: packed policy size', tagged.get('PackedPolicySize', 0) > 0, tagged.get('PackedPolicySize'))
ts3 = client('s3', tagged['Credentials'])
check('tags: session tag as PrincipalTag', ts3.get_object(Bucket='fed-py', Key='blue/x')['Body'].read() == b'blue')
err = error_of(lambda: ts3.get_object(Bucket='fed-py', Key='red/x'))
check('tags: session tag overrides the role tag', err and err['Code'] == 'AccessDenied', err)
err = error_of(lambda: broker.assume_role(RoleArn=f'arn:aws:iam::{A}:role/py-tagged', RoleSessionName='t2', Tags=[{'Key': 'k', 'Value': 'v'}], TransitiveTagKeys=['other']))
check('tags: transitive keys must be tags', err and err['Code'] == 'InvalidParameterValue', err)
big = [{'Key': f'key-{i}-' + 'k' * 100, 'Value': 'v' * 200} for i in range(20)]
err = error_of(lambda: broker.assume_role(RoleArn=f'arn:aws:iam::{A}:role/py-tagged', RoleSessionName='t3', Tags=big))
check('tags: packed size', err and err['Code'] == 'PackedPolicyTooLarge', err)

# --- DecodeAuthorizationMessage ---
q = urllib.parse.urlencode({'principal': f'arn:aws:sts::{A}:federated-user/carol', 'decision': 'deny', 'limit': 1})
entry = admin('GET', f'/decisions?{q}')['decisions'][0]
decoded = json.loads(client('sts').decode_authorization_message(EncodedMessage=entry['encodedMessage'])['DecodedMessage'])
check('decode: decision', decoded['allowed'] is False and decoded['context']['action'] == 's3:GetObject' and decoded['context']['resource'] == 'arn:aws:s3:::fed-py/blue/x', decoded)
err = error_of(lambda: client('sts').decode_authorization_message(EncodedMessage='garbage'))
check('decode: invalid message', err and err['Code'] == 'InvalidAuthorizationMessageException', err)
err = error_of(lambda: client('sts', carol).decode_authorization_message(EncodedMessage=entry['encodedMessage']))
check('decode: needs sts:DecodeAuthorizationMessage', err and err['Code'] == 'AccessDenied', err)
print(json.dumps({'done': True}))
