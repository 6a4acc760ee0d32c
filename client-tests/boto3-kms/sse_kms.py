"""S3 SSE-KMS in the story's world with boto3 against a live iamlocal (URL in argv[1], seeded with seed-story.yaml):
the role kjh-s3-encryption-test1-role uploads with SSE-KMS under alias/kjh-s3-encryption-test1 only once its policy
allows kms:GenerateDataKey, and reads back only with kms:Decrypt; bucket default encryption round-trips.
AWS references: S3 User Guide "Using server-side encryption with AWS KMS keys (SSE-KMS)" (Permissions) and
"Setting default server-side encryption behavior for Amazon S3 buckets". One JSON line per check."""
import json, sys
import boto3
from botocore.config import Config
from checks import check, error_of

URL = sys.argv[1]
ACCOUNT = '123456789012'
KEY_ARN = f'arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab'
ROLE_ARN = f'arn:aws:iam::{ACCOUNT}:role/kjh-s3-encryption-test1-role'
POLICY_ARN = f'arn:aws:iam::{ACCOUNT}:policy/kjh-s3-encryption-test1'
SAML_ARN = f'arn:aws:sts::{ACCOUNT}:assumed-role/PowerUser/kevin.hakanson@example.com'
SESSION_ARN = f'arn:aws:sts::{ACCOUNT}:assumed-role/kjh-s3-encryption-test1-role/boto3-sse-kms'
CONFIG = Config(retries={'max_attempts': 1})
B = 'kjh-encryption-test1'
QBF = b'The quick brown fox jumps over the lazy dog.\n'

saml = boto3.Session(aws_access_key_id='ASIAEXAMPLESAMLLOGIN', aws_secret_access_key='saml-login-secret-access-key-example0000',
                     aws_session_token='saml-login-session-token-example', region_name='us-east-1')
iam = saml.client('iam', endpoint_url=URL, config=CONFIG)
trust = {'Version': '2012-10-17', 'Statement': [{'Action': 'sts:AssumeRole', 'Effect': 'Allow', 'Principal': {'AWS': SAML_ARN}}]}
iam.update_assume_role_policy(RoleName='kjh-s3-encryption-test1-role', PolicyDocument=json.dumps(trust))
creds = saml.client('sts', endpoint_url=URL, config=CONFIG).assume_role(RoleArn=ROLE_ARN, RoleSessionName='boto3-sse-kms')['Credentials']
role = boto3.Session(aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'], aws_session_token=creds['SessionToken'],
                     region_name='us-east-1').client('s3', endpoint_url=URL, config=CONFIG)


def set_policy(kms_actions):
    statements = [{'Action': ['s3:GetObject', 's3:PutObject'], 'Resource': [f'arn:aws:s3:::{B}/*'], 'Effect': 'Allow'}]
    if kms_actions:
        statements.append({'Action': kms_actions, 'Resource': [KEY_ARN], 'Effect': 'Allow'})
    for v in iam.list_policy_versions(PolicyArn=POLICY_ARN)['Versions']:
        if not v['IsDefaultVersion']:
            iam.delete_policy_version(PolicyArn=POLICY_ARN, VersionId=v['VersionId'])
    iam.create_policy_version(PolicyArn=POLICY_ARN, PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': statements}), SetAsDefault=True)


def denial(action):
    return f'User: {SESSION_ARN} is not authorized to perform: {action} on resource: {KEY_ARN} because no identity-based policy allows the {action} action'


put = lambda: role.put_object(Bucket=B, Key='cli-s3api-kms/boto3.txt', Body=QBF, ServerSideEncryption='aws:kms', SSEKMSKeyId='alias/kjh-s3-encryption-test1')
set_policy([])
err = error_of(put)
check('PutObject SSE-KMS without kms:GenerateDataKey: 403 AccessDenied with KMS\'s text', err and err['Code'] == 'AccessDenied' and err['Message'] == denial('kms:GenerateDataKey'), err)

set_policy(['kms:GenerateDataKey'])
out = put()
check('PutObject SSE-KMS with kms:GenerateDataKey', out['ServerSideEncryption'] == 'aws:kms' and out['SSEKMSKeyId'] == KEY_ARN, out)
err = error_of(lambda: role.get_object(Bucket=B, Key='cli-s3api-kms/boto3.txt'))
check('GetObject without kms:Decrypt: 403 AccessDenied with KMS\'s text', err and err['Code'] == 'AccessDenied' and err['Message'] == denial('kms:Decrypt'), err)
head = role.head_object(Bucket=B, Key='cli-s3api-kms/boto3.txt')
check('HeadObject needs no kms:Decrypt', head['SSEKMSKeyId'] == KEY_ARN and head['ContentLength'] == len(QBF), head)

set_policy(['kms:GenerateDataKey', 'kms:Decrypt'])
got = role.get_object(Bucket=B, Key='cli-s3api-kms/boto3.txt')
check('GetObject with kms:Decrypt decrypts', got['Body'].read() == QBF and got['ServerSideEncryption'] == 'aws:kms')
rng = role.get_object(Bucket=B, Key='cli-s3api-kms/boto3.txt', Range='bytes=4-8')
check('a range of an SSE-KMS object decrypts', rng['Body'].read() == QBF[4:9])

# Bucket default encryption, by the bucket's owner (the PowerUser session).
s3 = saml.client('s3', endpoint_url=URL, config=CONFIG)
conf = s3.get_bucket_encryption(Bucket=B)['ServerSideEncryptionConfiguration']
check('default encryption is SSE-S3', conf['Rules'][0]['ApplyServerSideEncryptionByDefault'] == {'SSEAlgorithm': 'AES256'}, conf)
s3.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={'Rules': [{
    'ApplyServerSideEncryptionByDefault': {'SSEAlgorithm': 'aws:kms', 'KMSMasterKeyID': KEY_ARN}, 'BucketKeyEnabled': True}]})
out = role.put_object(Bucket=B, Key='cli-s3api-kms/defaulted.txt', Body=QBF)
check('a PutObject without SSE headers gets the bucket default SSE-KMS with a Bucket Key',
      out['ServerSideEncryption'] == 'aws:kms' and out['SSEKMSKeyId'] == KEY_ARN and out.get('BucketKeyEnabled') is True, out)
check('and reads back', role.get_object(Bucket=B, Key='cli-s3api-kms/defaulted.txt')['Body'].read() == QBF)
err = error_of(lambda: s3.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={'Rules': [{'ApplyServerSideEncryptionByDefault': {'SSEAlgorithm': 'aws:nope'}}]}))
check('an unknown algorithm: MalformedXML', err and err['Code'] == 'MalformedXML', err)
s3.delete_bucket_encryption(Bucket=B)
check('DeleteBucketEncryption resets to SSE-S3', role.put_object(Bucket=B, Key='cli-s3api-kms/plain.txt', Body=b'p')['ServerSideEncryption'] == 'AES256')
print(json.dumps({'done': True}))
