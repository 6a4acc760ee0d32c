import { AwsError } from '../errors.ts';
import { writeXml, XML_DECLARATION, type XmlObject } from './xml.ts';
import { lowerFirst, stringConstraintProblems, type ShapeSpec } from './model-constraints.ts';

export type { ShapeSpec };

export interface ServiceModel {
  apiVersion: string;
  operations: Record<string, ShapeSpec>;
}

export type QueryScalar = string | number | boolean;
export type QueryInputValue = QueryScalar | QueryInputValue[] | QueryInput;
export interface QueryInput { [member: string]: QueryInputValue | undefined }

/** Form fields of a query-protocol request; the body wins over the URL for repeated names, as on AWS. */
export function parseFormParams(rawQuery: string, body: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const source of [rawQuery, body]) {
    if (!source) continue;
    for (const [name, value] of new URLSearchParams(source)) params.set(name, value);
  }
  return params;
}


class InputDecoder {
  readonly problems: string[] = [];

  constructor(private readonly params: Map<string, string>) {}

  structure(prefix: string, path: string, spec: ShapeSpec): QueryInput {
    const out: QueryInput = {};
    for (const [member, memberSpec] of Object.entries(spec.members ?? {})) {
      const key = prefix ? `${prefix}.${member}` : member;
      const memberPath = path ? `${path}.${lowerFirst(member)}` : lowerFirst(member);
      const value = this.value(key, memberPath, memberSpec);
      if (value !== undefined) out[member] = value;
      else if (spec.required?.includes(member)) this.problems.push(`Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`);
    }
    return out;
  }

  private hasPrefix(prefix: string): boolean {
    for (const name of this.params.keys()) if (name.startsWith(prefix)) return true;
    return false;
  }

  private value(key: string, path: string, spec: ShapeSpec): QueryInputValue | undefined {
    switch (spec.type) {
      case 'structure':
        return this.hasPrefix(`${key}.`) ? this.structure(key, path, spec) : undefined;
      case 'list':
        return this.list(key, path, spec);
      case 'map':
        return this.map(key, path, spec);
      default:
        return this.scalar(key, path, spec);
    }
  }

  private list(key: string, path: string, spec: ShapeSpec): QueryInputValue[] | undefined {
    const memberSpec = spec.member ?? { type: 'string' };
    // An empty list is sent as `Name=` with no members.
    if (!this.hasPrefix(`${key}.member.`)) return this.params.has(key) ? [] : undefined;
    const items: QueryInputValue[] = [];
    for (let i = 1; ; i++) {
      const itemKey = `${key}.member.${i}`;
      if (!this.params.has(itemKey) && !this.hasPrefix(`${itemKey}.`)) break;
      const item = this.value(itemKey, `${path}.${i}.member`, memberSpec);
      if (item !== undefined) items.push(item);
    }
    this.checkLength(path, items.length, spec, 'length');
    return items;
  }

  private map(key: string, path: string, spec: ShapeSpec): QueryInput | undefined {
    if (!this.hasPrefix(`${key}.entry.`)) return undefined;
    const out: QueryInput = {};
    for (let i = 1; this.params.has(`${key}.entry.${i}.key`); i++) {
      const value = this.value(`${key}.entry.${i}.value`, `${path}.${i}.value`, spec.value ?? { type: 'string' });
      out[this.params.get(`${key}.entry.${i}.key`) ?? ''] = value;
    }
    return out;
  }

  private scalar(key: string, path: string, spec: ShapeSpec): QueryScalar | undefined {
    const raw = this.params.get(key);
    if (raw === undefined) return undefined;
    if (spec.type === 'integer' || spec.type === 'long') {
      if (!/^-?\d+$/.test(raw.trim())) {
        this.problems.push(`Value '${raw}' at '${path}' failed to satisfy constraint: Member must be a number`);
        return undefined;
      }
      const n = Number(raw.trim());
      if (spec.min !== undefined && n < spec.min) this.problems.push(`Value '${n}' at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) this.problems.push(`Value '${n}' at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${spec.max}`);
      return n;
    }
    if (spec.type === 'boolean') {
      const lower = raw.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        this.problems.push(`Value '${raw}' at '${path}' failed to satisfy constraint: Member must be a boolean`);
        return undefined;
      }
      return lower === 'true';
    }
    if (spec.type === 'timestamp') return raw;
    this.checkLength(path, [...raw].length, spec, 'length', raw);
    this.problems.push(...stringConstraintProblems(raw, path, spec));
    return raw;
  }

  private checkLength(path: string, length: number, spec: ShapeSpec, what: 'length', shown?: string): void {
    const value = shown === undefined ? `[${length} items]` : `'${shown}'`;
    if (spec.min !== undefined && length < spec.min) this.problems.push(`Value ${value} at '${path}' failed to satisfy constraint: Member must have ${what} greater than or equal to ${spec.min}`);
    if (spec.max !== undefined && length > spec.max) this.problems.push(`Value ${value} at '${path}' failed to satisfy constraint: Member must have ${what} less than or equal to ${spec.max}`);
  }
}

/**
 * Decodes an operation's input from form fields and checks it against the model's constraints, failing with the
 * ValidationError text AWS gives ("1 validation error detected: Value ... at 'roleName' failed to satisfy ...").
 */
export function decodeQueryInput(params: Map<string, string>, spec: ShapeSpec): QueryInput {
  const decoder = new InputDecoder(params);
  const input = decoder.structure('', '', spec);
  const n = decoder.problems.length;
  if (n > 0) {
    throw new AwsError('ValidationError', `${n} validation error${n === 1 ? '' : 's'} detected: ${decoder.problems.join('; ')}`, 400);
  }
  return input;
}

export function queryResponseXml(operation: string, namespace: string, result: XmlObject | null, requestId: string): string {
  const out: string[] = [XML_DECLARATION, `<${operation}Response xmlns="${namespace}">`];
  if (result) writeXml(`${operation}Result`, result, 'member', out);
  out.push(`<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`);
  return out.join('');
}

export function queryErrorXml(error: AwsError, namespace: string, requestId: string): string {
  const out: string[] = [XML_DECLARATION, `<ErrorResponse xmlns="${namespace}">`];
  // Some AWS errors (ReportNotPresent…) carry no Message element at all.
  writeXml('Error', { Type: error.faultType, Code: error.code, Message: error.message || undefined, ...error.extra }, 'member', out);
  out.push(`<RequestId>${requestId}</RequestId></ErrorResponse>`);
  return out.join('');
}
