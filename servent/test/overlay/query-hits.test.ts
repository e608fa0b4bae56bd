import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queryHitMessages } from '../../src/core/overlay/query-hits.js';
import { decodeGgepH, decodeQueryHit, extensionSha1s } from '../../src/core/wire/index.js';

const sha1 = Uint8Array.from({ length: 20 }, (_, i) => i); // holds a 0x00: GGEP must avoid it
const tigerRoot = Uint8Array.from({ length: 24 }, (_, i) => 200 + i);
const source = {
  self: { host: '198.51.100.7', port: 6346, sharedFiles: 1, sharedKilobytes: 1 },
  serventId: new Uint8Array(16).fill(9),
  vendorCode: 'GSNT',
  speedKbps: 1000,
  resultsPerHit: 10,
  hardTtlLimit: 15,
};
const result = { index: 3, name: 'amber falcon.mp3', size: 1234, sha1, tigerRoot };

function decodedRecord(wantsGgepH: boolean) {
  const [message] = queryHitMessages(new Uint8Array(16), 1, [result], source, wantsGgepH);
  const hit = decodeQueryHit(message!.subarray(23));
  assert.ok(hit.ok);
  const record = hit.value.results[0]!;
  const ggep = record.extensions.flatMap((b) => (b.kind === 'ggep' ? b.extensions : []));
  return { record, ggep };
}

test('HUGE-4 GGEP-8 a hit names its file by urn:sha1 text and carries the Tiger root in GGEP TT', () => {
  const { record, ggep } = decodedRecord(false);
  assert.deepEqual(extensionSha1s(record.extensions), [sha1]);
  assert.deepEqual(ggep.find((e) => e.id === 'TT')?.data, tigerRoot);
  assert.equal(
    ggep.find((e) => e.id === 'H'),
    undefined,
  );
});

test('HUGE-6 a query with flag 0x0800 gets GGEP H (a bitprint when the root is known), COBS-encoded around NULs', () => {
  const { record, ggep } = decodedRecord(true);
  const h = ggep.find((e) => e.id === 'H');
  assert.ok(h, 'GGEP H present');
  assert.equal(h.cobs, true, 'the digest holds 0x00, so it is COBS-encoded (GGEP-8)');
  const urn = decodeGgepH(h.data);
  assert.ok(urn.ok);
  assert.equal(urn.value.type, 'bitprint');
  assert.deepEqual(extensionSha1s(record.extensions), [sha1], 'readers still find the SHA-1');
  assert.ok(!record.extensions.some((b) => b.kind === 'urn'), 'no ASCII URN beside H');
});
