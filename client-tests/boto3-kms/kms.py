"""KMS with boto3 against a live iamlocal (URL in argv[1]): keys, aliases, cryptography checked with the `cryptography`
package, key policies and grants enforced. Prints one JSON line per check and exits non-zero on the first failure.
AWS references: KMS Developer Guide "Default key policy", "Grants in AWS KMS"; KMS API Reference (Encrypt, Decrypt, Sign)."""
import json, sys
import boto3
from botocore.config import Config
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from checks import check, error_of, shape_problems

URL = sys.argv[1]
ACCOUNT = '123456789012'
CONFIG = Config(retries={'max_attempts': 1})
root = boto3.Session(aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
kms = root.client('kms', endpoint_url=URL, config=CONFIG)
iam = root.client('iam', endpoint_url=URL, config=CONFIG)

created = kms.create_key(Description='boto3', Tags=[{'TagKey': 'team', 'TagValue': 'qa'}])
meta = created['KeyMetadata']
key_id, key_arn = meta['KeyId'], meta['Arn']
output_shape = kms.meta.service_model.operation_model('CreateKey').output_shape
check('CreateKey output fits the model', not shape_problems(created['KeyMetadata'], output_shape.members['KeyMetadata']), shape_problems(created['KeyMetadata'], output_shape.members['KeyMetadata']))
check('key metadata', meta['KeyState'] == 'Enabled' and meta['KeySpec'] == 'SYMMETRIC_DEFAULT' and meta['KeyManager'] == 'CUSTOMER', meta)
kms.create_alias(AliasName='alias/boto3', TargetKeyId=key_id)

blob = kms.encrypt(KeyId='alias/boto3', Plaintext=b'hello kms', EncryptionContext={'app': 'boto3'})['CiphertextBlob']
out = kms.decrypt(CiphertextBlob=blob, EncryptionContext={'app': 'boto3'})
check('decrypt without KeyId', out['Plaintext'] == b'hello kms' and out['KeyId'] == key_arn, out)
err = error_of(lambda: kms.decrypt(CiphertextBlob=blob, EncryptionContext={'app': 'other'}))
check('wrong encryption context', err and err['Code'] == 'InvalidCiphertextException', err)

# A user with no identity policy is denied; the default key policy lets an identity policy grant.
iam.create_user(UserName='b3')
access = iam.create_access_key(UserName='b3')['AccessKey']
user_kms = boto3.Session(aws_access_key_id=access['AccessKeyId'], aws_secret_access_key=access['SecretAccessKey'], region_name='us-east-1').client('kms', endpoint_url=URL, config=CONFIG)
err = error_of(lambda: user_kms.decrypt(CiphertextBlob=blob, EncryptionContext={'app': 'boto3'}))
expected = f'User: arn:aws:iam::{ACCOUNT}:user/b3 is not authorized to perform: kms:Decrypt on resource: {key_arn} because no identity-based policy allows the kms:Decrypt action'
check('decrypt denied without identity policy', err and err['Code'] == 'AccessDeniedException' and err['Message'] == expected, err)
iam.put_user_policy(UserName='b3', PolicyName='kms', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': 'kms:Decrypt', 'Resource': key_arn, 'Condition': {'StringEquals': {'kms:EncryptionContext:app': 'boto3'}}}]}))
check('decrypt allowed by identity policy', user_kms.decrypt(CiphertextBlob=blob, EncryptionContext={'app': 'boto3'})['Plaintext'] == b'hello kms')

# A grant lets the user encrypt, which no policy allows.
err = error_of(lambda: user_kms.encrypt(KeyId=key_id, Plaintext=b'x'))
check('encrypt denied', err and err['Code'] == 'AccessDeniedException', err)
grant = kms.create_grant(KeyId=key_id, GranteePrincipal=f'arn:aws:iam::{ACCOUNT}:user/b3', Operations=['Encrypt'])
check('encrypt allowed by grant', user_kms.encrypt(KeyId=key_id, Plaintext=b'x', GrantTokens=[grant['GrantToken']])['KeyId'] == key_arn)
kms.revoke_grant(KeyId=key_id, GrantId=grant['GrantId'])
err = error_of(lambda: user_kms.encrypt(KeyId=key_id, Plaintext=b'x'))
check('encrypt denied after revoke', err and err['Code'] == 'AccessDeniedException', err)

# ECDSA: the public key from GetPublicKey verifies KMS's signature with the cryptography package.
sign_key = kms.create_key(KeySpec='ECC_NIST_P384', KeyUsage='SIGN_VERIFY')['KeyMetadata']['KeyId']
signature = kms.sign(KeyId=sign_key, Message=b'msg', SigningAlgorithm='ECDSA_SHA_384')['Signature']
public = serialization.load_der_public_key(kms.get_public_key(KeyId=sign_key)['PublicKey'])
public.verify(signature, b'msg', ec.ECDSA(hashes.SHA384()))
check('ECDSA signature verifies with cryptography', True)

# MessageType DIGEST (what cosign and JWT signers send): KMS signs the digest as given.
digest = hashes.Hash(hashes.SHA384()); digest.update(b'msg'); digest = digest.finalize()
signature = kms.sign(KeyId=sign_key, Message=digest, MessageType='DIGEST', SigningAlgorithm='ECDSA_SHA_384')['Signature']
public.verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA384())))
check('ECDSA DIGEST signature verifies with cryptography', kms.verify(KeyId=sign_key, Message=b'msg', Signature=signature, SigningAlgorithm='ECDSA_SHA_384')['SignatureValid'])
err = error_of(lambda: kms.sign(KeyId=sign_key, Message=b'short', MessageType='DIGEST', SigningAlgorithm='ECDSA_SHA_384'))
check('DIGEST of the wrong length', err and err['Code'] == 'ValidationException', err)
rsa_sign = kms.create_key(KeySpec='RSA_2048', KeyUsage='SIGN_VERIFY')['KeyMetadata']['KeyId']
rsa_sign_public = serialization.load_der_public_key(kms.get_public_key(KeyId=rsa_sign)['PublicKey'])
digest256 = hashes.Hash(hashes.SHA256()); digest256.update(b'msg'); digest256 = digest256.finalize()
for algorithm, pad in [('RSASSA_PSS_SHA_256', padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)), ('RSASSA_PKCS1_V1_5_SHA_256', padding.PKCS1v15())]:
    sig = kms.sign(KeyId=rsa_sign, Message=digest256, MessageType='DIGEST', SigningAlgorithm=algorithm)['Signature']
    rsa_sign_public.verify(sig, b'msg', pad, hashes.SHA256())
    check(f'{algorithm} DIGEST signature verifies with cryptography', kms.verify(KeyId=rsa_sign, Message=digest256, MessageType='DIGEST', Signature=sig, SigningAlgorithm=algorithm)['SignatureValid'])

# secp256k1 (ECC_SECG_P256K1), as blockchain signers use it, with a DIGEST.
k1 = kms.create_key(KeySpec='ECC_SECG_P256K1', KeyUsage='SIGN_VERIFY')['KeyMetadata']['KeyId']
k1_public = serialization.load_der_public_key(kms.get_public_key(KeyId=k1)['PublicKey'])
k1_signature = kms.sign(KeyId=k1, Message=digest256, MessageType='DIGEST', SigningAlgorithm='ECDSA_SHA_256')['Signature']
k1_public.verify(k1_signature, digest256, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
check('secp256k1 DIGEST signature verifies with cryptography', isinstance(k1_public.curve, ec.SECP256K1))

# RSA OAEP: encrypt locally with the public key, KMS decrypts.
rsa_key = kms.create_key(KeySpec='RSA_2048', KeyUsage='ENCRYPT_DECRYPT')['KeyMetadata']['KeyId']
rsa_public = serialization.load_der_public_key(kms.get_public_key(KeyId=rsa_key)['PublicKey'])
sealed = rsa_public.encrypt(b'offline', padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
check('KMS decrypts an offline RSA-OAEP ciphertext', kms.decrypt(KeyId=rsa_key, CiphertextBlob=sealed, EncryptionAlgorithm='RSAES_OAEP_SHA_256')['Plaintext'] == b'offline')

# Every response fits botocore's output shapes (no unknown members, no missing required ones).
kms.create_grant(KeyId=key_id, GranteePrincipal=f'arn:aws:iam::{ACCOUNT}:user/b3', Operations=['Decrypt'], Constraints={'EncryptionContextSubset': {'app': 'boto3'}}, Name='shape')
kms.enable_key_rotation(KeyId=key_id)
for operation, params in [('ListGrants', {'KeyId': key_id}), ('ListAliases', {}), ('GetKeyRotationStatus', {'KeyId': key_id}), ('ListKeys', {}),
                          ('GetPublicKey', {'KeyId': sign_key}), ('DescribeKey', {'KeyId': sign_key}), ('ListResourceTags', {'KeyId': key_id}),
                          ('GenerateDataKeyPair', {'KeyId': key_id, 'KeyPairSpec': 'ECC_NIST_P256'}), ('ReEncrypt', {'CiphertextBlob': blob, 'SourceEncryptionContext': {'app': 'boto3'}, 'DestinationKeyId': key_id}),
                          ('ScheduleKeyDeletion', {'KeyId': rsa_key, 'PendingWindowInDays': 7}), ('ListKeyRotations', {'KeyId': key_id})]:
    model = kms.meta.service_model.operation_model(operation)
    method = getattr(kms, {api: name for name, api in kms.meta.method_to_api_mapping.items()}[operation])
    response = {k: v for k, v in method(**params).items() if k != 'ResponseMetadata'}
    problems = shape_problems(response, model.output_shape)
    check(f'{operation} output fits the model', not problems, problems)

# States and errors.
kms.disable_key(KeyId=key_id)
err = error_of(lambda: kms.encrypt(KeyId=key_id, Plaintext=b'x'))
check('disabled key', err and err['Code'] == 'DisabledException' and err['Message'] == f'{key_arn} is disabled.', err)
err = error_of(lambda: kms.describe_key(KeyId='alias/missing'))
check('missing alias', err and err['Code'] == 'NotFoundException' and err['Message'] == f'Alias arn:aws:kms:us-east-1:{ACCOUNT}:alias/missing is not found.', err)
print(json.dumps({'done': True}))
