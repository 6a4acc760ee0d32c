import type { Caller, RequestFacts } from '../../auth/caller.ts';
import type { ServerContext } from '../../context.ts';
import { AwsError } from '../../errors.ts';
import { awsJsonAuthError, decodeJsonInput } from '../../protocol/json.ts';
import type { ServiceModel } from '../../protocol/query.ts';
import { invalidInput, type OrgOutput } from './common.ts';
import { ORGANIZATIONS_HANDLERS, READ_ONLY_OPERATIONS } from './operations.ts';
import modelJson from './model.json' with { type: 'json' };

export const organizationsModel = modelJson as ServiceModel;

export const ORGANIZATIONS_TARGET_PREFIX = 'AWSOrganizationsV20161128.';

export const organizationsAuthError = awsJsonAuthError;

/** Organizations' error body: `__type` and the model's `Message` (and `Reason` for the exceptions that carry one). */
export function organizationsErrorBody(error: AwsError): string {
  const body: Record<string, string> = { __type: error.code };
  if (error.message) body.Message = error.message;
  if (error.extra.Reason) body.Reason = error.extra.Reason;
  return JSON.stringify(body);
}

/**
 * The model's constraint failures, as Organizations reports them: InvalidInputException with the reason of the first
 * failure (Organizations API Reference, InvalidInputException) rather than the ValidationException of other JSON services.
 */
function asInvalidInput(error: AwsError): AwsError {
  if (error.code !== 'ValidationException') return error;
  const m = error.message;
  if (m.includes('must not be null')) return invalidInput('INPUT_REQUIRED');
  if (m.includes('enum value set')) return invalidInput('INVALID_ENUM');
  if (m.includes('regular expression pattern')) return invalidInput('INVALID_PATTERN');
  if (m.includes('length less than or equal')) return invalidInput('MAX_LENGTH_EXCEEDED');
  if (m.includes('length greater than or equal')) return invalidInput('MIN_LENGTH_EXCEEDED');
  if (m.includes('value less than or equal')) return invalidInput('MAX_VALUE_EXCEEDED');
  if (m.includes('value greater than or equal')) return invalidInput('MIN_VALUE_EXCEEDED');
  return new AwsError('InvalidInputException', m, 400);
}

export const isReadOnlyOrganizationsOperation = (operation: string): boolean => READ_ONLY_OPERATIONS.has(operation);

/** Runs one AWSOrganizationsV20161128 operation for an authenticated caller; the body is the request's JSON text. */
export function runOrganizations(ctx: ServerContext, caller: Caller, facts: RequestFacts, operation: string, body: string): OrgOutput {
  // Every Organizations operation is signed: an unsigned request has no account to act for.
  if (caller.principal.kind === 'anonymous') throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400);
  const spec = Object.hasOwn(organizationsModel.operations, operation) ? organizationsModel.operations[operation] : undefined;
  if (!spec) throw new AwsError('UnknownOperationException', '', 400);
  const handler = Object.hasOwn(ORGANIZATIONS_HANDLERS, operation) ? ORGANIZATIONS_HANDLERS[operation] : undefined;
  // Handshakes, delegated administrators, tag/backup/AI policies and the like are outside what iamlocal emulates.
  if (!handler) throw new AwsError('UnsupportedAPIEndpointException', `iamlocal does not implement ${operation}.`, 400);
  let input;
  try {
    input = decodeJsonInput(body, spec);
  } catch (error) {
    throw error instanceof AwsError ? asInvalidInput(error) : error;
  }
  return handler({ operation, input, caller, facts, ctx });
}
