/** A value the XML writers can serialise. Arrays become repeated elements (query protocol: <member>). */
export type XmlValue = string | number | boolean | Date | null | undefined | XmlValue[] | XmlObject | Map<string, XmlValue> | RawXml;

/**
 * Elements already written, escaped, by a caller that knows their shape (a listing's 1,000 <Contents>): written as they
 * are, in place of the element named for them. Building an object per entry for the generic writer cost more than
 * writing the page.
 */
export class RawXml {
  constructor(readonly parts: readonly string[]) {}
}
export interface XmlObject { [element: string]: XmlValue }

const NEEDS_ESCAPE = /[&<>"\r\n]/;

/**
 * Native replaceAll per character present: 3× faster than a replace with a callback on plain text, which most text
 * is, and faster on ETags too (quotes); a 1,000-key listing escapes some 5,000 values. `&` goes first.
 */
export function xmlEscape(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  if (text.includes('&')) text = text.replaceAll('&', '&amp;');
  if (text.includes('<')) text = text.replaceAll('<', '&lt;');
  if (text.includes('>')) text = text.replaceAll('>', '&gt;');
  if (text.includes('"')) text = text.replaceAll('"', '&quot;');
  if (text.includes('\r')) text = text.replaceAll('\r', '&#13;');
  if (text.includes('\n')) text = text.replaceAll('\n', '&#10;');
  return text;
}

function scalar(value: string | number | boolean | Date): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return xmlEscape(String(value));
}

/**
 * Writes `value` as the children of an element. `listStyle` decides how arrays look: `member` wraps each item in
 * <member> (query protocol), `flat` repeats the parent element name (S3's flattened lists such as <Contents>).
 */
export function writeXml(name: string, value: XmlValue, listStyle: 'member' | 'flat', out: string[]): void {
  if (value === undefined || value === null) return;
  if (value instanceof RawXml) {
    for (const part of value.parts) out.push(part);
    return;
  }
  if (value instanceof Map) {
    // Query-protocol maps: <entry><key>…</key><value>…</value></entry>.
    out.push(`<${name}>`);
    for (const [key, item] of value) writeXml('entry', { key, value: item }, listStyle, out);
    out.push(`</${name}>`);
    return;
  }
  if (Array.isArray(value)) {
    if (listStyle === 'flat') {
      for (const item of value) writeXml(name, item, listStyle, out);
      return;
    }
    out.push(`<${name}>`);
    for (const item of value) writeXml('member', item, listStyle, out);
    out.push(`</${name}>`);
    return;
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    out.push(`<${name}>`);
    // for…in rather than Object.entries: no [key, value] array per child, which adds up over a 1,000-key listing.
    for (const child in value) writeXml(child, value[child], listStyle, out);
    out.push(`</${name}>`);
    return;
  }
  out.push(`<${name}>${scalar(value)}</${name}>`);
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
