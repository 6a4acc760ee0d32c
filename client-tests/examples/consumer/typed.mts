// Type-checked by the consumer's tsc (strict, NodeNext, skipLibCheck false): the ES module declarations of iamlocal.
// (That clientConfig() suits the SDK's client types is checked by reports.spec.ts and reports.jest.ts, which iamlocal's
// own type-check covers; with the SDK here, skipLibCheck false would spend half a minute on the SDK's declarations.)
import { routeThroughIamlocal, startIamlocal, totp, type Fixtures, type Iamlocal, type PrincipalRef } from 'iamlocal';

const fixtures: Fixtures = { roles: [{ name: 'app', trustPolicy: { Version: '2012-10-17', Statement: [] } }], buckets: [{ name: 'b' }] };
const who: PrincipalRef = { role: 'app', session: 'test' };
const local: Iamlocal = await startIamlocal({ listen: false, config: { enforce: 'audit' }, logLevel: 'silent' });
const config: { endpoint: string; region: string; credentials: { accessKeyId: string } } = local.clientConfig(who);
const code: string = totp('JBSWY3DPEHPK3PXP', new Date());
const mock = { on: () => ({ callsFake: () => undefined }), send: {} };
routeThroughIamlocal(mock, local, { commands: [] });
// @ts-expect-error: an unknown enforcement mode is a type error
await startIamlocal({ config: { enforce: 'sometimes' } });
export { code, config, fixtures };
