"""The acceptance story with boto3 against a live iamlocal (URL in argv[1]). Prints one JSON line per check and
exits non-zero on the first failure."""
import json, os, sys, tempfile, urllib.parse
import boto3
from botocore.config import Config
from checks import check, error_of

URL = sys.argv[1]
ACCOUNT = '123456789012'
ROLE_ARN = f'arn:aws:iam::{ACCOUNT}:role/kjh-s3-encryption-test1-role'
POLICY_ARN = f'arn:aws:iam::{ACCOUNT}:policy/kjh-s3-encryption-test1'
SAML_ARN = f'arn:aws:sts::{ACCOUNT}:assumed-role/PowerUser/kevin.hakanson@example.com'
CONFIG = Config(retries={'max_attempts': 1})
SAML = dict(aws_access_key_id='ASIAEXAMPLESAMLLOGIN', aws_secret_access_key='saml-login-secret-access-key-example0000',
            aws_session_token='saml-login-session-token-example', region_name='us-east-1')


saml = boto3.Session(**SAML)
sts = saml.client('sts', endpoint_url=URL, config=CONFIG)
iam = saml.client('iam', endpoint_url=URL, config=CONFIG)
s3 = saml.client('s3', endpoint_url=URL, config=CONFIG)

check('saml identity', sts.get_caller_identity()['Arn'] == SAML_ARN)
err = error_of(lambda: sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName='cli-kjh-s3-encryption-test1-role'))
expected = f'User: {SAML_ARN} is not authorized to perform: sts:AssumeRole on resource: {ROLE_ARN}'
check('assume-role denied', err and err['Code'] == 'AccessDenied' and err['Message'] == expected, err)

trust = {'Version': '2012-10-17', 'Statement': [
    {'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'}},
    {'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'AWS': SAML_ARN}}]}
iam.update_assume_role_policy(RoleName='kjh-s3-encryption-test1-role', PolicyDocument=json.dumps(trust))
role = iam.get_role(RoleName='kjh-s3-encryption-test1-role')['Role']
check('trust policy decoded by botocore', role['AssumeRolePolicyDocument'] == trust, role['AssumeRolePolicyDocument'])

out = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName='cli-kjh-s3-encryption-test1-role')
check('assumed role id', out['AssumedRoleUser']['AssumedRoleId'] == f"{role['RoleId']}:cli-kjh-s3-encryption-test1-role", out['AssumedRoleUser'])
check('session key', out['Credentials']['AccessKeyId'].startswith('ASIA'))

# A profile with role_arn + source_profile, exactly like the story; botocore's own AssumeRole uses AWS_ENDPOINT_URL.
home = tempfile.mkdtemp(prefix='iamlocal-boto3-')
config = os.path.join(home, 'config')
with open(config, 'w') as f:
    f.write('[profile saml]\nregion = us-east-1\n'
            f"aws_access_key_id = {SAML['aws_access_key_id']}\naws_secret_access_key = {SAML['aws_secret_access_key']}\n"
            f"aws_session_token = {SAML['aws_session_token']}\n\n"
            f'[profile kjh-s3-encryption-test1-role]\nregion = us-east-1\nrole_arn = {ROLE_ARN}\nsource_profile = saml\n')
os.environ.update(AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, 'none'), AWS_ENDPOINT_URL=URL)
role_s3 = boto3.Session(profile_name='kjh-s3-encryption-test1-role').client('s3', config=CONFIG)


def first(client):
    contents = client.list_objects(Bucket='kjh-encryption-test1', Prefix='cli-s3api-kms/')['Contents']
    return contents[0]


obj = first(role_s3)
check('role lists without Owner', 'Owner' not in obj and obj['Key'] == 'cli-s3api-kms/QBF.txt.enc' and obj['Size'] == 45, obj)
check('saml lists with Owner', first(s3).get('Owner', {}).get('DisplayName') == 'redacted')

v5 = {'Version': '2012-10-17', 'Statement': [
    {'Action': ['s3:DeleteObject', 's3:GetObject', 's3:PutObject', 's3:GetObjectAcl'], 'Resource': ['arn:aws:s3:::kjh-encryption-test1/*'], 'Effect': 'Allow'},
    {'Action': ['s3:ListBucket'], 'Resource': ['arn:aws:s3:::kjh-encryption-test1'], 'Effect': 'Allow'}]}
created = iam.create_policy_version(PolicyArn=POLICY_ARN, PolicyDocument=json.dumps(v5), SetAsDefault=True)['PolicyVersion']
check('v5 default', created['VersionId'] == 'v5' and created['IsDefaultVersion'])
check('role now sees Owner', first(role_s3).get('Owner', {}).get('DisplayName') == 'redacted')

policy = iam.get_policy(PolicyArn=POLICY_ARN)['Policy']
check('get-policy metadata', policy['DefaultVersionId'] == 'v5' and policy['AttachmentCount'] == 1 and 'Document' not in policy, policy)
version = iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId='v5')['PolicyVersion']
check('get-policy-version document', version['Document'] == v5 and version['IsDefaultVersion'], version)

err = error_of(lambda: role_s3.list_objects(Bucket='kjh-encryption-test1', Prefix='x/', MaxKeys=1) and role_s3.delete_bucket(Bucket='kjh-encryption-test1'))
check('role may not delete the bucket', err and err['Code'] == 'AccessDenied' and 's3:DeleteBucket' in err['Message'], err)
bad = boto3.client('sts', endpoint_url=URL, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='wrong', config=CONFIG)
err = error_of(bad.get_caller_identity)
check('bad secret', err and err['Code'] == 'SignatureDoesNotMatch', err)
url = s3.generate_presigned_url('get_object', Params={'Bucket': 'kjh-encryption-test1', 'Key': 'cli-s3api-kms/QBF.txt.enc'}, ExpiresIn=60)
import urllib.request
check('presigned url (SigV2, boto3 default)', urllib.request.urlopen(url).read() == b'The quick brown fox jumps over the lazy dog.\n')
print(json.dumps({'done': True}))
