// Shared by IAM handlers: Tags as input, merged under the per-entity quota, and as output.
import { AwsError, limitExceeded } from '../../errors.ts';
import type { QueryInput } from '../../protocol/query.ts';
import type { XmlObject } from '../../protocol/xml.ts';

export const TAGS_PER_ENTITY = 50;

export function inputTags(input: QueryInput, member = 'Tags'): Record<string, string> {
  const list = input[member];
  const tags: Record<string, string> = {};
  const seen = new Set<string>();
  for (const item of Array.isArray(list) ? list : []) {
    if (typeof item !== 'object' || Array.isArray(item)) continue;
    const key = String(item.Key ?? '');
    if (seen.has(key.toLowerCase())) throw new AwsError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.', 400);
    seen.add(key.toLowerCase());
    tags[key] = String(item.Value ?? '');
  }
  return tags;
}

export function mergeTags(existing: string | null | undefined, added: Record<string, string>): Record<string, string> {
  const tags: Record<string, string> = existing ? (JSON.parse(existing) as Record<string, string>) : {};
  for (const [k, v] of Object.entries(added)) {
    // Keys are case-insensitive: a new spelling replaces the old one.
    for (const old of Object.keys(tags)) if (old.toLowerCase() === k.toLowerCase()) delete tags[old];
    tags[k] = v;
  }
  if (Object.keys(tags).length > TAGS_PER_ENTITY) throw limitExceeded(`The number of tags has reached the maximum limit of ${TAGS_PER_ENTITY}.`);
  return tags;
}

export const tagList = (json: string | null | undefined): XmlObject[] | undefined => {
  const tags = json ? (JSON.parse(json) as Record<string, string>) : {};
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return list.length ? list : undefined;
};
