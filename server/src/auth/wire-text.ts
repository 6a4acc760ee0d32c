/**
 * Node reads header bytes as ISO-8859-1; a client signs its header values as UTF-8. Bytes that are valid UTF-8 are read
 * back as such, so that a non-ASCII x-amz-meta-* value signs as the client sent it.
 */
export function wireHeaderText(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : value;
}
