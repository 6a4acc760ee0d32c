// The hostile suite's bounded run (the full one is `npm run hostile`, scripts/hostile.ts): every probe but those that
// start a client process, one node:test test each, against one in-process server holding the hostile world. Each
// probe states what AWS does and the AWS page that says so. Probes whose fix is being made on another branch
// (KNOWN_FIXED_ELSEWHERE) or that record an open finding (OPEN_FINDINGS) are skipped with the reason.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KNOWN_FIXED_ELSEWHERE, OPEN_FINDINGS, PROBES, runProbe, startHostileWorld, type HostileWorld } from '../../scripts/hostile.ts';

let world: HostileWorld;
before(async () => {
  world = await startHostileWorld();
});
after(async () => {
  await world.stop();
});

test('the suite: unique probe ids, every probe cites an AWS page, every skip names a probe', () => {
  const ids = PROBES.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const p of PROBES) assert.match(p.doc, /https:\/\/docs\.aws\.amazon\.com\//, p.id);
  for (const id of [...Object.keys(KNOWN_FIXED_ELSEWHERE), ...Object.keys(OPEN_FINDINGS)]) assert.ok(ids.includes(id), `${id} is not a probe`);
  assert.ok(PROBES.length >= 100, `${PROBES.length} probes`);
});

for (const area of [...new Set(PROBES.map((p) => p.area))]) {
  describe(`hostile: ${area}`, () => {
    for (const p of PROBES.filter((x) => x.area === area && !x.fullOnly)) {
      const skip = KNOWN_FIXED_ELSEWHERE[p.id] ?? OPEN_FINDINGS[p.id];
      test(`${p.id} — ${p.aws}`, { skip: skip ?? false }, async () => {
        const r = await runProbe(p, world);
        assert.ok(r.held, `${r.detail}\n    AWS: ${p.aws}\n    doc: ${p.doc}`);
      });
    }
  });
}
