import { AwsError } from '../../errors.ts';
import {
  createBucket, deleteBucket, deleteBucketPolicy, deleteBucketTagging, getBucketLocation, getBucketPolicy, getBucketPolicyStatus, getBucketTagging, headBucket,
  listBuckets, listObjects, listObjectsV2, putBucketPolicy, putBucketTagging,
} from './buckets.ts';
import {
  deleteBucketOwnershipControls, deletePublicAccessBlock, getBucketAcl, getBucketOwnershipControls, getObjectAcl, getPublicAccessBlock, putBucketAcl,
  putBucketOwnershipControls, putObjectAcl, putPublicAccessBlock,
} from './access.ts';
import { getObjectAttributes } from './attributes.ts';
import { deleteBucketCors, getBucketCors, putBucketCors } from './cors.ts';
import { deleteBucketLifecycle, getBucketLifecycleConfiguration, putBucketLifecycleConfiguration } from './lifecycle.ts';
import { deleteBucketEncryption, getBucketEncryption, putBucketEncryption } from './bucket-encryption.ts';
import { deleteAccountPublicAccessBlock, getAccountPublicAccessBlock, putAccountPublicAccessBlock } from './control.ts';
import type { S3Handler } from './common.ts';
import {
  deleteObject, deleteObjects, deleteObjectTagging, getObject, getObjectTagging, headObject, putObject, putObjectTagging,
} from './objects.ts';
import { getBucketVersioning, listObjectVersions, putBucketVersioning } from './versioning.ts';
import {
  getObjectLegalHold, getObjectLockConfiguration, getObjectRetention, putObjectLegalHold, putObjectLockConfiguration, putObjectRetention,
} from './object-lock.ts';
import { postObject } from './post-object.ts';
import { restoreObject } from './restore.ts';
import {
  deleteBucketWebsite, getBucketLogging, getBucketNotificationConfiguration, getBucketWebsite, putBucketLogging, putBucketNotificationConfiguration, putBucketWebsite,
} from './bucket-configs.ts';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart } from './multipart.ts';

export type { S3Call, S3Result } from './common.ts';

export function routeS3(method: string, bucket: string | undefined, key: string | undefined, query: URLSearchParams): { name: string; handler: S3Handler } {
  const has = (name: string): boolean => query.has(name);
  const op = (name: string, handler: S3Handler) => ({ name, handler });
  if (isControlPublicAccessBlock(bucket, key)) {
    // S3 Control's account-level setting: path style /v20180820/…, or the SDKs' {account}.host prefix.
    if (method === 'PUT') return op('PutAccountPublicAccessBlock', putAccountPublicAccessBlock);
    if (method === 'GET') return op('GetAccountPublicAccessBlock', getAccountPublicAccessBlock);
    if (method === 'DELETE') return op('DeleteAccountPublicAccessBlock', deleteAccountPublicAccessBlock);
  } else if (!bucket) {
    if (method === 'GET') return op('ListBuckets', listBuckets);
  } else if (key === undefined || key === '') {
    if (has('policy')) {
      if (method === 'PUT') return op('PutBucketPolicy', putBucketPolicy);
      if (method === 'GET') return op('GetBucketPolicy', getBucketPolicy);
      if (method === 'DELETE') return op('DeleteBucketPolicy', deleteBucketPolicy);
    } else if (has('location')) {
      if (method === 'GET') return op('GetBucketLocation', getBucketLocation);
    } else if (has('delete')) {
      if (method === 'POST') return op('DeleteObjects', deleteObjects);
    } else if (has('uploads')) {
      if (method === 'GET') return op('ListMultipartUploads', listMultipartUploads);
    } else if (has('acl')) {
      if (method === 'GET') return op('GetBucketAcl', getBucketAcl);
      if (method === 'PUT') return op('PutBucketAcl', putBucketAcl);
    } else if (has('tagging')) {
      if (method === 'GET') return op('GetBucketTagging', getBucketTagging);
      if (method === 'PUT') return op('PutBucketTagging', putBucketTagging);
      if (method === 'DELETE') return op('DeleteBucketTagging', deleteBucketTagging);
    } else if (has('policyStatus')) {
      if (method === 'GET') return op('GetBucketPolicyStatus', getBucketPolicyStatus);
    } else if (has('publicAccessBlock')) {
      if (method === 'PUT') return op('PutPublicAccessBlock', putPublicAccessBlock);
      if (method === 'GET') return op('GetPublicAccessBlock', getPublicAccessBlock);
      if (method === 'DELETE') return op('DeletePublicAccessBlock', deletePublicAccessBlock);
    } else if (has('encryption')) {
      if (method === 'PUT') return op('PutBucketEncryption', putBucketEncryption);
      if (method === 'GET') return op('GetBucketEncryption', getBucketEncryption);
      if (method === 'DELETE') return op('DeleteBucketEncryption', deleteBucketEncryption);
    } else if (has('cors')) {
      if (method === 'PUT') return op('PutBucketCors', putBucketCors);
      if (method === 'GET') return op('GetBucketCors', getBucketCors);
      if (method === 'DELETE') return op('DeleteBucketCors', deleteBucketCors);
    } else if (has('lifecycle')) {
      if (method === 'PUT') return op('PutBucketLifecycleConfiguration', putBucketLifecycleConfiguration);
      if (method === 'GET') return op('GetBucketLifecycleConfiguration', getBucketLifecycleConfiguration);
      if (method === 'DELETE') return op('DeleteBucketLifecycle', deleteBucketLifecycle);
    } else if (has('versioning')) {
      if (method === 'PUT') return op('PutBucketVersioning', putBucketVersioning);
      if (method === 'GET') return op('GetBucketVersioning', getBucketVersioning);
    } else if (has('versions')) {
      if (method === 'GET') return op('ListObjectVersions', listObjectVersions);
    } else if (has('object-lock')) {
      if (method === 'PUT') return op('PutObjectLockConfiguration', putObjectLockConfiguration);
      if (method === 'GET') return op('GetObjectLockConfiguration', getObjectLockConfiguration);
    } else if (has('ownershipControls')) {
      if (method === 'PUT') return op('PutBucketOwnershipControls', putBucketOwnershipControls);
      if (method === 'GET') return op('GetBucketOwnershipControls', getBucketOwnershipControls);
      if (method === 'DELETE') return op('DeleteBucketOwnershipControls', deleteBucketOwnershipControls);
    } else if (has('logging')) {
      if (method === 'PUT') return op('PutBucketLogging', putBucketLogging);
      if (method === 'GET') return op('GetBucketLogging', getBucketLogging);
    } else if (has('website')) {
      if (method === 'PUT') return op('PutBucketWebsite', putBucketWebsite);
      if (method === 'GET') return op('GetBucketWebsite', getBucketWebsite);
      if (method === 'DELETE') return op('DeleteBucketWebsite', deleteBucketWebsite);
    } else if (has('notification')) {
      if (method === 'PUT') return op('PutBucketNotificationConfiguration', putBucketNotificationConfiguration);
      if (method === 'GET') return op('GetBucketNotificationConfiguration', getBucketNotificationConfiguration);
    } else if (![...query.keys()].some((k) => SUBRESOURCES.has(k))) {
      if (method === 'PUT') return op('CreateBucket', createBucket);
      if (method === 'HEAD') return op('HeadBucket', headBucket);
      if (method === 'DELETE') return op('DeleteBucket', deleteBucket);
      if (method === 'POST') return op('PostObject', postObject);
      if (method === 'GET') return query.get('list-type') === '2' ? op('ListObjectsV2', listObjectsV2) : op('ListObjects', listObjects);
    }
  } else if (has('uploads')) {
    if (method === 'POST') return op('CreateMultipartUpload', createMultipartUpload);
  } else if (has('uploadId')) {
    if (method === 'PUT' && has('partNumber')) return op('UploadPart', uploadPart);
    if (method === 'POST') return op('CompleteMultipartUpload', completeMultipartUpload);
    if (method === 'DELETE') return op('AbortMultipartUpload', abortMultipartUpload);
    if (method === 'GET') return op('ListParts', listParts);
  } else if (has('attributes')) {
    if (method === 'GET') return op('GetObjectAttributes', getObjectAttributes);
  } else if (has('retention')) {
    if (method === 'PUT') return op('PutObjectRetention', putObjectRetention);
    if (method === 'GET') return op('GetObjectRetention', getObjectRetention);
  } else if (has('legal-hold')) {
    if (method === 'PUT') return op('PutObjectLegalHold', putObjectLegalHold);
    if (method === 'GET') return op('GetObjectLegalHold', getObjectLegalHold);
  } else if (has('restore')) {
    if (method === 'POST') return op('RestoreObject', restoreObject);
  } else if (has('acl')) {
    if (method === 'GET') return op('GetObjectAcl', getObjectAcl);
    if (method === 'PUT') return op('PutObjectAcl', putObjectAcl);
  } else if (has('tagging')) {
    if (method === 'GET') return op('GetObjectTagging', getObjectTagging);
    if (method === 'PUT') return op('PutObjectTagging', putObjectTagging);
    if (method === 'DELETE') return op('DeleteObjectTagging', deleteObjectTagging);
  } else if (has('partNumber') && (method === 'GET' || method === 'HEAD') && ![...query.keys()].some((k) => k !== 'partNumber' && SUBRESOURCES.has(k))) {
    // GET/HEAD of one part of an object (GetObject, HeadObject: PartNumber).
    return method === 'GET' ? op('GetObject', getObject) : op('HeadObject', headObject);
  } else if (![...query.keys()].some((k) => SUBRESOURCES.has(k))) {
    if (method === 'PUT') return op('PutObject', putObject);
    if (method === 'GET') return op('GetObject', getObject);
    if (method === 'HEAD') return op('HeadObject', headObject);
    if (method === 'DELETE') return op('DeleteObject', deleteObject);
  }
  return op('NotImplemented', () => {
    throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501);
  });
}

const CONTROL_PATH = 'configuration/publicAccessBlock';
function isControlPublicAccessBlock(bucket: string | undefined, key: string | undefined): boolean {
  return (bucket === 'v20180820' && key === CONTROL_PATH) || (bucket !== undefined && /^\d{12}$/.test(bucket) && key === `v20180820/${CONTROL_PATH}`);
}

/** Query parameters that select a different operation on the same path (not list/filter options). */
const SUBRESOURCES = new Set([
  'acl', 'accelerate', 'analytics', 'cors', 'delete', 'encryption', 'intelligent-tiering', 'inventory', 'lifecycle', 'logging',
  'metrics', 'notification', 'object-lock', 'ownershipControls', 'policyStatus', 'publicAccessBlock', 'replication',
  'requestPayment', 'tagging', 'torrent', 'uploads', 'uploadId', 'versioning', 'versions', 'website', 'attributes',
  'legal-hold', 'retention', 'restore', 'select', 'partNumber', 'session', 'metadataTable', 'abac',
]);


