// The story's code with SDK v3, unchanged whatever role it runs as: no credentials, endpoint or region in it.
import { ListBucketsCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

const s3 = new S3Client({});
const who = await new STSClient({}).send(new GetCallerIdentityCommand({}));
const listed = await s3.send(new ListObjectsCommand({ Bucket: 'kjh-encryption-test1', Prefix: 'cli-s3api-kms/' }));
let denied = null;
try {
  await s3.send(new ListBucketsCommand({}));
} catch (error) {
  denied = { code: error.name, message: error.message };
}
console.log(JSON.stringify({ arn: who.Arn, keys: (listed.Contents ?? []).map((o) => o.Key), owner: listed.Contents?.[0]?.Owner ?? null, denied }));
