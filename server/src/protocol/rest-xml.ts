import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AwsError } from '../http/errors.ts';
import { writeXml, XML_DECLARATION, type XmlObject } from './xml.ts';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export const malformedXml = (): AwsError =>
  new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, processEntities: true, removeNSPrefix: true });

/** Parses an S3 request body; `root` is the element the operation expects at the top. */
export function parseXmlBody(body: Buffer, root: string): Record<string, unknown> {
  const text = body.toString('utf8');
  if (XMLValidator.validate(text) !== true) throw malformedXml();
  const doc: unknown = parser.parse(text);
  const top = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)[root] : undefined;
  if (top === undefined) throw malformedXml();
  if (top === '') return {};
  if (typeof top !== 'object' || top === null || Array.isArray(top)) throw malformedXml();
  return top as Record<string, unknown>;
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
