// What the object listings add per object beyond key, size and ETag: ChecksumAlgorithm / ChecksumType for objects
// stored with a checksum, and RestoreStatus when x-amz-optional-object-attributes asks for it (botocore's s3 model,
// Object and ObjectVersion shapes; API Reference ListObjectsV2, ListObjectVersions "OptionalObjectAttributes", and
// RestoreStatus: "If the object hasn't been restored, there is no header response").
import type { XmlObject } from '../../protocol/xml.ts';
import type { ObjectRow } from '../../store/s3-store.ts';
import { invalidArgument, type S3Call } from './common.ts';
import { isArchived } from './preconditions.ts';
import { restoreStatusXml } from './restore-state.ts';

/** RestoreStatus is the only optional attribute the model's OptionalObjectAttributes enum has. */
export function wantsRestoreStatus(call: S3Call): boolean {
  const raw = call.headers['x-amz-optional-object-attributes'];
  if (raw === undefined) return false;
  const names = (Array.isArray(raw) ? raw.join(',') : raw).split(',').map((v) => v.trim()).filter((v) => v !== '');
  for (const name of names) if (name !== 'RestoreStatus') throw invalidArgument('Invalid attribute name specified.', 'x-amz-optional-object-attributes', name);
  return names.length > 0;
}

/** ChecksumAlgorithm and ChecksumType of an object stored with a checksum ("ALGORITHM:value"). */
export function checksumEntries(checksum: string | null | undefined): XmlObject {
  if (!checksum) return {};
  const at = checksum.indexOf(':');
  return { ChecksumAlgorithm: [checksum.slice(0, at)], ChecksumType: /-\d+$/.test(checksum) ? 'COMPOSITE' : 'FULL_OBJECT' };
}

/** RestoreStatus of a listed archived object; `row` reads the stored object only for archived ones. */
export function listedRestoreStatus(call: S3Call, object: Pick<ObjectRow, 'storage_class'>, row: () => ObjectRow | undefined): XmlObject | undefined {
  if (!isArchived(object)) return undefined;
  const full = row();
  return full ? restoreStatusXml(call.ctx, full, call.facts.now) : undefined;
}
