#!/bin/sh
# The story's commands with the AWS CLI: no profile, keys, endpoint or region on the command line.
echo '--- list-objects'
aws s3api list-objects --bucket kjh-encryption-test1 --prefix cli-s3api-kms/ --output json
echo '--- list-buckets'
aws s3api list-buckets --output json 2>&1
echo "--- exit $?"
