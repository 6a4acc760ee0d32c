import type { Caller, RequestFacts } from '../auth/caller.ts';
import type { ServerContext } from '../context.ts';
import type { QueryInput, ServiceModel } from '../protocol/query.ts';
import type { XmlObject } from '../protocol/xml.ts';

/** One decoded, authenticated query-protocol call (STS or IAM). */
export interface QueryCall {
  operation: string;
  input: QueryInput;
  caller: Caller;
  requestId: string;
  facts: RequestFacts;
  ctx: ServerContext;
}

export type QueryHandler = (call: QueryCall) => XmlObject | null;

export interface QueryService {
  name: 'sts' | 'iam';
  namespace: string;
  model: ServiceModel;
  handlers: Record<string, QueryHandler>;
}

export function str(input: QueryInput, name: string): string | undefined {
  const v = input[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(input: QueryInput, name: string): number | undefined {
  const v = input[name];
  return typeof v === 'number' ? v : undefined;
}

export function bool(input: QueryInput, name: string): boolean | undefined {
  const v = input[name];
  return typeof v === 'boolean' ? v : undefined;
}

/** A required string member: the model check already guarantees presence. */
export function req(input: QueryInput, name: string): string {
  return str(input, name) ?? '';
}
