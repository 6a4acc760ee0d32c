"""Virtual MFA with boto3 and the AWS CLI against a live iamlocal (URL in argv[1]): create and enable a device with RFC 6238 codes computed
here, then GetSessionToken with SerialNumber/TokenCode and a policy that requires aws:MultiFactorAuthPresent. Prints one
JSON line per check; exits non-zero on the first failure."""
import base64, hashlib, hmac, json, os, re, struct, subprocess, sys, tempfile, time
import boto3
from botocore.config import Config
from checks import aws_cli, check, error_of, shape_problems

URL = sys.argv[1]
ACCOUNT = '123456789012'
CONFIG = Config(retries={'max_attempts': 1})
ROOT = dict(aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
iam = boto3.client('iam', endpoint_url=URL, config=CONFIG, **ROOT)
MODEL = iam.meta.service_model



def totp(seed, at=None):
    """RFC 6238: HMAC-SHA1 over the 30-second step, dynamic truncation, 6 digits."""
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(seed + '=' * (-len(seed) % 8)), struct.pack('>Q', step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return '%06d' % ((struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def output_problems(operation, response):
    body = {k: v for k, v in response.items() if k != 'ResponseMetadata'}
    return shape_problems(body, MODEL.operation_model(operation).output_shape)


def shape_check(operation, response):
    problems = output_problems(operation, response)
    check(f'{operation} matches the botocore output shape', not problems, problems or response)


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
shape_check('CreateVirtualMFADevice', created)

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
# GetSessionToken credentials without MFA cannot call IAM (STS API Reference, GetSessionToken): InvalidClientTokenId.
check('session without MFA: no IAM calls', err and err['Code'] == 'InvalidClientTokenId' and err['Message'] == 'The security token included in the request is invalid', err)

token = sts.get_session_token(SerialNumber=serial, TokenCode=totp(seed), DurationSeconds=900)
check('get-session-token with MFA', 'Credentials' in token, token)
check('GetSessionToken matches the botocore output shape', not shape_problems({k: v for k, v in token.items() if k != 'ResponseMetadata'},
      sts.meta.service_model.operation_model('GetSessionToken').output_shape), token)
creds = token['Credentials']
mfa_iam = boto3.client('iam', endpoint_url=URL, config=CONFIG, aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'],
                       aws_session_token=creds['SessionToken'], region_name='us-east-1')
users = mfa_iam.list_users()
check('session with MFA: allowed', [u['UserName'] for u in users['Users']] == ['mfa-user'], users)

# ---- The other credential kinds, each response checked against the model ----
# An ssh-rsa key made with ssh-keygen, and the fingerprint `ssh-keygen -l -E md5` printed for it.
SSH_KEY = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDpH9kqDTCyh8cbggY5owegUetx4A8yzrhxwUPx0GSsAvpeIhZVsIfFWszIAJ+FpiVc0ZxyPoGoh0l148CFMNHibUtrGwqiNl9ZtRuz4uM/Ai7Sm9gkqaLltlw+vj4zVdY8bkwh9o/5fgT2aks3YXr2kbiqx8Xw7yvkFv8kPdIs/tDAPtMzWeFfc8M52mpBdqIGbSY9qA/Z5GNedewZbtTDH6Zz2h1M929vgXT598ZBpn/z0brKrkCzSMti5iQxqGleLxHSV1X25L1oEC3+ljOeMyPBbSq7bo1Kke6xgHYWZr7sJLp0abuyggtIWNlmnqdChAxAv/+bzy+jGVaskwXz iamlocal@test'
SSH_MD5 = 'ae:9a:c4:47:22:61:8a:d1:9f:b4:74:07:91:1f:24:66'
CERTS = dict(re.findall(r"export const (\w+) = `([^`]*)`", open(os.path.join(os.path.dirname(__file__), '..', 'sdk', 'test-certificates.ts')).read()))
shape_check('ListVirtualMFADevices', virtual)
shape_check('GetMFADevice', iam.get_mfa_device(UserName='mfa-user', SerialNumber=serial))
uploaded = iam.upload_ssh_public_key(UserName='mfa-user', SSHPublicKeyBody=SSH_KEY)
shape_check('UploadSSHPublicKey', uploaded)
check('ssh fingerprint as ssh-keygen -E md5 prints it', uploaded['SSHPublicKey']['Fingerprint'] == SSH_MD5, uploaded)
key_id = uploaded['SSHPublicKey']['SSHPublicKeyId']
shape_check('GetSSHPublicKey', iam.get_ssh_public_key(UserName='mfa-user', SSHPublicKeyId=key_id, Encoding='PEM'))
shape_check('ListSSHPublicKeys', iam.list_ssh_public_keys(UserName='mfa-user'))
shape_check('UploadServerCertificate', iam.upload_server_certificate(ServerCertificateName='web', CertificateBody=CERTS['CERT_A'], PrivateKey=CERTS['KEY_A'],
                                                                     Tags=[{'Key': 'k', 'Value': 'v'}]))
shape_check('GetServerCertificate', iam.get_server_certificate(ServerCertificateName='web'))
shape_check('ListServerCertificates', iam.list_server_certificates())
err = error_of(lambda: iam.upload_server_certificate(ServerCertificateName='other', CertificateBody=CERTS['CERT_A'], PrivateKey=CERTS['KEY_B']))
check('server certificate with the wrong key: KeyPairMismatch', err and err['Code'] == 'KeyPairMismatch', err)
signing = iam.upload_signing_certificate(UserName='mfa-user', CertificateBody=CERTS['CERT_B'])
shape_check('UploadSigningCertificate', signing)
shape_check('ListSigningCertificates', iam.list_signing_certificates(UserName='mfa-user'))
credential = iam.create_service_specific_credential(UserName='mfa-user', ServiceName='cassandra.amazonaws.com')
shape_check('CreateServiceSpecificCredential', credential)
credential_id = credential['ServiceSpecificCredential']['ServiceSpecificCredentialId']
shape_check('ResetServiceSpecificCredential', iam.reset_service_specific_credential(UserName='mfa-user', ServiceSpecificCredentialId=credential_id))
shape_check('ListServiceSpecificCredentials', iam.list_service_specific_credentials(UserName='mfa-user'))
err = error_of(lambda: iam.create_service_specific_credential(UserName='mfa-user', ServiceName='sqs.amazonaws.com'))
check('unsupported service: NotSupportedService', err and err['Code'] == 'NotSupportedService', err)
err = error_of(lambda: iam.list_organizations_features())
check('list-organizations-features outside an organization', err and err['Code'] == 'OrganizationNotFoundException', err)
iam.set_security_token_service_preferences(GlobalEndpointTokenVersion='v2Token')
check('GlobalEndpointTokenVersion in the summary', iam.get_account_summary()['SummaryMap']['GlobalEndpointTokenVersion'] == 2)
for fn in (lambda: iam.delete_ssh_public_key(UserName='mfa-user', SSHPublicKeyId=key_id),
           lambda: iam.delete_signing_certificate(UserName='mfa-user', CertificateId=signing['Certificate']['CertificateId']),
           lambda: iam.delete_service_specific_credential(UserName='mfa-user', ServiceSpecificCredentialId=credential_id),
           lambda: iam.delete_server_certificate(ServerCertificateName='web')):
    fn()

# ---- The AWS CLI writes the seed or the QR code to --outfile ----
def aws(*args):
    return aws_cli(URL, *args)


with tempfile.TemporaryDirectory() as tmp:
    seed_file, png_file = os.path.join(tmp, 'seed.txt'), os.path.join(tmp, 'qr.png')
    cli = aws('iam', 'create-virtual-mfa-device', '--virtual-mfa-device-name', 'cli-seed', '--outfile', seed_file, '--bootstrap-method', 'Base32StringSeed')
    cli_seed = open(seed_file, 'rb').read().decode('ascii')
    check('cli create-virtual-mfa-device --bootstrap-method Base32StringSeed', re.fullmatch(r'[A-Z2-7]{64}', cli_seed)
          and cli['VirtualMFADevice']['SerialNumber'] == f'arn:aws:iam::{ACCOUNT}:mfa/cli-seed', cli)
    aws('iam', 'create-virtual-mfa-device', '--virtual-mfa-device-name', 'cli-qr', '--outfile', png_file, '--bootstrap-method', 'QRCodePNG')
    check('cli create-virtual-mfa-device --bootstrap-method QRCodePNG', open(png_file, 'rb').read(8) == b'\x89PNG\r\n\x1a\n')
    now = time.time()
    aws('iam', 'enable-mfa-device', '--user-name', 'mfa-user', '--serial-number', f'arn:aws:iam::{ACCOUNT}:mfa/cli-seed',
        '--authentication-code1', totp(cli_seed, now - 30), '--authentication-code2', totp(cli_seed, now))
    check('cli enable-mfa-device', len(iam.list_mfa_devices(UserName='mfa-user')['MFADevices']) == 2)
    aws('iam', 'deactivate-mfa-device', '--user-name', 'mfa-user', '--serial-number', f'arn:aws:iam::{ACCOUNT}:mfa/cli-seed')
    for name in ('cli-seed', 'cli-qr'):
        aws('iam', 'delete-virtual-mfa-device', '--serial-number', f'arn:aws:iam::{ACCOUNT}:mfa/{name}')

err = error_of(lambda: iam.delete_user(UserName='mfa-user'))
check('delete-user with an MFA device: DeleteConflict', err and err['Code'] == 'DeleteConflict', err)
iam.deactivate_mfa_device(UserName='mfa-user', SerialNumber=serial)
iam.delete_virtual_mfa_device(SerialNumber=serial)
check('device gone', iam.list_virtual_mfa_devices()['VirtualMFADevices'] == [])
print(json.dumps({'done': True}))
