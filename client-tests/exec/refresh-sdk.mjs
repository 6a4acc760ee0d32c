// A long-running SDK v3 client: lists the bucket every 250 ms for argv[2] seconds, noting the access keys it signed with.
import { ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';

const s3 = new S3Client({});
const until = Date.now() + Number(process.argv[2]) * 1000;
const keys = new Set();
let calls = 0;
const errors = [];
while (Date.now() < until) {
  try {
    await s3.send(new ListObjectsCommand({ Bucket: 'kjh-encryption-test1', Prefix: 'cli-s3api-kms/' }));
    calls++;
    keys.add((await s3.config.credentials()).accessKeyId);
  } catch (error) {
    errors.push(`${error.name}: ${error.message}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
console.log(JSON.stringify({ calls, errors, keys: [...keys] }))
