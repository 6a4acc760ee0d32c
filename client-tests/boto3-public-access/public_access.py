"""Block Public Access, Object Ownership, ACLs and anonymous requests with boto3 (signed and UNSIGNED), boto3's s3control
(the account-level setting) and the AWS CLI, against a live iamlocal (URL in argv[1]). AWS docs: S3 User Guide "Blocking
public access to your Amazon S3 storage", "Controlling ownership of objects and disabling ACLs for your bucket",
"Access control list (ACL) overview"; S3 Control API reference PutPublicAccessBlock. Prints one JSON line per check;
exits non-zero on the first failure."""
import json, os, re, subprocess, sys
import boto3
from botocore import UNSIGNED
from botocore.config import Config
from checks import aws_cli, check, error_of

URL = sys.argv[1]
ACCOUNT = '123456789012'
CREDS = dict(aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
CONFIG = Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'})
s3 = boto3.client('s3', endpoint_url=URL, config=CONFIG, **CREDS)
anon = boto3.client('s3', endpoint_url=URL, config=Config(signature_version=UNSIGNED, retries={'max_attempts': 1}, s3={'addressing_style': 'path'}), region_name='us-east-1')
control = boto3.client('s3control', endpoint_url=URL, config=Config(retries={'max_attempts': 1}, inject_host_prefix=False), **CREDS)
# The s3control endpoint rules put the account id in front of the host ({AccountId}.s3-control...): against a local
# endpoint, the request goes to the endpoint itself, as path-style S3 does.
control.meta.events.register('before-sign.s3-control.*', lambda request, **_: setattr(request, 'url', re.sub(r'//\d{12}\.', '//', request.url, count=1)))
ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers'
ALL_ON = {'BlockPublicAcls': True, 'IgnorePublicAcls': True, 'BlockPublicPolicy': True, 'RestrictPublicBuckets': True}


def aws(*args):
    return aws_cli(URL, *args)


def cli(*args):
    """Runs the AWS CLI as the root user: (exit code, stdout, stderr)."""
    env = {'PATH': os.environ.get('PATH', ''), 'HOME': os.environ.get('HOME', '/tmp'), 'AWS_ACCESS_KEY_ID': 'test', 'AWS_SECRET_ACCESS_KEY': 'test',
           'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_CONFIG_FILE': '/dev/null', 'AWS_SHARED_CREDENTIALS_FILE': '/dev/null'}
    out = subprocess.run([sys.executable, '-m', 'awscli', '--endpoint-url', URL, *args], env=env, capture_output=True, text=True)
    return out.returncode, out.stdout, out.stderr


def aws_error(*args):
    """Runs the AWS CLI expecting it to fail; its stderr ('' if it succeeded)."""
    code, _, stderr = cli(*args)
    return stderr if code != 0 else ''


def public_read(bucket):
    return json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': '*', 'Action': 's3:GetObject', 'Resource': f'arn:aws:s3:::{bucket}/*'}]})


# ---- boto3: defaults, BlockPublicPolicy, anonymous GET ----
s3.create_bucket(Bucket='py-pab')
check('new bucket: all four settings on', s3.get_public_access_block(Bucket='py-pab')['PublicAccessBlockConfiguration'] == ALL_ON)
check('new bucket: BucketOwnerEnforced', s3.get_bucket_ownership_controls(Bucket='py-pab')['OwnershipControls']['Rules'] == [{'ObjectOwnership': 'BucketOwnerEnforced'}])
err = error_of(lambda: s3.put_bucket_policy(Bucket='py-pab', Policy=public_read('py-pab')))
check('public policy refused by BlockPublicPolicy', err and err['Code'] == 'AccessDenied' and err['Message'].endswith(
    'because public policies are blocked by the BlockPublicPolicy block public access setting.'), err)
s3.put_object(Bucket='py-pab', Key='hello.txt', Body=b'hello')
err = error_of(lambda: anon.get_object(Bucket='py-pab', Key='hello.txt'))
check('anonymous GET denied: Access Denied', err and err['Code'] == 'AccessDenied' and err['Message'] == 'Access Denied', err)
s3.delete_public_access_block(Bucket='py-pab')
s3.put_bucket_policy(Bucket='py-pab', Policy=public_read('py-pab'))
check('anonymous GET allowed by a public policy', anon.get_object(Bucket='py-pab', Key='hello.txt')['Body'].read() == b'hello')
err = error_of(lambda: anon.put_object(Bucket='py-pab', Key='x', Body=b'x'))
check('anonymous PUT still denied', err and err['Code'] == 'AccessDenied', err)
check('policy status: public', s3.get_bucket_policy_status(Bucket='py-pab')['PolicyStatus']['IsPublic'] is True)
code, out, stderr = cli('s3', 'cp', 's3://py-pab/hello.txt', '-', '--no-sign-request')
check('cli: aws s3 cp --no-sign-request reads the public object', code == 0 and out == 'hello', stderr)

# ---- s3control: the account-level setting ----
err = error_of(lambda: control.get_public_access_block(AccountId=ACCOUNT))
check('s3control: none yet', err and err['Code'] == 'NoSuchPublicAccessBlockConfiguration', err)
control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={'RestrictPublicBuckets': True, 'BlockPublicPolicy': True})
got = control.get_public_access_block(AccountId=ACCOUNT)['PublicAccessBlockConfiguration']
check('s3control: stored', got == {'BlockPublicAcls': False, 'IgnorePublicAcls': False, 'BlockPublicPolicy': True, 'RestrictPublicBuckets': True}, got)
err = error_of(lambda: anon.get_object(Bucket='py-pab', Key='hello.txt'))
check('account RestrictPublicBuckets blocks anonymous access', err and err['Code'] == 'AccessDenied', err)
err = error_of(lambda: s3.put_bucket_policy(Bucket='py-pab', Policy=public_read('py-pab')))
check('account BlockPublicPolicy refuses a public policy', err and err['Code'] == 'AccessDenied', err)
err = error_of(lambda: control.get_public_access_block(AccountId='210987654321'))
check("s3control: another account's setting is denied", err and err['Code'] == 'AccessDenied', err)
control.delete_public_access_block(AccountId=ACCOUNT)
check('s3control: deleted, public again', anon.get_object(Bucket='py-pab', Key='hello.txt')['Body'].read() == b'hello')

# ---- boto3: ACL errors ----
err = error_of(lambda: s3.create_bucket(Bucket='py-acl-pub', ACL='public-read', ObjectOwnership='ObjectWriter'))
check('CreateBucket with a public ACL: the new bucket blocks it', err and err['Code'] == 'InvalidBucketAclWithBlockPublicAccessError', err)
s3.create_bucket(Bucket='py-acl', ObjectOwnership='ObjectWriter')
s3.delete_public_access_block(Bucket='py-acl')
s3.put_object(Bucket='py-acl', Key='o', Body=b'o', ACL='public-read')
grants = s3.get_object_acl(Bucket='py-acl', Key='o')['Grants']
check('public-read comes back as an AllUsers Group grant', [g['Grantee'].get('URI') for g in grants if g['Grantee']['Type'] == 'Group'] == [ALL_USERS], grants)
check('anonymous GET allowed by the ACL', anon.get_object(Bucket='py-acl', Key='o')['Body'].read() == b'o')
owner = s3.get_bucket_acl(Bucket='py-acl')['Owner']
err = error_of(lambda: s3.put_object_acl(Bucket='py-acl', Key='o', AccessControlPolicy={
    'Owner': owner, 'Grants': [{'Grantee': {'Type': 'AmazonCustomerByEmail', 'EmailAddress': 'nobody@example.com'}, 'Permission': 'READ'}]}))
check('a grant to an unknown email is refused', err and err['Code'] == 'UnresolvableGrantByEmailAddress'
      and err['Message'] == 'The e-mail address you provided does not match any account on record.', err)
err = error_of(lambda: s3.put_object_acl(Bucket='py-acl', Key='o', ACL='private', GrantRead=f'uri="{ALL_USERS}"'))
check('canned ACL and grant headers together are refused', err and err['Code'] == 'InvalidRequest', err)

# ---- AWS CLI ----
aws('s3api', 'create-bucket', '--bucket', 'cli-pab')
aws('s3api', 'put-public-access-block', '--bucket', 'cli-pab', '--public-access-block-configuration', 'BlockPublicAcls=true,IgnorePublicAcls=false,BlockPublicPolicy=false,RestrictPublicBuckets=false')
got = aws('s3api', 'get-public-access-block', '--bucket', 'cli-pab')['PublicAccessBlockConfiguration']
check('cli: put/get-public-access-block', got == {'BlockPublicAcls': True, 'IgnorePublicAcls': False, 'BlockPublicPolicy': False, 'RestrictPublicBuckets': False}, got)
with open('/tmp/iamlocal-cli-pab.txt', 'w') as f:
    f.write('cli')
stderr = aws_error('s3', 'cp', '/tmp/iamlocal-cli-pab.txt', 's3://cli-pab/a.txt', '--acl', 'public-read')
check('cli: aws s3 cp --acl public-read into an ACLs-disabled bucket', 'AccessControlListNotSupported' in stderr, stderr)
aws('s3api', 'put-bucket-ownership-controls', '--bucket', 'cli-pab', '--ownership-controls', 'Rules=[{ObjectOwnership=BucketOwnerPreferred}]')
stderr = aws_error('s3', 'cp', '/tmp/iamlocal-cli-pab.txt', 's3://cli-pab/a.txt', '--acl', 'authenticated-read')
# AuthenticatedUsers grants are public too ("The meaning of public").
check('cli: BlockPublicAcls refuses a public ACL on upload', 'AccessDenied' in stderr and 'BlockPublicAcls' in stderr, stderr)
s3.delete_public_access_block(Bucket='cli-pab')
code, _, stderr = cli('s3', 'cp', '/tmp/iamlocal-cli-pab.txt', 's3://cli-pab/a.txt', '--acl', 'authenticated-read')
check('cli: aws s3 cp --acl authenticated-read', code == 0, stderr)
grants = aws('s3api', 'get-object-acl', '--bucket', 'cli-pab', '--key', 'a.txt')['Grants']
check('cli: authenticated-read stored', any(g['Grantee'].get('URI') == 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' and g['Permission'] == 'READ' for g in grants), grants)
check('cli: BucketOwnerPreferred without bucket-owner-full-control: the writer owns it', s3.get_object_acl(Bucket='cli-pab', Key='a.txt')['Owner']['ID'] == owner['ID'])
print(json.dumps({'done': True}))
