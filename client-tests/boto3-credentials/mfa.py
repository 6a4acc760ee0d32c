"""Virtual MFA with boto3 against a live iamlocal (URL in argv[1]): create and enable a device with RFC 6238 codes computed
here, then GetSessionToken with SerialNumber/TokenCode and a policy that requires aws:MultiFactorAuthPresent. Prints one
JSON line per check; exits non-zero on the first failure."""
import base64, hashlib, hmac, json, struct, sys, time
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

URL = sys.argv[1]
ACCOUNT = '123456789012'
CONFIG = Config(retries={'max_attempts': 1})
ROOT = dict(aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
iam = boto3.client('iam', endpoint_url=URL, config=CONFIG, **ROOT)
MODEL = iam.meta.service_model


def check(name, ok, detail=None):
    print(json.dumps({'check': name, 'ok': bool(ok), 'detail': detail}, default=str))
    if not ok:
        sys.exit(1)


def error_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response['Error']
    return None


def totp(seed, at=None):
    """RFC 6238: HMAC-SHA1 over the 30-second step, dynamic truncation, 6 digits."""
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(seed + '=' * (-len(seed) % 8)), struct.pack('>Q', step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return '%06d' % ((struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def output_problems(operation, response):
    shape = MODEL.operation_model(operation).output_shape
    body = {k: v for k, v in response.items() if k != 'ResponseMetadata'}
    return [k for k in body if k not in shape.members] + [k for k in shape.required_members if k not in body]


iam.create_user(UserName='mfa-user')
key = iam.create_access_key(UserName='mfa-user')['AccessKey']
iam.put_user_policy(UserName='mfa-user', PolicyName='require-mfa', PolicyDocument=json.dumps({
    'Version': '2012-10-17',
    'Statement': [{'Effect': 'Allow', 'Action': 'iam:ListUsers', 'Resource': '*', 'Condition': {'Bool': {'aws:MultiFactorAuthPresent': 'true'}}}],
}))

created = iam.create_virtual_mfa_device(VirtualMFADeviceName='mfa-user-phone')
device = created['VirtualMFADevice']
serial = device['SerialNumber']
seed = device['Base32StringSeed'].decode('ascii')
check('create-virtual-mfa-device', serial == f'arn:aws:iam::{ACCOUNT}:mfa/mfa-user-phone' and len(seed) == 64, device)
check('create-virtual-mfa-device shape', not output_problems('CreateVirtualMFADevice', created), output_problems('CreateVirtualMFADevice', created))

now = time.time()
err = error_of(lambda: iam.enable_mfa_device(UserName='mfa-user', SerialNumber=serial, AuthenticationCode1='000000', AuthenticationCode2='111111'))
check('enable with bad codes: InvalidAuthenticationCode', err and err['Code'] == 'InvalidAuthenticationCode' and err['Message'] == 'Authentication code for device is not valid.', err)
iam.enable_mfa_device(UserName='mfa-user', SerialNumber=serial, AuthenticationCode1=totp(seed, now - 30), AuthenticationCode2=totp(seed, now))
listed = iam.list_mfa_devices(UserName='mfa-user')
check('list-mfa-devices', [d['SerialNumber'] for d in listed['MFADevices']] == [serial] and not output_problems('ListMFADevices', listed), listed)
virtual = iam.list_virtual_mfa_devices(AssignmentStatus='Assigned')
check('list-virtual-mfa-devices assigned', [d['User']['UserName'] for d in virtual['VirtualMFADevices']] == ['mfa-user'], virtual)

user_iam = boto3.client('iam', endpoint_url=URL, config=CONFIG, aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'], region_name='us-east-1')
err = error_of(lambda: user_iam.list_users())
check('long-term keys: MFA condition denies', err and err['Code'] == 'AccessDenied', err)

sts = boto3.client('sts', endpoint_url=URL, config=CONFIG, aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'], region_name='us-east-1')
valid = {totp(seed, time.time() + i * 30) for i in (-1, 0, 1)}
wrong = next(c for c in ('%06d' % n for n in range(10)) if c not in valid)
err = error_of(lambda: sts.get_session_token(SerialNumber=serial, TokenCode=wrong))
check('get-session-token wrong code: AccessDenied', err and err['Code'] == 'AccessDenied'
      and err['Message'] == 'MultiFactorAuthentication failed with invalid MFA one time pass code.', err)

plain = sts.get_session_token()['Credentials']
plain_iam = boto3.client('iam', endpoint_url=URL, config=CONFIG, aws_access_key_id=plain['AccessKeyId'], aws_secret_access_key=plain['SecretAccessKey'],
                         aws_session_token=plain['SessionToken'], region_name='us-east-1')
err = error_of(lambda: plain_iam.list_users())
check('session without MFA: denied', err and err['Code'] == 'AccessDenied', err)

token = sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed), DurationSeconds=900)
check('get-session-token with MFA', 'Credentials' in token, token)
creds = token['Credentials']
mfa_iam = boto3.client('iam', endpoint_url=URL, config=CONFIG, aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'],
                       aws_session_token=creds['SessionToken'], region_name='us-east-1')
users = mfa_iam.list_users()
check('session with MFA: allowed', [u['UserName'] for u in users['Users']] == ['mfa-user'], users)

err = error_of(lambda: iam.delete_user(UserName='mfa-user'))
check('delete-user with an MFA device: DeleteConflict', err and err['Code'] == 'DeleteConflict', err)
iam.deactivate_mfa_device(UserName='mfa-user', SerialNumber=serial)
iam.delete_virtual_mfa_device(SerialNumber=serial)
check('device gone', iam.list_virtual_mfa_devices()['VirtualMFADevices'] == [])
print(json.dumps({'done': True}))
