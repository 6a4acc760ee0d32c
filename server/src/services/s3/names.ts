/** S3's general-purpose bucket naming rules (3-63 chars, lower-case letters, digits, dots, hyphens; no IP form). */
export function isValidBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes('..') || name.includes('.-') || name.includes('-.')) return false;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  if (name.startsWith('xn--') || name.startsWith('sthree-') || name.startsWith('amzn-s3-demo-')) return false;
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3') || name.endsWith('.mrap') || name.endsWith('--x-s3')) return false;
  return true;
}

/** Compares keys as S3 orders them: by UTF-8 bytes (JavaScript's < compares UTF-16 code units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The smallest string greater than every string starting with `prefix` (its last code point plus one). */
export function prefixSuccessor(prefix: string): string {
  const chars = [...prefix];
  const last = chars.pop();
  if (last === undefined) return '';
  const code = last.codePointAt(0) ?? 0;
  // Skip the surrogate range, which cannot appear in valid UTF-8 keys.
  const next = code + 1 === 0xd800 ? 0xe000 : code + 1;
  return chars.join('') + String.fromCodePoint(next);
}

/** EncodingType=url: keys percent-encoded as S3 does (space as %20, '+' as %2B, '/' kept readable). */
export function s3UrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
