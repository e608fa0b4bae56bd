import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.js';
import {
  buildMessagesSupported,
  decodeVendorMessage,
  encodeVendorMessage,
  type FeaturesSupported,
  NULL_VENDOR,
  vendorSupport,
} from '../../../src/core/wire/vendor/index.js';
import { fromHex } from '../hex.js';
import { assertDecodeError } from './support.js';

const MS = '00000000 0000 0000';
const FS0 = '00000000 0a00 0000';
const FS1 = '00000000 0a00 0100';

test('VM-7 Messages Supported with 0 entries', () => {
  const result = decodeVendorMessage(fromHex(`${MS} 0000`));
  assert.ok(result.ok && result.value.kind === 'messages-supported');
  assert.deepEqual(result.value, { kind: 'messages-supported', version: 0, entries: [] });
  assert.equal(vendorSupport(result.value).supports('BEAR', 4), undefined);
});

test('VM-6 VM-7 a count that disagrees with the entries that follow is vendor-entry-count', () => {
  const oneEntry = '42454152 0400 0100';
  for (const body of ['0200', `0000 ${oneEntry}`, `0200 ${oneEntry}`, `0100 ${oneEntry} 00`]) {
    assertDecodeError(fromHex(`${MS} ${body}`), 'vendor-entry-count', 'VM-7');
  }
});

test('VM-7 Messages Supported without its count is vendor-body-length', () => {
  for (const body of ['', '01']) {
    assertDecodeError(fromHex(`${MS} ${body}`), 'vendor-body-length', 'VM-7');
  }
});

test('VM-7 a count of 65 535 over a short body fails before allocating the entries', () => {
  const error = assertDecodeError(
    fromHex(`${MS} ffff 42454152 0400 0100`),
    'vendor-entry-count',
    'VM-7',
  );
  assert.match(error.message, /65535 entries/);
});

test('VM-5 VM-7 vendorSupport is case-sensitive and keeps the highest version of repeated pairs', () => {
  const support = vendorSupport({
    kind: 'messages-supported',
    version: 0,
    entries: [
      { vendor: 'LIME', selector: 12, version: 3 },
      { vendor: 'LIME', selector: 12, version: 1 },
      { vendor: 'bear', selector: 4, version: 1 },
      { vendor: 'GTKG', selector: 7, version: 0 },
    ],
  });
  assert.equal(support.supports('LIME', 12), 3);
  assert.equal(support.supports('bear', 4), 1);
  assert.equal(support.supports('BEAR', 4), undefined);
  assert.equal(support.supports('GTKG', 7), 0, 'version 0 is listed, not absent');
});

test('VM-6 buildMessagesSupported sorts, removes duplicates and leaves out the null vendor', () => {
  const built = buildMessagesSupported([
    { vendor: 'LIME', selector: 22, version: 2 },
    { vendor: 'BEAR', selector: 11, version: 1 },
    { vendor: 'LIME', selector: 22, version: 2 },
    { vendor: NULL_VENDOR, selector: 0, version: 0 },
    { vendor: 'BEAR', selector: 4, version: 1 },
  ]);
  assert.deepEqual(built.entries, [
    { vendor: 'BEAR', selector: 4, version: 1 },
    { vendor: 'BEAR', selector: 11, version: 1 },
    { vendor: 'LIME', selector: 22, version: 2 },
  ]);
  const payload = encodeVendorMessage(built);
  assert.equal(payload.length, 8 + 2 + 8 * 3);
  assert.deepEqual(payload.subarray(8, 10), fromHex('0300'), 'count = entries that follow');
  assert.deepEqual(buildMessagesSupported([]).entries, []);
});

test('buildMessagesSupported refuses ids that cannot be encoded', () => {
  assert.throws(
    () => buildMessagesSupported([{ vendor: 'BEA', selector: 4, version: 1 }]),
    UsageError,
  );
  assert.throws(
    () => buildMessagesSupported([{ vendor: 'BEAЯ', selector: 4, version: 1 }]),
    UsageError,
  );
  assert.throws(
    () => buildMessagesSupported([{ vendor: 'BEAR', selector: 65_536, version: 1 }]),
    UsageError,
  );
  assert.throws(
    () => buildMessagesSupported([{ vendor: 'BEAR', selector: 4, version: -1 }]),
    UsageError,
  );
});

test("Features Supported v1 with LimeWire's second vector of u32 versions", () => {
  const payload = fromHex(`${FS1} 0100 57484154 0100 0100 41444854 00000100`);
  const result = decodeVendorMessage(payload);
  assert.ok(result.ok);
  assert.deepEqual(result.value, {
    kind: 'features-supported',
    version: 1,
    features: [{ name: 'WHAT', version: 1 }],
    wideFeatures: [{ name: 'ADHT', version: 0x0001_0000 }],
  });
  assert.deepEqual(encodeVendorMessage(result.value), payload);
});

test('Features Supported: an empty second vector is kept apart from a missing one', () => {
  for (const [hex, wideFeatures] of [
    [`${FS0} 0000`, null],
    [`${FS0} 0000 0000`, []],
  ] as const) {
    const result = decodeVendorMessage(fromHex(hex));
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      kind: 'features-supported',
      version: 0,
      features: [],
      wideFeatures,
    });
    assert.deepEqual(encodeVendorMessage(result.value), fromHex(hex));
  }
});

test('Features Supported: counts beyond the body and stray bytes are errors', () => {
  assertDecodeError(fromHex(`${FS0} 02 00 48534550 0100`), 'vendor-entry-count', undefined);
  assertDecodeError(fromHex(`${FS0} 00`), 'vendor-body-length', undefined);
  assertDecodeError(fromHex(`${FS0} 0000 00`), 'vendor-body-length', undefined);
  assertDecodeError(fromHex(`${FS0} 0000 0100`), 'vendor-entry-count', undefined);
  assertDecodeError(fromHex(`${FS0} 0000 0000 00`), 'vendor-entry-count', undefined);
});

test('Features Supported: versions that do not fit are a UsageError', () => {
  const base: FeaturesSupported = {
    kind: 'features-supported',
    version: 0,
    features: [],
    wideFeatures: null,
  };
  assert.throws(
    () => encodeVendorMessage({ ...base, features: [{ name: 'TCPI', version: 65_536 }] }),
    UsageError,
  );
  assert.throws(
    () => encodeVendorMessage({ ...base, wideFeatures: [{ name: 'ADHT', version: 2 ** 32 }] }),
    UsageError,
  );
  assert.throws(
    () => encodeVendorMessage({ ...base, features: [{ name: 'TLS', version: 1 }] }),
    UsageError,
  );
});
