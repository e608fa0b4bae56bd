/**
 * Vendor messages real gtk-gnutella 1.2.3 sent (recordings/…/plain/): each
 * decodes to the fields below and re-encodes to the recorded bytes. Expected
 * fields come from gtk-gnutella's own source, not from our decoder: the
 * `vmsg_map` table of src/core/vmsg.c (built without GnuTLS, so no GTKG/24)
 * and `vmsg_send_features_supported`. Wireshark (plain/tshark_gnutella_verbose.txt,
 * frame 13) reads the header of A's Messages Supported as type 49, TTL 1,
 * Hops 0, length 218.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageFramer } from '../../../src/core/wire/framer.js';
import { guidToHex } from '../../../src/core/wire/guid.js';
import type { Frame } from '../../../src/core/wire/message.js';
import { encodeMessage } from '../../../src/core/wire/message.js';
import {
  buildMessagesSupported,
  CONNECT_BACK_MARKERS,
  encodeVendorMessage,
  isVendorMessageType,
  type MessagesSupported,
  vendorSupport,
} from '../../../src/core/wire/vendor/index.js';
import {
  bServentId,
  connectBackWrites,
  S00,
  S04,
  s00In4,
  s00In9,
  s00In10,
  s00Out3,
  s00Out5,
  s04In4,
} from './recorded.js';
import { roundTripFrame } from './support.js';

const ids = (text: string) =>
  text.split(' ').map((id) => {
    const [, vendor, selector, version] = /^(\w{4})\/(\d+)v(\d+)$/.exec(id)!;
    return { vendor: vendor!, selector: Number(selector), version: Number(version) };
  });

/** gtk-gnutella 1.2.3's vmsg_map minus its own null-vendor rows, in table order. */
const gtkSupported: MessagesSupported = {
  kind: 'messages-supported',
  version: 0,
  entries: ids(
    'BEAR/4v1 BEAR/7v1 BEAR/11v1 BEAR/12v1 GTKG/7v1 GTKG/7v2 GTKG/9v1 GTKG/10v1 GTKG/21v1 ' +
      'GTKG/22v1 GTKG/23v1 LIME/5v1 LIME/11v2 LIME/11v3 LIME/12v1 LIME/12v2 LIME/12v3 LIME/13v1 ' +
      'LIME/21v1 LIME/21v2 LIME/22v1 LIME/22v2 LIME/23v1 LIME/23v2 LIME/24v1 LIME/24v2',
  ),
};

/** HSEP, WHAT, QRP1 at 1; F2FT at (uint16) -1; TCPI 1 unless firewalled. */
const gtkFeatures = (tcpi: number) => ({
  kind: 'features-supported',
  version: 0,
  features: [
    { name: 'HSEP', version: 1 },
    { name: 'WHAT', version: 1 },
    { name: 'QRP1', version: 1 },
    { name: 'F2FT', version: 0xffff },
    { name: 'TCPI', version: tcpi },
  ],
  wideFeatures: null,
});

/** Splits a captured segment into messages. */
function framesOf(segment: Uint8Array): Frame[] {
  return new MessageFramer().write(segment).map((result) => {
    assert.ok(result.ok);
    return result.value;
  });
}

const wholeMessage = (frame: Frame) => {
  const { length: _, ...fields } = frame.header;
  return encodeMessage(fields, frame.payload);
};

test(`VM-1 VM-6 VM-7 gtk-gnutella's Messages Supported (${S00} frame 3, out): 26 entries`, () => {
  const { header, message } = roundTripFrame(s00Out3);
  assert.deepEqual([header.type, header.ttl, header.hops, header.length], [0x31, 1, 0, 218]);
  assert.equal(guidToHex(header.guid), '00000000000000000000000000000000');
  assert.deepEqual(message, gtkSupported);
  assert.equal(header.length, 8 + 2 + 8 * 26, 'count matches the entries that follow (VM-6)');
});

test(`VM-6 buildMessagesSupported from gtk-gnutella's table gives its bytes (${S00} frame 3)`, () => {
  // Shuffled, with a duplicate and a null-vendor row, as a servent's own table might be.
  const table = [
    ...gtkSupported.entries.toReversed(),
    { vendor: 'LIME', selector: 13, version: 1 },
    { vendor: '\0\0\0\0', selector: 10, version: 0 },
  ];
  const built = buildMessagesSupported(table);
  assert.deepEqual(built, gtkSupported);
  assert.deepEqual(encodeVendorMessage(built), s00Out3.subarray(23));
});

test(`VM-7 reading gtk-gnutella's list: highest version per pair (${S00} frame 3)`, () => {
  const support = vendorSupport(gtkSupported);
  assert.equal(support.supports('LIME', 12), 3, 'LIME/12 listed at v1, v2 and v3');
  assert.equal(support.supports('GTKG', 7), 2);
  assert.equal(support.supports('LIME', 21), 2);
  assert.equal(support.supports('BEAR', 11), 1, 'leaf guidance');
  assert.equal(support.supports('LIME', 6), undefined, 'crawler pong not listed');
  assert.equal(support.supports('lime', 12), undefined, 'VM-5: case-sensitive');
});

test(`VM-1 gtk-gnutella's Features Supported (${S00} frame 5, out): null/10v0, TCPI/1`, () => {
  const { header, message } = roundTripFrame(s00Out5);
  assert.deepEqual([header.type, header.ttl, header.hops, header.length], [0x31, 1, 0, 40]);
  assert.deepEqual(message, gtkFeatures(1));
});

/** The vendor messages of B's first burst, the same in s00 and s04 (B is firewalled: TCPI/0). */
function checkLeafBurst(frames: Frame[]): void {
  const vendor = frames.filter((f) => isVendorMessageType(f.header.type));
  assert.equal(vendor.length, 4);
  for (const frame of vendor) {
    assert.deepEqual([frame.header.type, frame.header.ttl, frame.header.hops], [0x31, 1, 0]);
  }
  const [supported, features, connectBack, pushProxy] = vendor.map((f) =>
    roundTripFrame(wholeMessage(f)),
  );
  assert.deepEqual(supported!.message, gtkSupported);
  assert.deepEqual(features!.message, gtkFeatures(0));
  assert.deepEqual(connectBack!.message, { kind: 'tcp-connect-back', version: 1, port: 6347 });
  assert.equal(guidToHex(connectBack!.header.guid), '00000000000000000000000000000000');
  assert.deepEqual(pushProxy!.message, { kind: 'push-proxy-request', version: 1 });
  assert.equal(guidToHex(pushProxy!.header.guid), bServentId, 'VM-18: header GUID = servent id');
}

test(`VM-1 VM-9 VM-18 gtk-gnutella leaf's vendor burst (${S00} frame 4, in)`, () => {
  const frames = framesOf(s00In4);
  assert.deepEqual(
    frames.map((f) => f.header.type),
    [0x00, 0x31, 0x31, 0x31, 0x31],
  );
  checkLeafBurst(frames);
});

test(`VM-1 VM-9 VM-18 gtk-gnutella leaf's vendor burst after reconnecting (${S04} frame 4, in)`, () => {
  const frames = framesOf(s04In4);
  assert.deepEqual(
    frames.map((f) => f.header.type),
    [0x30, 0x30, 0x00, 0x31, 0x31, 0x31, 0x31],
  );
  checkLeafBurst(frames);
});

test(`VM-9 VM-18 gtk-gnutella leaf repeats BEAR/7 and LIME/21 (${S00} frames 9 and 10, in)`, () => {
  assert.deepEqual(roundTripFrame(s00In9).message, {
    kind: 'tcp-connect-back',
    version: 1,
    port: 6347,
  });
  const request = roundTripFrame(s00In10);
  assert.deepEqual(request.message, { kind: 'push-proxy-request', version: 1 });
  assert.equal(guidToHex(request.header.guid), bServentId);
});

test('VM-9 VM-10 gtk-gnutella connects back to the leaf and writes only "\\n\\n" (s01, s02, s05 frame 0)', () => {
  for (const { file, bytes } of connectBackWrites) {
    assert.deepEqual(bytes, CONNECT_BACK_MARKERS.gtkGnutella, file);
  }
  assert.equal(new TextDecoder().decode(CONNECT_BACK_MARKERS.limeWire), 'CONNECT BACK\r\n\r\n');
});
