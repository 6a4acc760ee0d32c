// The app: no credentials, endpoint or region in the code. In the container, the SDK's default chain reads
// AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN, as in an ECS task.
import { ListBucketsCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

const s3 = new S3Client({});
console.log('running as', (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn);
const listed = await s3.send(new ListObjectsCommand({ Bucket: 'kjh-encryption-test1', Prefix: 'cli-s3api-kms/' }));
console.log('objects:', (listed.Contents ?? []).map((o) => o.Key).join(', '));
try {
  await s3.send(new ListBucketsCommand({}));
  console.log('ListBuckets: allowed');
} catch (error) {
  console.log(`ListBuckets: ${error.name}: ${error.message}`);
}
