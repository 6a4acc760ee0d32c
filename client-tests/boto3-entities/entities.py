"""The new IAM surface with boto3 and the AWS CLI against a live iamlocal (URL in argv[1]): instance profiles, OIDC
providers, login profiles, the account alias and password policy, and `aws iam get-account-authorization-details`,
whose output is checked against the botocore model's output shape. Prints one JSON line per check; exits non-zero on
the first failure."""
import json, os, subprocess, sys
import boto3
from botocore.config import Config
from checks import aws_cli, check, error_of, shape_problems

URL = sys.argv[1]
ACCOUNT = '123456789012'
CREDS = dict(aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
iam = boto3.client('iam', endpoint_url=URL, config=Config(retries={'max_attempts': 1}), **CREDS)
MODEL = iam.meta.service_model
TRUST = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]})
DOC = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': '*'}]})


def output_shape(operation):
    return MODEL.operation_model(operation).output_shape


def response_problems(operation, response):
    body = {k: v for k, v in response.items() if k != 'ResponseMetadata'}
    return shape_problems(body, output_shape(operation))


def aws(*args):
    return aws_cli(URL, *args)


# ---- Build a small account ----
policy_arn = iam.create_policy(PolicyName='app-read', Path='/app/', PolicyDocument=DOC, Tags=[{'Key': 'team', 'Value': 'web'}])['Policy']['Arn']
iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=DOC, SetAsDefault=True)
iam.create_user(UserName='carol', Path='/staff/', Tags=[{'Key': 'dept', 'Value': 'ops'}], PermissionsBoundary=policy_arn)
iam.put_user_policy(UserName='carol', PolicyName='inline', PolicyDocument=DOC)
iam.create_group(GroupName='admins')
iam.add_user_to_group(GroupName='admins', UserName='carol')
iam.attach_group_policy(GroupName='admins', PolicyArn='arn:aws:iam::aws:policy/IAMReadOnlyAccess')
iam.put_group_policy(GroupName='admins', PolicyName='group-inline', PolicyDocument=DOC)
iam.create_role(RoleName='app-role', AssumeRolePolicyDocument=TRUST, Tags=[{'Key': 'k', 'Value': 'v'}])
iam.attach_role_policy(RoleName='app-role', PolicyArn=policy_arn)
iam.put_role_policy(RoleName='app-role', PolicyName='role-inline', PolicyDocument=DOC)

# ---- Instance profiles ----
created = iam.create_instance_profile(InstanceProfileName='app-profile', Path='/app/')
check('create-instance-profile shape', not response_problems('CreateInstanceProfile', created), response_problems('CreateInstanceProfile', created))
iam.add_role_to_instance_profile(InstanceProfileName='app-profile', RoleName='app-role')
err = error_of(lambda: iam.add_role_to_instance_profile(InstanceProfileName='app-profile', RoleName='app-role'))
check('second role: LimitExceeded', err and err['Code'] == 'LimitExceeded' and err['Message'] == 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', err)
got = iam.get_instance_profile(InstanceProfileName='app-profile')
check('instance profile role decoded by botocore', got['InstanceProfile']['Roles'][0]['AssumeRolePolicyDocument'] == json.loads(TRUST), got)
err = error_of(lambda: iam.delete_role(RoleName='app-role'))
check('delete-role in a profile: DeleteConflict', err and err['Code'] == 'DeleteConflict', err)
paginated = [p['InstanceProfileName'] for page in iam.get_paginator('list_instance_profiles').paginate(PaginationConfig={'PageSize': 1}) for p in page['InstanceProfiles']]
check('list-instance-profiles paginates', paginated == ['app-profile'], paginated)

# ---- OIDC ----
oidc = iam.create_open_id_connect_provider(Url='https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE', ClientIDList=['sts.amazonaws.com'],
                                           ThumbprintList=['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'])
check('oidc arn', oidc['OpenIDConnectProviderArn'] == f'arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE', oidc)
got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oidc['OpenIDConnectProviderArn'])
check('get-open-id-connect-provider shape', not response_problems('GetOpenIDConnectProvider', got) and got['ClientIDList'] == ['sts.amazonaws.com'], got)
listed = aws('iam', 'list-open-id-connect-providers')
check('cli list-open-id-connect-providers', listed == {'OpenIDConnectProviderList': [{'Arn': oidc['OpenIDConnectProviderArn']}]}, listed)

# ---- Login profile, password policy, alias ----
iam.update_account_password_policy(MinimumPasswordLength=10, RequireNumbers=True)
err = error_of(lambda: iam.create_login_profile(UserName='carol', Password='no-digits-here'))
check('password policy enforced', err and err['Code'] == 'PasswordPolicyViolation', err)
profile = iam.create_login_profile(UserName='carol', Password='has-digits-123', PasswordResetRequired=True)
check('create-login-profile', profile['LoginProfile']['PasswordResetRequired'] is True and not response_problems('CreateLoginProfile', profile), profile)
policy = aws('iam', 'get-account-password-policy')
check('cli get-account-password-policy', policy['PasswordPolicy']['MinimumPasswordLength'] == 10 and policy['PasswordPolicy']['RequireNumbers'] is True, policy)
aws('iam', 'create-account-alias', '--account-alias', 'iamlocal-example')
check('cli list-account-aliases', aws('iam', 'list-account-aliases')['AccountAliases'] == ['iamlocal-example'])
summary = aws('iam', 'get-account-summary')
check('cli get-account-summary', summary['SummaryMap']['Users'] == 1 and summary['SummaryMap']['InstanceProfiles'] == 1
      and summary['SummaryMap']['Providers'] == 1 and summary['SummaryMap']['RolesQuota'] == 1000, summary)
check('get-account-summary shape', not response_problems('GetAccountSummary', iam.get_account_summary()))

# ---- Last used ----
key = iam.create_access_key(UserName='carol')['AccessKey']
never = iam.get_access_key_last_used(AccessKeyId=key['AccessKeyId'])
check('never used: N/A', never['AccessKeyLastUsed'] == {'ServiceName': 'N/A', 'Region': 'N/A'} and never['UserName'] == 'carol', never)
boto3.client('sts', endpoint_url=URL, aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'], region_name='us-west-2').get_caller_identity()
used = iam.get_access_key_last_used(AccessKeyId=key['AccessKeyId'])['AccessKeyLastUsed']
check('last used by sts in us-west-2', used['ServiceName'] == 'sts' and used['Region'] == 'us-west-2' and 'LastUsedDate' in used, used)

# ---- get-account-authorization-details with the CLI ----
details = aws('iam', 'get-account-authorization-details')
problems = shape_problems(details, output_shape('GetAccountAuthorizationDetails'))
check('cli get-account-authorization-details matches the model shape', not problems, problems)
carol = next(u for u in details['UserDetailList'] if u['UserName'] == 'carol')
check('user details', carol['GroupList'] == ['admins'] and carol['UserPolicyList'][0]['PolicyDocument'] == json.loads(DOC)
      and carol['PermissionsBoundary']['PermissionsBoundaryArn'] == policy_arn and carol['Tags'] == [{'Key': 'dept', 'Value': 'ops'}], carol)
group = details['GroupDetailList'][0]
check('group details', group['AttachedManagedPolicies'] == [{'PolicyName': 'IAMReadOnlyAccess', 'PolicyArn': 'arn:aws:iam::aws:policy/IAMReadOnlyAccess'}]
      and group['GroupPolicyList'][0]['PolicyName'] == 'group-inline', group)
role = details['RoleDetailList'][0]
check('role details', role['InstanceProfileList'][0]['InstanceProfileName'] == 'app-profile' and role['AssumeRolePolicyDocument'] == json.loads(TRUST)
      and role['RolePolicyList'][0]['PolicyName'] == 'role-inline' and 'RoleLastUsed' in role, role)
policies = {p['PolicyName']: p for p in details['Policies']}
check('policies with all versions', sorted(policies) == ['IAMReadOnlyAccess', 'app-read']
      and [v['VersionId'] for v in policies['app-read']['PolicyVersionList']] == ['v2', 'v1']
      and policies['app-read']['PolicyVersionList'][0]['Document'] == json.loads(DOC), sorted(policies))
paged = aws('iam', 'get-account-authorization-details', '--page-size', '1')
check('cli pages through one entity at a time to the same result', paged == details, {k: len(v) for k, v in paged.items() if isinstance(v, list)})
roles_only = aws('iam', 'get-account-authorization-details', '--filter', 'Role')
check('--filter Role', [r['RoleName'] for r in roles_only['RoleDetailList']] == ['app-role'] and not roles_only.get('UserDetailList'), roles_only.keys())
for filt in ['User', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy']:
    out = aws('iam', 'get-account-authorization-details', '--filter', filt)
    check(f'--filter {filt} matches the model shape', not shape_problems(out, output_shape('GetAccountAuthorizationDetails')))

# ---- ListEntitiesForPolicy / ListPolicies ----
entities = aws('iam', 'list-entities-for-policy', '--policy-arn', policy_arn)
check('cli list-entities-for-policy', [r['RoleName'] for r in entities['PolicyRoles']] == ['app-role'] and [u['UserName'] for u in entities['PolicyUsers']] == ['carol'], entities)
tags = iam.list_policy_tags(PolicyArn=policy_arn)
check('policy tags', tags['Tags'] == [{'Key': 'team', 'Value': 'web'}], tags)
# ---- Answer shapes: what each operation returns (API reference notes on ListRoles/ListUsers; AWS's recorded answers) ----
BASIC_ROLE = {'Path', 'RoleName', 'RoleId', 'Arn', 'CreateDate', 'AssumeRolePolicyDocument'}
created = iam.create_role(RoleName='shape-role', AssumeRolePolicyDocument=TRUST, Description='shapes', PermissionsBoundary=policy_arn, Tags=[{'Key': 't', 'Value': 'v'}])['Role']
check('create-role: boundary and tags, no MaxSessionDuration or RoleLastUsed', set(created) == BASIC_ROLE | {'Description', 'PermissionsBoundary', 'Tags'}, sorted(created))
got = iam.get_role(RoleName='shape-role')['Role']
check('get-role: everything, RoleLastUsed empty until used', set(got) == BASIC_ROLE | {'Description', 'MaxSessionDuration', 'PermissionsBoundary', 'RoleLastUsed', 'Tags'}
      and got['RoleLastUsed'] == {}, got)
listed = {r['RoleName']: r for r in iam.list_roles()['Roles']}
check('list-roles: no PermissionsBoundary, RoleLastUsed or Tags', set(listed['shape-role']) == BASIC_ROLE | {'Description', 'MaxSessionDuration'}
      and set(listed['app-role']) == BASIC_ROLE | {'MaxSessionDuration'}, listed)
cli_roles = aws('iam', 'list-roles')['Roles']
check('cli list-roles: the same subset', all(not {'Tags', 'PermissionsBoundary', 'RoleLastUsed'} & set(r) for r in cli_roles), cli_roles)
described = iam.update_role_description(RoleName='shape-role', Description='new')['Role']
check('update-role-description: the basics and the Description', set(described) == BASIC_ROLE | {'Description'} and described['Description'] == 'new', described)
iam.tag_instance_profile(InstanceProfileName='app-profile', Tags=[{'Key': 'tier', 'Value': 'web'}])
listed_profiles = iam.list_instance_profiles()['InstanceProfiles'] + iam.list_instance_profiles_for_role(RoleName='app-role')['InstanceProfiles']
check('instance profile listings: no Tags; GetInstanceProfile has them', all('Tags' not in p for p in listed_profiles)
      and iam.get_instance_profile(InstanceProfileName='app-profile')['InstanceProfile']['Tags'] == [{'Key': 'tier', 'Value': 'web'}], listed_profiles)
profile_role = iam.get_instance_profile(InstanceProfileName='app-profile')['InstanceProfile']['Roles'][0]
check('instance profile roles: the basics only', set(profile_role) == BASIC_ROLE, sorted(profile_role))
BASIC_USER = {'Path', 'UserName', 'UserId', 'Arn', 'CreateDate'}
users = {u['UserName']: u for u in iam.list_users()['Users']}
check('list-users: no PermissionsBoundary or Tags', set(users['carol']) == BASIC_USER, users['carol'])
carol = iam.get_user(UserName='carol')['User']
check('get-user: boundary and tags', set(carol) == BASIC_USER | {'PermissionsBoundary', 'Tags'}, sorted(carol))
group_users = iam.get_group(GroupName='admins')['Users']
check('get-group users: the list subset', [set(u) for u in group_users] == [BASIC_USER], group_users)
# Pagination: IsTruncated and an opaque Marker while more remain; the last page has no Marker.
iam.create_user(UserName='dave')
first = iam.list_users(MaxItems=1)
second = iam.list_users(MaxItems=1, Marker=first['Marker'])
check('list-users pages', first['IsTruncated'] is True and [u['UserName'] for u in first['Users'] + second['Users']] == ['carol', 'dave']
      and second['IsTruncated'] is False and 'Marker' not in second, [first, second])
first = iam.list_roles(MaxItems=1)
second = iam.list_roles(MaxItems=1, Marker=first['Marker'])
check('list-roles pages', first['IsTruncated'] is True and len(second['Roles']) == 1 and second['IsTruncated'] is False and 'Marker' not in second, [first, second])
iam.tag_user(UserName='carol', Tags=[{'Key': 'floor', 'Value': '3'}])
first = iam.list_user_tags(UserName='carol', MaxItems=1)
second = iam.list_user_tags(UserName='carol', MaxItems=1, Marker=first['Marker'])
check('list-user-tags pages', first['IsTruncated'] is True and [t['Key'] for t in first['Tags'] + second['Tags']] == ['dept', 'floor'] and 'Marker' not in second, [first, second])
first = iam.list_policy_versions(PolicyArn=policy_arn, MaxItems=1)
second = iam.list_policy_versions(PolicyArn=policy_arn, MaxItems=1, Marker=first['Marker'])
check('list-policy-versions pages', first['IsTruncated'] is True and len(second['Versions']) == 1 and second['IsTruncated'] is False, [first, second])
paged_keys = [k['AccessKeyId'] for page in iam.get_paginator('list_access_keys').paginate(UserName='dave', PaginationConfig={'PageSize': 1})
              for k in page['AccessKeyMetadata']] if [iam.create_access_key(UserName='dave') for _ in range(2)] else []
check('list-access-keys pages one key at a time', len(set(paged_keys)) == 2, paged_keys)
# Untagged: GetPolicy, GetInstanceProfile, GetOpenIDConnectProvider answer an empty Tags list; GetRole and GetUser none.
untagged = iam.create_policy(PolicyName='untagged', PolicyDocument=DOC)['Policy']['Arn']
iam.create_instance_profile(InstanceProfileName='untagged')
check('empty Tags lists where AWS sends them', iam.get_policy(PolicyArn=untagged)['Policy']['Tags'] == []
      and iam.get_instance_profile(InstanceProfileName='untagged')['InstanceProfile']['Tags'] == []
      and iam.get_open_id_connect_provider(OpenIDConnectProviderArn=oidc['OpenIDConnectProviderArn'])['Tags'] == []
      and 'Tags' not in iam.get_user(UserName='dave')['User']
      and 'Tags' not in iam.get_role(RoleName=iam.create_role(RoleName='untagged', AssumeRolePolicyDocument=TRUST)['Role']['RoleName'])['Role'], untagged)
err = error_of(lambda: iam.list_roles(MaxItems=1001))
check('MaxItems above 1000: ValidationError', err and err['Code'] == 'ValidationError', err)
print(json.dumps({'done': True}))
