// `iamlocal advise` and `iamlocal unused`: ask a running server, over its admin API, about its decision log.
import { CliFailure, stringFlag, UsageError, type CliCommand, type FlagValues } from './command.ts';

function endpointOf(values: FlagValues): string {
  return (stringFlag(values, 'endpoint') ?? process.env.IAMLOCAL_ENDPOINT ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4577').replace(/\/$/, '');
}

async function advice(command: 'advise' | 'unused', values: FlagValues): Promise<number> {
  const principal = stringFlag(values, 'principal');
  if (!principal) throw new UsageError('--principal ARN is required');
  const endpoint = endpointOf(values);
  const format = stringFlag(values, 'format');
  const apply = values.apply === true;
  const q = new URLSearchParams({ principal });
  for (const name of ['since', 'granularity', 'format']) {
    const value = stringFlag(values, name);
    if (value) q.set(name, value);
  }
  const path = command === 'unused' ? '/_iamlocal/unused' : apply ? '/_iamlocal/advice/apply' : '/_iamlocal/advice';
  const token = process.env.IAMLOCAL_ADMIN_TOKEN;
  let res: Response;
  try {
    res = await fetch(`${endpoint}${path}?${q}`, { method: apply ? 'POST' : 'GET', headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (error) {
    throw new CliFailure(`cannot reach ${endpoint}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await res.text();
  if (!res.ok) throw new CliFailure(`${res.status} ${text}`);
  process.stdout.write(format === 'terraform' && !apply ? text : `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  return 0;
}

const common = {
  principal: { arg: 'ARN', text: 'The user or role (a role covers all its sessions). Required.' },
  since: { arg: 'ISO-TIME', text: 'Only decisions from this time on.' },
  endpoint: { arg: 'URL', env: 'IAMLOCAL_ENDPOINT', text: 'The running iamlocal (else AWS_ENDPOINT_URL, else http://127.0.0.1:4577).' },
};
const env = { AWS_ENDPOINT_URL: 'Used when neither --endpoint nor IAMLOCAL_ENDPOINT is set.', IAMLOCAL_ADMIN_TOKEN: 'Bearer token for a server whose admin API needs one.' };

export const adviseCommand: CliCommand = {
  summary: 'The least-privilege policy covering the calls a principal made.',
  synopsis: '--principal ARN [--since ISO-TIME] [--granularity exact|prefix|bucket] [--format json|terraform] [--apply] [--endpoint URL]',
  description: 'Reads the running server\'s decision log and prints the least-privilege policy covering the calls ARN made; --apply makes it the principal\'s policy.',
  flags: {
    ...common,
    granularity: { arg: 'exact|prefix|bucket', text: 'How S3 resources are generalised (default exact).' },
    format: { arg: 'json|terraform', text: 'Output format (default json).' },
    apply: { text: 'Attach the advised policy to the principal instead of printing it.' },
  },
  env,
  run: (values) => advice('advise', values),
};

export const unusedCommand: CliCommand = {
  summary: 'Statements and actions of a principal\'s policies that no recorded call used.',
  synopsis: '--principal ARN [--since ISO-TIME] [--endpoint URL]',
  description: 'Reads the running server\'s decision log and lists the statements and actions of ARN\'s policies that no recorded call used.',
  flags: common,
  env,
  run: (values) => advice('unused', values),
};
