// Shared by IAM handlers: MaxItems, opaque Markers and IsTruncated, the same on every List* operation.
import { validationError } from '../../errors.ts';
import type { QueryInput } from '../../protocol/query.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { num, str } from '../query-service.ts';

export interface Page<T> { items: T[]; isTruncated: boolean; marker?: string }

export function maxItems(input: QueryInput): number {
  return num(input, 'MaxItems') ?? 100;
}

export function page<T>(rows: T[], limit: number, nameOf: (row: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows, isTruncated: false };
  const items = rows.slice(0, limit);
  return { items, isTruncated: true, marker: Buffer.from(nameOf(items[items.length - 1]!)).toString('base64') };
}

/** Markers are opaque to clients; ours wrap the last name returned. */
export function afterMarker(input: QueryInput): string {
  const marker = str(input, 'Marker');
  if (marker === undefined) return '';
  const decoded = Buffer.from(marker, 'base64').toString('utf8');
  if (!decoded || Buffer.from(decoded).toString('base64') !== marker) throw validationError('Invalid Marker.');
  return decoded;
}

export function pageXml<T>(p: Page<T>, listName: string, toXml: (row: T) => XmlObject): XmlObject {
  return { [listName]: p.items.map(toXml), IsTruncated: p.isTruncated, Marker: p.marker };
}
