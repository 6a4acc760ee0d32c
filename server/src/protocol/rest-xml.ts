import { AwsError } from '../errors.ts';
import { lazyDependency } from '../lazy-dependency.ts';
import { writeXml, XML_DECLARATION, type XmlObject } from './xml.ts';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export const malformedXml = (): AwsError =>
  new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

const fastXmlParser = lazyDependency<typeof import('fast-xml-parser')>('fast-xml-parser');
let parser: import('fast-xml-parser').XMLParser | undefined;
let keepingParser: import('fast-xml-parser').XMLParser | undefined;
/** Nesting deeper than any S3 request document needs; deeper input is refused before the (recursive) parser sees it. */
const MAX_XML_DEPTH = 64;

/**
 * Parses an S3 request body; `root` is the element the operation expects at the top. `keepWhitespace` keeps leading and
 * trailing spaces of values, for documents whose values are object keys (a key " " or "a " is a different key).
 */
export function parseXmlBody(body: Buffer, root: string, options: { keepWhitespace?: boolean } = {}): Record<string, unknown> {
  const text = body.toString('utf8');
  // No S3 request document has a DTD: refusing one rules out entity expansion and external entities (XXE).
  if (/<!DOCTYPE|<!ENTITY/i.test(text) || tooDeep(text)) throw malformedXml();
  const { XMLParser, XMLValidator } = fastXmlParser();
  if (XMLValidator.validate(text) !== true) throw malformedXml();
  // htmlEntities also decodes numeric character references (&#10;, &#x41;), which XML requires and botocore sends.
  const settings = { ignoreAttributes: true, parseTagValue: false, processEntities: true, htmlEntities: true, removeNSPrefix: true };
  let doc: unknown;
  try {
    if (options.keepWhitespace) {
      keepingParser ??= new XMLParser({ ...settings, trimValues: false });
      doc = dropIndentation(keepingParser.parse(text));
    } else {
      parser ??= new XMLParser({ ...settings, trimValues: true });
      doc = parser.parse(text);
    }
  } catch {
    throw malformedXml();
  }
  const top = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)[root] : undefined;
  if (top === undefined) throw malformedXml();
  if (top === '') return {};
  if (typeof top !== 'object' || top === null || Array.isArray(top)) throw malformedXml();
  return top as Record<string, unknown>;
}

/** Untrimmed parsing keeps the whitespace between elements as "#text": that is layout, not content. */
function dropIndentation(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(dropIndentation);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(node)) {
    if (name === '#text' && typeof value === 'string' && value.trim() === '') continue;
    out[name] = dropIndentation(value);
  }
  return out;
}

/** One linear pass counting open elements (`<x>` up, `</x>` down, `<x/>`, `<!…>` and `<?…?>` neither). */
function tooDeep(text: string): boolean {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 60 /* < */) {
      open = i;
    } else if (c === 62 /* > */ && open >= 0) {
      const first = text.charCodeAt(open + 1);
      if (first === 47 /* / */) depth--;
      else if (first !== 33 /* ! */ && first !== 63 /* ? */ && text.charCodeAt(i - 1) !== 47 && ++depth > MAX_XML_DEPTH) return true;
      open = -1;
    }
  }
  return false;
}

export function restXmlDocument(root: string, body: XmlObject): string {
  const out: string[] = [XML_DECLARATION];
  writeXml(root, body, 'flat', out);
  // The namespace goes on the root element only.
  out[1] = `<${root} xmlns="${S3_NAMESPACE}">`;
  return out.join('');
}

export function s3ErrorXml(error: AwsError, requestId: string, hostId: string): string {
  const out: string[] = [XML_DECLARATION];
  writeXml('Error', { Code: error.code, Message: error.message, ...error.extra, RequestId: requestId, HostId: hostId }, 'flat', out);
  return out.join('');
}
