// The CommonJS declarations (dist/index.d.cts), as a CommonJS TypeScript project sees them.
import { startIamlocal, type IamlocalClientConfig } from 'iamlocal';

export async function config(): Promise<IamlocalClientConfig> {
  const local = await startIamlocal({ listen: false });
  const result = local.clientConfig('root', { inProcess: true });
  await local.stop();
  return result;
}
