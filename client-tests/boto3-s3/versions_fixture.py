"""Versions loaded from fixtures (client-tests/boto3-s3/versions-fixture.yaml) read with boto3 and the AWS CLI (v1)
against a live iamlocal (URL in argv[1]): list_object_versions shows every version and the delete marker with the
declared ids, IsLatest and LastModified; get_object by VersionId reads each version. AWS references: API Reference
ListObjectVersions, GetObject (versionId; a current delete marker: 404 NoSuchKey). One JSON line per check."""
import json, sys
import boto3
from botocore.config import Config
from checks import aws_cli, check, error_of

URL = sys.argv[1]
root = boto3.client('s3', endpoint_url=URL, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test',
                    config=Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}))
B = 'fixture-history'
ID = '3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbr'
out = root.list_object_versions(Bucket=B)
check('versions with their declared ids, newest first per key',
      [(v['Key'], v['VersionId'], v['IsLatest']) for v in out['Versions']] == [('gone.txt', ID + 'G', False), ('report.csv', ID + 'H', True), ('report.csv', ID + 'A', False), ('report.csv', 'null', False)],
      out['Versions'])
check('the current delete marker', [(m['Key'], m['VersionId'], m['IsLatest']) for m in out['DeleteMarkers']] == [('gone.txt', ID + 'M', True)], out['DeleteMarkers'])
check('LastModified as declared', out['Versions'][2]['LastModified'].isoformat().startswith('2026-01-01T00:00:00'), out['Versions'][2])
bodies = [root.get_object(Bucket=B, Key='report.csv', VersionId=v)['Body'].read() for v in (ID + 'H', ID + 'A', 'null')]
check('each version\'s bytes', bodies == [b'v2', b'v1', b'before versioning'], bodies)
e = error_of(lambda: root.get_object(Bucket=B, Key='gone.txt'))
check('a key behind a delete marker: NoSuchKey', e and e['Code'] == 'NoSuchKey', e)
cli = aws_cli(URL, 's3api', 'list-object-versions', '--bucket', B, '--prefix', 'gone')
check('aws s3api list-object-versions', [v['VersionId'] for v in cli.get('Versions', [])] == [ID + 'G'] and [m['VersionId'] for m in cli.get('DeleteMarkers', [])] == [ID + 'M'], cli)
print(json.dumps({'done': True}))
