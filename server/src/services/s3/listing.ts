import type { ListedObject, S3Store } from '../../store/s3-store.ts';
import { compareKeys, prefixSuccessor } from './names.ts';

export type ListEntry = { kind: 'object'; object: ListedObject; sortKey: string } | { kind: 'prefix'; prefix: string; sortKey: string };

const BATCH = 1000;

/**
 * Objects and common prefixes after `after`, in S3's order, streamed from SQLite in batches of `batch` rows. A common
 * prefix is reported once, when it sorts after `after`; keys it rolls up are skipped with one range jump.
 */
export function* scanEntries(store: Pick<S3Store, 'listFrom'>, bucket: string, prefix: string, delimiter: string, after: string, batch = BATCH): Generator<ListEntry> {
  let from = prefix;
  let cursor = after;
  // After a jump past a common prefix, the next row is often another common prefix, of which one row is all that is
  // used: read 1 row, then twice as many each batch that rolls nothing up. A page of 1,000 common prefixes read
  // 1,001 rows for each of them before (1,000,000 rows in a bucket of 1,000,000 objects).
  let size = batch;
  for (;;) {
    const rows = store.listFrom(bucket, from, cursor, size);
    if (rows.length === 0) return;
    let jumped = false;
    for (const row of rows) {
      const key = row.object_key;
      if (!key.startsWith(prefix)) return;
      const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (at >= 0) {
        const common = key.slice(0, at + delimiter.length);
        if (compareKeys(common, after) > 0) yield { kind: 'prefix', prefix: common, sortKey: common };
        from = prefixSuccessor(common);
        jumped = true;
        break;
      }
      yield { kind: 'object', object: row, sortKey: key };
      cursor = key;
    }
    if (!jumped && rows.length < size) return;
    size = jumped ? 1 : Math.min(batch, size * 2);
  }
}

export interface ListPage {
  entries: ListEntry[];
  isTruncated: boolean;
}

export function listPage(store: Pick<S3Store, 'listFrom'>, bucket: string, prefix: string, delimiter: string, after: string, maxKeys: number): ListPage {
  const entries: ListEntry[] = [];
  // max-keys=0 asks for nothing: S3 answers an empty page that is not truncated.
  if (maxKeys === 0) return { entries, isTruncated: false };
  let isTruncated = false;
  // One row past the page tells whether it is truncated; reading a whole second batch for it doubled a page's work.
  for (const entry of scanEntries(store, bucket, prefix, delimiter, after, maxKeys + 1)) {
    if (entries.length === maxKeys) {
      isTruncated = true;
      break;
    }
    entries.push(entry);
  }
  return { entries, isTruncated };
}
