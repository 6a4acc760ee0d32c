"""Organizations guardrails with boto3 against a live iamlocal (URL in argv[1]) loaded with
db/fixtures/organization-guardrails.yaml: the Organizations API's outputs fit botocore's model, the deny-Region SCP and
the aws:PrincipalOrgID RCP deny with AWS's texts, the management account is unaffected, and an Organizations write
changes the next decision. Prints one JSON line per check and exits non-zero on the first failure.
AWS references: Organizations User Guide "Service control policies (SCPs)", "Resource control policies (RCPs)";
IAM User Guide "Access denied error messages"; Organizations API Reference (each operation)."""
import json, sys
import boto3
from botocore.config import Config
from checks import check, error_of, shape_problems

URL = sys.argv[1]
CONFIG = Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'})


def client(service, key, secret, region='us-east-1'):
    return boto3.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=region).client(service, endpoint_url=URL, config=CONFIG)


org = client('organizations', 'AKIAORGMANAGEMENT001', 'management-secret')


def fits(name, operation, response):
    shape = org.meta.service_model.operation_model(operation).output_shape
    body = {k: v for k, v in response.items() if k != 'ResponseMetadata'}
    problems = shape_problems(body, shape)
    check(f'{operation} output fits the model', not problems, problems)


described = org.describe_organization()
fits('organization', 'DescribeOrganization', described)
check('the fixture organization', described['Organization']['Id'] == 'o-aa11bb22cc' and described['Organization']['MasterAccountId'] == '123456789012', described['Organization'])
roots = org.list_roots()
fits('roots', 'ListRoots', roots)
accounts = org.list_accounts()
fits('accounts', 'ListAccounts', accounts)
check('three accounts', sorted(a['Id'] for a in accounts['Accounts']) == ['111111111111', '123456789012', '222222222222'], accounts['Accounts'])
children = org.list_children(ParentId='ou-aa11-workload', ChildType='ACCOUNT')
check('dev in Workloads', [c['Id'] for c in children['Children']] == ['111111111111'], children)
policies = org.list_policies(Filter='RESOURCE_CONTROL_POLICY')
fits('policies', 'ListPolicies', policies)
check('RCPs', sorted(p['Name'] for p in policies['Policies']) == ['EnforceOrgIdentities', 'RCPFullAWSAccess'], policies['Policies'])
rcp_id = next(p['Id'] for p in policies['Policies'] if p['Name'] == 'EnforceOrgIdentities')
described_policy = org.describe_policy(PolicyId=rcp_id)
fits('policy', 'DescribePolicy', described_policy)
targets = org.list_targets_for_policy(PolicyId=rcp_id)
check('the RCP is on the root', [(t['TargetId'], t['Type']) for t in targets['Targets']] == [('r-aa11', 'ROOT')], targets)
err = error_of(lambda: org.describe_policy(PolicyId='p-00000000'))
check('unknown policy', err and err['Code'] == 'PolicyNotFoundException', err)
err = error_of(lambda: org.list_children(ParentId='not-an-id', ChildType='ACCOUNT'))
check('a ParentId outside the pattern', err and err['Code'] == 'InvalidInputException', err)

# Tags (Organizations API Reference, TagResource / ListTagsForResource): the fixture's, then TagResource's.
tags = org.list_tags_for_resource(ResourceId='ou-aa11-workload')
fits('tags', 'ListTagsForResource', tags)
check('fixture tags on the OU', tags['Tags'] == [{'Key': 'team', 'Value': 'platform'}], tags)
org.tag_resource(ResourceId='111111111111', Tags=[{'Key': 'env', 'Value': 'prod'}, {'Key': 'owner', 'Value': 'dev-team'}])
tags = org.list_tags_for_resource(ResourceId='111111111111')['Tags']
check('TagResource overwrites and adds', tags == [{'Key': 'env', 'Value': 'prod'}, {'Key': 'owner', 'Value': 'dev-team'}], tags)
org.untag_resource(ResourceId='111111111111', TagKeys=['owner'])
paged = [t['Key'] for page in org.get_paginator('list_tags_for_resource').paginate(ResourceId='111111111111') for t in page['Tags']]
check('UntagResource removes; the paginator reads the rest', paged == ['env'], paged)
err = error_of(lambda: org.tag_resource(ResourceId='r-aa11', Tags=[{'Key': 'k', 'Value': '1'}, {'Key': 'k', 'Value': '2'}]))
check('duplicate tag keys', err and err['Code'] == 'InvalidInputException' and err['Message'] == 'Tag keys must be unique among the tags attached to the same entity.', err)
err = error_of(lambda: org.untag_resource(ResourceId='ou-aa11-zzzzzzzz', TagKeys=['k']))
check('untag an unknown OU', err and err['Code'] == 'TargetNotFoundException', err)

# The SCP: a member account outside us-east-1.
dev_west = client('s3', 'AKIAORGMEMBERDEV0001', 'dev-secret', 'eu-west-1')
err = error_of(lambda: dev_west.list_buckets())
expected = 'User: arn:aws:iam::111111111111:user/dev-admin is not authorized to perform: s3:ListAllMyBuckets on resource: "arn:aws:s3:::*" with an explicit deny in a service control policy'
check('SCP denies a member account outside us-east-1', err and err['Code'] == 'AccessDenied' and err['Message'] == expected, err)
check('management account unaffected by the SCP', 'Buckets' in client('s3', 'AKIAORGMANAGEMENT001', 'management-secret', 'eu-west-1').list_buckets())
check('us-east-1 allowed', 'Buckets' in client('s3', 'AKIAORGMEMBERDEV0001', 'dev-secret').list_buckets())

# The RCP: principals outside the organization.
outsider = client('s3', 'AKIAOUTSIDEACCOUNT01', 'outsider-secret')
err = error_of(lambda: outsider.get_object(Bucket='dev-shared-111111111111', Key='report.txt'))
expected = 'User: arn:aws:iam::999999999999:user/outsider is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::dev-shared-111111111111/report.txt" with an explicit deny in a resource control policy'
check('RCP denies an outside principal', err and err['Code'] == 'AccessDenied' and err['Message'] == expected, err)
body = outsider.get_object(Bucket='management-shared-123456789012', Key='report.txt')['Body'].read()
check('management account resources unaffected by the RCP', body == b'management data', body)
body = client('s3', 'AKIAORGMEMBERSANDBOX', 'sandbox-secret').get_object(Bucket='sandbox-org-wide-222222222222', Key='notes.txt')['Body'].read()
check('aws:PrincipalOrgID in a bucket policy', body == b'org-wide data', body)

# Detaching the RCP lifts it at once.
org.detach_policy(PolicyId=rcp_id, TargetId='r-aa11')
body = outsider.get_object(Bucket='dev-shared-111111111111', Key='report.txt')['Body'].read()
check('RCP detached: the bucket policy alone decides', body == b'member data', body)
org.attach_policy(PolicyId=rcp_id, TargetId='ou-aa11-workload')
err = error_of(lambda: outsider.get_object(Bucket='dev-shared-111111111111', Key='report.txt'))
check('RCP attached to the OU applies again', err and err['Code'] == 'AccessDenied', err)
print(json.dumps({'done': True}))
