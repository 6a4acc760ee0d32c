import { parsePolicy, PolicyDocumentError, type CompiledPolicy, type ParseOptions } from './document.ts';
import type { PolicyKind } from './types.ts';

/**
 * Write-time validation of a policy document, in the stages IAM runs them, each with IAM's message:
 *
 * 1. JSON and schema ("Syntax errors in policy."; trust policies: "This policy contains invalid Json" for bad JSON);
 * 2. version, for identity, boundary and session policies ("Policy document must be version 2012-10-17 or greater.");
 * 3. the legacy parser ("The policy failed legacy parsing"): exact-case Effect, Date condition values, ARN shapes;
 * 4. semantic checks: unique Sids, actions present, resource ARN format, the elements each policy kind requires or
 *    prohibits, action vendors; then principals (parsePolicy).
 *
 * The order and texts are AWS's as recorded against real accounts (see server/test/policy-validation.test.ts for the
 * cases and their sources). Evaluation-time compiling (parsePolicy) is deliberately more lenient: it must accept
 * everything this accepts, including AWS's quirks (null inside a Resource list, `arn:aws:fdsasf`, a Date of "01T").
 */
export function validatePolicyDocument(text: string, kind: PolicyKind, options: ParseOptions = {}): CompiledPolicy {
  const doc = parseJson(text, kind);
  const statements = checkSchema(doc);
  if (IDENTITY_LIKE.has(kind) && doc.Version !== '2012-10-17') fail('Policy document must be version 2012-10-17 or greater.');
  legacyParse(statements);
  const resourceError = checkResourceFormats(statements);
  checkSids(statements, kind);
  for (const s of statements) if (!nonEmpty(s.Action ?? s.NotAction)) fail('Policy statement must contain actions.');
  if (resourceError) fail(resourceError);
  checkKind(statements, kind);
  for (const field of ['Action', 'NotAction'] as const) {
    for (const s of statements) for (const a of list(s[field])) checkActionVendor(a as string);
  }
  return parsePolicy(text, kind, options);
}

const IDENTITY_LIKE = new Set<PolicyKind>(['identity', 'boundary', 'session', 'scp', 'rcp']);
const SYNTAX = 'Syntax errors in policy.';
const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
]);
/** Partitions IAM knows; a resource naming another is refused with the partition in the message. */
const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc']);
const IAM_RESOURCE_STARTS = [
  'user/', 'federated-user/', 'role/', 'group/', 'instance-profile/', 'mfa/', 'server-certificate/', 'policy/', 'sms-mfa/',
  'saml-provider/', 'oidc-provider/', 'report/', 'access-report/',
];
const TRUST_ACTIONS = new Set(['sts:assumerole', 'sts:assumerolewithsaml', 'sts:assumerolewithwebidentity', 'sts:tagsession', 'sts:setsourceidentity', 'sts:setcontext', 'sts:*', '*']);
// STS's parser names the statement missing a principal in Java terms; AWS has answered CreateRole with this for years.
const TRUST_NO_PRINCIPAL = 'Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!';

type Statement = Record<string, unknown>;

function fail(message: string): never {
  throw new PolicyDocumentError(message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function nonEmpty(v: unknown): boolean {
  return v !== undefined && (!Array.isArray(v) || v.length > 0);
}

function parseJson(text: string, kind: PolicyKind): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Trust policies go through a different front end, which says so in other words.
    return fail(kind === 'trust' ? 'This policy contains invalid Json' : SYNTAX);
  }
  if (!isObject(doc)) return fail(kind === 'trust' ? 'This policy contains invalid Json' : SYNTAX);
  return doc;
}

/** A string, or a list of strings (Resource lists may also hold null, which IAM ignores). */
function stringOrList(v: unknown, allowNull: boolean): boolean {
  if (typeof v === 'string') return true;
  return Array.isArray(v) && v.every((x) => typeof x === 'string' || (allowNull && x === null));
}

function scalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number';
}

/** Strips ForAnyValue:/ForAllValues: and IfExists, leaving the operator IAM looks up. */
function baseOperator(operator: string): string {
  let base = operator;
  for (const prefix of ['ForAnyValue:', 'ForAllValues:']) {
    if (base.startsWith(prefix)) {
      base = base.slice(prefix.length);
      break;
    }
  }
  return base.endsWith('IfExists') ? base.slice(0, -'IfExists'.length) : base;
}

function checkSchema(doc: Record<string, unknown>): Statement[] {
  for (const k of Object.keys(doc)) if (!TOP_LEVEL.has(k)) fail(SYNTAX);
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') fail(SYNTAX);
  if (doc.Id !== undefined && typeof doc.Id !== 'string') fail(SYNTAX);
  const statements = Array.isArray(doc.Statement) ? doc.Statement : isObject(doc.Statement) ? [doc.Statement] : fail(SYNTAX);
  if (statements.length === 0) fail(SYNTAX);
  for (const s of statements) {
    if (!isObject(s)) fail(SYNTAX);
    for (const k of Object.keys(s)) if (!STATEMENT_FIELDS.has(k)) fail(SYNTAX);
    if (s.Action !== undefined && s.NotAction !== undefined) fail(SYNTAX);
    if (s.Resource !== undefined && s.NotResource !== undefined) fail(SYNTAX);
    if (s.Principal !== undefined && s.NotPrincipal !== undefined) fail(SYNTAX);
    // Effect's case is checked later, by the legacy parser.
    if (typeof s.Effect !== 'string' || !['allow', 'deny'].includes(s.Effect.toLowerCase())) fail(SYNTAX);
    for (const field of ['Action', 'NotAction'] as const) if (s[field] !== undefined && !stringOrList(s[field], false)) fail(SYNTAX);
    for (const field of ['Resource', 'NotResource'] as const) if (s[field] !== undefined && !stringOrList(s[field], true)) fail(SYNTAX);
    if (s.Sid !== undefined && typeof s.Sid !== 'string') fail(SYNTAX);
    for (const field of ['Principal', 'NotPrincipal'] as const) if (s[field] !== undefined) checkPrincipalSyntax(s[field]);
    if (s.Condition !== undefined) checkConditionSyntax(s.Condition);
  }
  return statements as Statement[];
}

function checkPrincipalSyntax(p: unknown): void {
  if (p === '*') return;
  if (!isObject(p) || Object.keys(p).length === 0) fail(SYNTAX);
  for (const [type, value] of Object.entries(p)) {
    if (!PRINCIPAL_TYPES.has(type) || !stringOrList(value, false) || (Array.isArray(value) && value.length === 0)) fail(SYNTAX);
  }
}

function checkConditionSyntax(condition: unknown): void {
  if (!isObject(condition)) fail(SYNTAX);
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) fail(SYNTAX);
    for (const values of Object.values(block)) {
      if (!scalar(values) && !(Array.isArray(values) && values.every(scalar))) fail(SYNTAX);
    }
    // An operator IAM does not know is tolerated only with nothing under it.
    if (!OPERATORS.has(baseOperator(operator)) && Object.keys(block).length > 0) fail(SYNTAX);
  }
}

// ---- The legacy parser ----

const LEGACY = 'The policy failed legacy parsing';

function legacyParse(statements: Statement[]): void {
  for (const s of statements) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') fail(LEGACY);
    if (!isObject(s.Condition)) continue;
    for (const [operator, block] of Object.entries(s.Condition)) {
      if (!baseOperator(operator).startsWith('Date')) continue;
      for (const values of Object.values(block as Record<string, unknown>)) {
        for (const v of list(values)) if (!legacyDate(v)) fail(LEGACY);
      }
    }
  }
}

const INTEGER = /^[+-]?\d+$/;

function intIn(text: string | undefined, min: number, max: number): boolean {
  if (text === undefined || !INTEGER.test(text)) return false;
  const n = Number(text);
  return n >= min && n <= max;
}

/**
 * The legacy parser's date grammar: epoch seconds (0 … 2^63-1), or a loose ISO 8601 where every part after the
 * year is optional — "01T" (year 1) passes, "234-13" (month 13) does not.
 */
function legacyDate(value: unknown): boolean {
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') return false;
  const v = value.toLowerCase();
  if (!v.includes('t') && !v.includes('-')) return INTEGER.test(v) && !v.startsWith('-') && BigInt(v) <= 9223372036854775807n;
  const tAt = v.indexOf('t');
  const datePart = tAt < 0 ? v : v.slice(0, tAt);
  const timePart = tAt < 0 ? '' : v.slice(tAt + 1);
  const negative = datePart.startsWith('-');
  const fields = (negative ? datePart.slice(1) : datePart).split('-');
  if (fields.length > 3) return false;
  if (!intIn(negative ? `-${fields[0]}` : fields[0], -292275054, 292278993)) return false;
  if (fields.length > 1 && !intIn(fields[1], 1, 12)) return false;
  if (fields.length > 2 && !intIn(fields[2], 1, 31)) return false;
  const time = timePart.split(':');
  if (time[0] !== '' && !intIn(time[0], 0, 23)) return false;
  if (time.length > 1 && !intIn(time[1], 0, 59)) return false;
  if (time.length > 2) {
    let seconds = time[2]!;
    const zone = /[+-]/.exec(seconds);
    if (seconds.includes('z')) {
      const [before, after] = [seconds.slice(0, seconds.indexOf('z')), seconds.slice(seconds.indexOf('z') + 1)];
      if (after !== '') return false;
      seconds = before;
    } else if (zone) {
      const hours = seconds.slice(zone.index + 1);
      seconds = seconds.slice(0, zone.index);
      if (hours.length !== 2 || !intIn(hours, 0, 23)) return false;
      if (time.length > 3 && (time[3]!.length !== 2 || !intIn(time[3], 0, 59))) return false;
    }
    const dot = seconds.indexOf('.');
    if (!intIn(dot < 0 ? seconds : seconds.slice(0, dot), 0, 59)) return false;
    if (dot >= 0 && !intIn(seconds.slice(dot + 1), 0, 999_999_999)) return false;
  }
  return true;
}

// ---- Resources ----

/**
 * Checks every Resource/NotResource value's ARN shape. The first format problem is reported later (after Sids and
 * actions); until one is found, the legacy parser also reads each statement's resources and fails outright on ARNs
 * it cannot split ("arn:aws:s3::bucket", "arn:aws::fdsasf").
 */
function checkResourceFormats(statements: Statement[]): string | undefined {
  let error: string | undefined;
  for (const field of ['Resource', 'NotResource'] as const) {
    for (const s of statements) {
      if (s[field] === undefined) continue;
      const values = list(s[field]).filter((r): r is string => typeof r === 'string');
      for (const r of values) error ??= resourceFormatError(r);
      if (error === undefined) for (const r of values) if (!legacyResource(r)) fail(LEGACY);
    }
  }
  return error;
}

function legacyResource(r: string): boolean {
  if (r === '*') return true;
  const colons = r.split(':').length - 1;
  if (colons < 5 && r.includes('::')) return false;
  return (r.split(':')[2] ?? '') !== '';
}

function resourceFormatError(r: string): string | undefined {
  if (r === '*') return undefined;
  const first = r.indexOf(':');
  if (first < 0) return `Resource ${r} must be in ARN format or "*".`;
  // IAM reads the segment after the first colon as the partition, whatever precedes it.
  const afterPrefix = r.slice(first + 1);
  const second = afterPrefix.indexOf(':');
  const partition = second < 0 ? afterPrefix : afterPrefix.slice(0, second);
  if (partition !== '*' && !PARTITIONS.has(partition)) {
    const rest = second < 0 ? [''] : afterPrefix.slice(second + 1).split(':');
    const segment1 = rest[0] !== '' || rest.length > 1 ? rest[0] : '*';
    const tail = rest.length > 3 ? rest.slice(3).join(':') : '*';
    return `Partition "${partition}" is not valid for resource "arn:${partition}:${segment1}:${rest[1] ?? '*'}:${rest[2] ?? '*'}:${tail}".`;
  }
  if (second < 0) return 'Resource vendor must be fully qualified and cannot contain regexes.';
  const afterPartition = afterPrefix.slice(second + 1);
  const third = afterPartition.indexOf(':');
  const service = third < 0 ? afterPartition : afterPartition.slice(0, third);
  const afterService = third < 0 ? '' : afterPartition.slice(third + 1);
  const regionEnd = afterService.indexOf(':');
  const region = regionEnd < 0 ? afterService : afterService.slice(0, regionEnd);
  const afterRegion = regionEnd < 0 ? '' : afterService.slice(regionEnd + 1);
  const accountEnd = afterRegion.indexOf(':');
  const resource = accountEnd < 0 ? '' : afterRegion.slice(accountEnd + 1);
  if (service === 'iam') {
    if (region !== '') return `IAM resource ${r} cannot contain region information.`;
    if (resource !== '*' && resource !== 'root' && !IAM_RESOURCE_STARTS.some((p) => resource.startsWith(p))) {
      return `IAM resource path must either be "*", root, or start with ${IAM_RESOURCE_STARTS.join(', ')}.`;
    }
  }
  if (service === 's3' && region !== '' && !resource.startsWith('accesspoint/')) return `Resource ${r} can not contain region information.`;
  return undefined;
}

// ---- Semantic checks ----

function checkSids(statements: Statement[], kind: PolicyKind): void {
  const seen = new Set<string>();
  for (const s of statements) {
    if (typeof s.Sid !== 'string' || s.Sid === '') continue;
    if (seen.has(s.Sid)) fail('Statement IDs (SID) in a single policy must be unique.');
    seen.add(s.Sid);
  }
  // IAM's own policies take only ASCII letters and digits in a Sid (resource policies of other services allow more).
  if (kind !== 'resource') {
    for (const s of statements) {
      if (typeof s.Sid === 'string' && !/^[0-9A-Za-z]*$/.test(s.Sid)) {
        fail('Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*');
      }
    }
  }
}

function checkKind(statements: Statement[], kind: PolicyKind): void {
  for (const s of statements) {
    const hasPrincipal = s.Principal !== undefined || s.NotPrincipal !== undefined;
    const hasResource = nonEmpty(s.Resource ?? s.NotResource);
    switch (kind) {
      case 'identity':
      case 'boundary':
      case 'session':
        if (!hasResource) fail('Policy statement must contain resources.');
        if (hasPrincipal) fail('Policy document should not specify a principal.');
        break;
      case 'trust':
        if (s.Resource !== undefined || s.NotResource !== undefined) fail('Has prohibited field Resource');
        if (!hasPrincipal) fail(TRUST_NO_PRINCIPAL);
        for (const a of list(s.Action ?? s.NotAction)) {
          if (!TRUST_ACTIONS.has((a as string).toLowerCase())) fail('AssumeRole policy may only specify STS AssumeRole actions.');
        }
        break;
      case 'resource':
        if (!hasPrincipal) fail('Missing required field Principal');
        if (!hasResource) fail('Missing required field Resource');
        break;
      case 'scp':
        if (hasPrincipal) fail(ORGANIZATION_MALFORMED);
        if (!hasResource) fail(ORGANIZATION_MALFORMED);
        break;
      case 'rcp':
        // RCP syntax: Principal is required and may only be "*"; NotPrincipal and NotAction are not supported; Allow
        // is reserved to the AWS-managed RCPFullAWSAccess, so a customer RCP may only Deny; "You cannot use "*" in the
        // Action element of a customer managed RCP" (the service must be named); Resource or NotResource is required.
        if (s.Principal !== '*' || s.NotPrincipal !== undefined || s.NotAction !== undefined) fail(ORGANIZATION_MALFORMED);
        if (s.Effect !== 'Deny' || !hasResource || list(s.Action).includes('*')) fail(ORGANIZATION_MALFORMED);
        break;
    }
  }
}

function checkActionVendor(action: string): void {
  if (action === '*') return;
  const parts = action.split(':');
  if (parts.length === 1) fail('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  if (parts.length > 2) fail('Actions/Condition can contain only one colon.');
  if (/[^a-zA-Z0-9.-]/.test(parts[0]!)) fail(`Vendor ${parts[0]} is not valid`);
}

// ---- AWS Organizations policies ----

/**
 * The one message Organizations' CreatePolicy/UpdatePolicy give in MalformedPolicyDocumentException for a document
 * that is not a valid policy of the requested type, whatever the problem (as quoted from AWS in
 * org-formation/org-formation-cli#225 and hashicorp/terraform-provider-aws#15335).
 */
export const ORGANIZATION_MALFORMED = 'The provided policy document does not meet the requirements of the specified policy type.';

/**
 * Whether a document is a valid SCP or RCP (Organizations User Guide, "SCP syntax" and "RCP syntax"): undefined if so,
 * else the message of Organizations' MalformedPolicyDocumentException. The size limit is the API's to check.
 */
export function organizationPolicyProblem(document: string, type: 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY'): string | undefined {
  try {
    validatePolicyDocument(document, type === 'SERVICE_CONTROL_POLICY' ? 'scp' : 'rcp');
    return undefined;
  } catch (e) {
    if (e instanceof PolicyDocumentError) return ORGANIZATION_MALFORMED;
    throw e;
  }
}
