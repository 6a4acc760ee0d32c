import { PassThrough, Writable } from 'node:stream';
import { AwsError, incompleteBody } from '../errors.ts';

/**
 * A streaming multipart/form-data reader for S3's browser POST uploads: the fields before the `file` part are read
 * into memory (bounded), the file itself is handed on as a stream and never buffered whole, and what follows it is
 * read and dropped (S3: "The file or text content must be the last field in the form. Any fields below it are
 * ignored", API reference, POST Object).
 */

export interface FormFile {
  /** The part's name as sent (S3 takes the part named `file`). */
  name: string;
  filename: string;
  contentType: string | undefined;
  /** The file's bytes; fails with MalformedPOSTRequest if the form ends without its closing boundary. */
  stream: PassThrough;
}

export interface FormHead {
  fields: { name: string; value: string }[];
  /** undefined when the form ended (well-formed) without a file part. */
  file: FormFile | undefined;
  /** Bytes of the body before the file's first byte. */
  headBytes: number;
}

export const malformedPost = (): AwsError =>
  new AwsError('MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.', 400);

export const preDataTooLarge = (): AwsError =>
  new AwsError('MaxPostPreDataLengthExceededError', 'Your POST request fields preceding the upload file were too large.', 400);

/** The boundary of a multipart/form-data Content-Type; undefined for any other type. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

type State = 'preamble' | 'after-boundary' | 'headers' | 'field' | 'file' | 'done';

/** A quoted-string or token parameter of a Content-Disposition header. */
function dispositionParam(value: string, name: string): string | undefined {
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
  const m = re.exec(value);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

class FormReader extends Writable {
  private state: State = 'preamble';
  private buffer: Buffer = Buffer.alloc(0);
  private consumed = 0;
  private readonly delimiter: Buffer;
  private readonly fields: { name: string; value: string }[] = [];
  private part: { name: string; filename: string | undefined; contentType: string | undefined } | undefined;
  private file: PassThrough | undefined;
  private settled = false;

  constructor(boundary: string, private readonly maxHead: number, private readonly resolve: (head: FormHead) => void, private readonly reject: (error: AwsError) => void) {
    super();
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
    // The first boundary has no CRLF before it: parse as if the body began with one.
    this.buffer = Buffer.from(CRLF);
    this.consumed = -2;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      this.parse(callback);
    } catch (error) {
      this.fail(error as AwsError);
      callback();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.state === 'file') this.file?.destroy(malformedPost());
    else if (this.state !== 'done') this.fail(malformedPost());
    else if (!this.settled) this.settle();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The request ended early (a client hanging up): whoever waits is told.
    if (this.state === 'file') this.file?.destroy(incompleteBody());
    else if (!this.settled) this.fail(incompleteBody());
    callback(error);
  }

  private fail(error: AwsError): void {
    if (this.state === 'file') this.file?.destroy(error);
    this.state = 'done';
    this.buffer = Buffer.alloc(0);
    if (!this.settled) {
      this.settled = true;
      this.reject(error);
    }
  }

  private settle(file?: FormFile): void {
    this.settled = true;
    this.resolve({ fields: this.fields, file, headBytes: Math.max(this.consumed, 0) });
  }

  private take(n: number): Buffer {
    const taken = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    this.consumed += n;
    if (this.state !== 'file' && this.state !== 'done' && this.consumed > this.maxHead) throw preDataTooLarge();
    return taken;
  }

  private parse(callback: (error?: Error | null) => void): void {
    for (;;) {
      switch (this.state) {
        case 'done':
          this.buffer = Buffer.alloc(0);
          return callback();
        case 'preamble': {
          const at = this.buffer.indexOf(this.delimiter);
          if (at < 0) {
            // Keep what could be the start of the delimiter; the rest is preamble (bounded by maxHead).
            this.take(Math.max(0, this.buffer.length - this.delimiter.length));
            return callback();
          }
          this.take(at + this.delimiter.length);
          this.state = 'after-boundary';
          break;
        }
        case 'after-boundary': {
          if (this.buffer.length < 2) return callback();
          const next = this.buffer.subarray(0, 2).toString('latin1');
          if (next === '--') {
            this.take(2);
            this.state = 'done';
            if (!this.settled) this.settle();
            break;
          }
          if (next !== '\r\n') throw malformedPost();
          this.take(2);
          this.state = 'headers';
          break;
        }
        case 'headers': {
          const end = this.buffer.indexOf(HEADER_END);
          if (end < 0) {
            if (this.consumed + this.buffer.length > this.maxHead) throw preDataTooLarge();
            return callback();
          }
          const text = this.take(end + HEADER_END.length).subarray(0, end).toString('utf8');
          let disposition: string | undefined;
          let contentType: string | undefined;
          for (const line of text.split('\r\n')) {
            const colon = line.indexOf(':');
            if (colon < 0) throw malformedPost();
            const name = line.slice(0, colon).trim().toLowerCase();
            if (name === 'content-disposition') disposition = line.slice(colon + 1).trim();
            else if (name === 'content-type') contentType = line.slice(colon + 1).trim();
          }
          if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) throw malformedPost();
          const name = dispositionParam(disposition, 'name');
          if (name === undefined) throw malformedPost();
          this.part = { name, filename: dispositionParam(disposition, 'filename'), contentType };
          if (name.toLowerCase() === 'file') {
            this.state = 'file';
            this.file = new PassThrough();
            // A consumer that gives up (a size limit, an error) stops reading: the rest of the form is then dropped.
            this.file.once('close', () => { if (this.state === 'file' && !this.file?.writableFinished) this.state = 'done'; });
            this.settle({ name, filename: this.part.filename ?? '', contentType, stream: this.file });
          } else {
            this.state = 'field';
          }
          break;
        }
        case 'field': {
          const at = this.buffer.indexOf(this.delimiter);
          if (at < 0) {
            if (this.consumed + this.buffer.length > this.maxHead) throw preDataTooLarge();
            return callback();
          }
          const value = this.take(at).toString('utf8');
          this.take(this.delimiter.length);
          this.fields.push({ name: this.part!.name, value });
          this.state = 'after-boundary';
          break;
        }
        case 'file': {
          const file = this.file!;
          const at = this.buffer.indexOf(this.delimiter);
          const keep = at >= 0 ? at : Math.max(0, this.buffer.length - (this.delimiter.length - 1));
          const data = this.take(keep);
          if (at >= 0) {
            this.take(this.delimiter.length);
            // What follows the file is ignored, as S3 ignores it.
            this.state = 'done';
            this.buffer = Buffer.alloc(0);
            if (data.length) file.write(data);
            file.end();
            return callback();
          }
          if (data.length === 0 || file.write(data)) return callback();
          const resume = (): void => {
            file.off('drain', resume);
            file.off('close', resume);
            callback();
          };
          file.on('drain', resume);
          file.on('close', resume);
          return;
        }
      }
    }
  }
}

/**
 * Reads a form's fields up to its file part. `maxHead` bounds the bytes before the file (S3: 20 KB, else
 * MaxPostPreDataLengthExceededError); a body that is not a well-formed form fails with MalformedPOSTRequest.
 */
export function readFormHead(source: NodeJS.ReadableStream, boundary: string, maxHead: number): Promise<FormHead> {
  return new Promise((resolve, reject) => {
    const reader = new FormReader(boundary, maxHead, resolve, reject);
    source.on('error', (error: Error) => reader.destroy(error));
    source.pipe(reader);
  });
}
