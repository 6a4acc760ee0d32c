import { AwsError } from '../errors.ts';
import { lowerFirst, stringConstraintProblems, type ShapeSpec } from './model-constraints.ts';

/** A decoded awsJson member: blobs are Buffers, timestamps Dates, everything else as JSON has it. */
export type JsonValue = string | number | boolean | Buffer | Date | JsonValue[] | JsonInput;
export interface JsonInput { [member: string]: JsonValue | undefined }


/** A JSON value of the wrong type: AWS's JSON services answer SerializationException, with no constraint text. */
const serialization = (): AwsError => new AwsError('SerializationException', '', 400);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class JsonDecoder {
  readonly problems: string[] = [];

  structure(raw: unknown, path: string, spec: ShapeSpec): JsonInput {
    if (!isObject(raw)) throw serialization();
    const out: JsonInput = {};
    const members = spec.members ?? {};
    // Unknown members are ignored, as AWS's JSON services do (newer SDKs may send members this model lacks).
    for (const [member, memberSpec] of Object.entries(members)) {
      const memberPath = path ? `${path}.${lowerFirst(member)}` : lowerFirst(member);
      const value = raw[member] === null ? undefined : this.value(raw[member], memberPath, memberSpec);
      if (value !== undefined) out[member] = value;
      else if (spec.required?.includes(member)) this.problems.push(`Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`);
    }
    return out;
  }

  private value(raw: unknown, path: string, spec: ShapeSpec): JsonValue | undefined {
    if (raw === undefined) return undefined;
    switch (spec.type) {
      case 'structure':
        return this.structure(raw, path, spec);
      case 'list': {
        if (!Array.isArray(raw)) throw serialization();
        const items = raw.map((item, i) => this.value(item, `${path}.${i + 1}.member`, spec.member ?? { type: 'string' })).filter((v) => v !== undefined);
        this.checkLength(path, items.length, spec, `[${items.map(String).join(', ')}]`);
        return items;
      }
      case 'map': {
        if (!isObject(raw)) throw serialization();
        const out: JsonInput = {};
        for (const [k, v] of Object.entries(raw)) {
          this.value(k, `${path}.key`, spec.key ?? { type: 'string' });
          out[k] = this.value(v, `${path}.value`, spec.value ?? { type: 'string' });
        }
        return out;
      }
      case 'boolean':
        if (typeof raw !== 'boolean') throw serialization();
        return raw;
      case 'integer':
      case 'long': {
        if (typeof raw !== 'number' || !Number.isInteger(raw)) throw serialization();
        if (spec.min !== undefined && raw < spec.min) this.problems.push(`Value '${raw}' at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${spec.min}`);
        if (spec.max !== undefined && raw > spec.max) this.problems.push(`Value '${raw}' at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${spec.max}`);
        return raw;
      }
      case 'timestamp':
        if (typeof raw !== 'number') throw serialization();
        return new Date(raw * 1000);
      case 'blob': {
        if (typeof raw !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) throw serialization();
        const bytes = Buffer.from(raw, 'base64');
        // AWS names no value for a blob: "Value at 'plaintext' failed to satisfy constraint: ...".
        this.checkLength(path, bytes.length, spec, undefined);
        return bytes;
      }
      default: {
        if (typeof raw !== 'string') throw serialization();
        this.checkLength(path, [...raw].length, spec, `'${raw}'`);
        this.problems.push(...stringConstraintProblems(raw, path, spec));
        return raw;
      }
    }
  }

  private checkLength(path: string, length: number, spec: ShapeSpec, shown: string | undefined): void {
    const value = shown === undefined ? 'Value' : `Value ${shown}`;
    if (spec.min !== undefined && length < spec.min) this.problems.push(`${value} at '${path}' failed to satisfy constraint: Member must have length greater than or equal to ${spec.min}`);
    if (spec.max !== undefined && length > spec.max) this.problems.push(`${value} at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${spec.max}`);
  }
}

/**
 * Decodes an awsJson1_1 request body against the operation's input shape, failing as AWS does: a body that is not
 * JSON or has a wrongly typed member is a SerializationException; constraint failures are one ValidationException
 * listing them all ("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: ...").
 */
export function decodeJsonInput(body: string, spec: ShapeSpec): JsonInput {
  let raw: unknown;
  try {
    raw = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw serialization();
  }
  const decoder = new JsonDecoder();
  const input = decoder.structure(raw, '', spec);
  const n = decoder.problems.length;
  if (n > 0) throw new AwsError('ValidationException', `${n} validation error${n === 1 ? '' : 's'} detected: ${decoder.problems.join('; ')}`, 400);
  return input;
}

/** awsJson1_1's error body: `__type` names the error; the message member is `message` (KMS spells it so). */
export function jsonErrorBody(error: AwsError): string {
  const body: Record<string, string> = { __type: error.code };
  if (error.message) body.message = error.message;
  return JSON.stringify(body);
}

/**
 * SigV4 failures as awsJson services name them (the query protocol's codes are spelled differently there), with HTTP
 * 400: clients go by `__type`.
 */
const AWS_JSON_AUTH_CODES: Record<string, string> = {
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  ExpiredToken: 'ExpiredTokenException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  IncompleteSignature: 'IncompleteSignatureException',
};

export function awsJsonAuthError(error: AwsError): AwsError {
  const code = AWS_JSON_AUTH_CODES[error.code];
  return code ? new AwsError(code, error.message, 400) : error;
}

// ---- Input accessors for decoded input (the model check has already run) ----

export const str = (input: JsonInput, name: string): string | undefined => {
  const v = input[name];
  return typeof v === 'string' ? v : undefined;
};
export const num = (input: JsonInput, name: string): number | undefined => {
  const v = input[name];
  return typeof v === 'number' ? v : undefined;
};
