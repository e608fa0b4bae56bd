import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { resolveTunables, TUNABLES } from '../../src/core/overlay/index.js';

test('RT-5 MSG-40 RT-12 every tunable has a default within its bounds, and the clause minimums hold', () => {
  const defaults = resolveTunables();
  for (const [name, spec] of Object.entries(TUNABLES)) {
    assert.ok(spec.min <= spec.default && spec.default <= spec.max, name);
    assert.equal(defaults[name as keyof typeof defaults], spec.default);
  }
  assert.ok(TUNABLES.queryRouteLifetimeMs.min >= 5 * 60_000);
  assert.ok(TUNABLES.pushRouteLifetimeMs.min >= 7 * 60_000);
  assert.ok(TUNABLES.alivePingMaxMissed.min >= 4);
  assert.ok(TUNABLES.pingAnswerIntervalMs.min >= 2_500);
  assert.ok(TUNABLES.resultsPerHit.max <= 10);
  assert.ok(TUNABLES.maxRelayHopsTtl.max <= 7);
});

test('a tunable out of its bounds is refused with its meaning', () => {
  assert.throws(() => resolveTunables({ queryRouteLifetimeMs: 60_000 }), UsageError);
  assert.throws(() => resolveTunables({ resultsPerHit: 11 }), /MSG-28/);
  assert.equal(resolveTunables({ qrpUpdateDelayMs: 0 }).qrpUpdateDelayMs, 0);
});
