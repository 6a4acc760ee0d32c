// The XML writer's escaping: every special character in every position, checked against the XML rules themselves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { restXmlDocument, S3_NAMESPACE } from '../src/protocol/rest-xml.ts';
import { xmlEscape } from '../src/protocol/xml.ts';

test('xmlEscape escapes &, <, >, ", CR and LF, and leaves everything else alone', () => {
  assert.equal(xmlEscape('"0f343b0931126a20f133d67c2b018a3b"'), '&quot;0f343b0931126a20f133d67c2b018a3b&quot;');
  assert.equal(xmlEscape('a&b<c>d"e\rf\ng'), 'a&amp;b&lt;c&gt;d&quot;e&#13;f&#10;g');
  assert.equal(xmlEscape('&amp;'), '&amp;amp;');
  assert.equal(xmlEscape("plain key/with spaces, 'quotes', é and 😀"), "plain key/with spaces, 'quotes', é and 😀");
  assert.equal(xmlEscape(''), '');
});

test('escaped text parses back to the original, whatever characters it mixes', () => {
  const parser = new XMLParser({ processEntities: true, parseTagValue: false, trimValues: false, htmlEntities: true });
  const alphabet = ['a', '&', '<', '>', '"', '\r', '\n', "'", 'é', '😀', ';', '#', 'amp'];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 2000; i++) {
    let text = 'k';
    for (let n = Math.floor(random() * 10); n > 0; n--) text += alphabet[Math.floor(random() * alphabet.length)];
    const doc = restXmlDocument('Result', { Key: text });
    assert.ok(doc.includes(`<Result xmlns="${S3_NAMESPACE}">`));
    const parsed = parser.parse(doc) as { Result: { Key: string } };
    assert.equal(parsed.Result.Key, text, JSON.stringify(text));
  }
});
