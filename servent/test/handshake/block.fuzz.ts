/** `npm run fuzz`: the header-block reader and the handshake on arbitrary peer bytes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BlockReader, DEFAULT_LIMITS, Handshake } from '../../src/core/handshake/index.js';
import { FUZZ_RUNS } from '../fuzz-runs.js';

const line = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    'GNUTELLA CONNECT/0.6',
    'GNUTELLA/0.6 200 OK',
    'X-Ultrapeer: True',
    ' continued',
    '',
  ),
);
const peerBytes = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }),
  fc.array(line, { maxLength: 40 }).map((lines) => Buffer.from(lines.join('\r\n'), 'latin1')),
);

test('HS-10 HS-12 the block reader never throws and never buffers past its limit', () => {
  fc.assert(
    fc.property(fc.array(peerBytes, { maxLength: 12 }), (chunks) => {
      const reader = new BlockReader();
      for (const chunk of chunks) {
        const r = reader.write(chunk);
        if (r.kind === 'error') assert.equal(typeof r.error.code, 'string');
        if (r.kind !== 'incomplete') return;
      }
    }),
    { numRuns: FUZZ_RUNS },
  );
  assert.ok(DEFAULT_LIMITS.maxBlockBytes > 0);
});

test('HS-2 HS-3 a responder fed arbitrary bytes ends in an event or waits, never throws', () => {
  fc.assert(
    fc.property(fc.array(peerBytes, { maxLength: 6 }), (chunks) => {
      const hs = new Handshake({
        role: 'responder',
        now: 0,
        respond: () => ({ code: 200, reason: 'OK', fields: [] }),
      });
      for (const chunk of chunks) {
        if (hs.state === 'completed') break;
        hs.handleData(chunk, 1);
      }
      while (hs.pollOutput()) {}
      hs.pollEvent();
    }),
    { numRuns: FUZZ_RUNS },
  );
});
