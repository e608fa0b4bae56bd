/**
 * Vendor-message codec throughput: decode and encode rate for each typed
 * (vendor, selector, version) and for an unknown one, in messages per second.
 */
import {
  decodeVendorMessage,
  encodeVendorMessage,
  formatVendorId,
  type VendorMessage,
  vendorMessageId,
} from '../servent/src/core/wire/vendor/index.js';
import { s00Out3, s00Out5 } from '../servent/test/wire/recorded.js';
import { runBench } from './lib.js';

const BATCH = 1_000;

/** A recorded message's payload decoded, for realistic list sizes. */
function recorded(frame: Uint8Array): VendorMessage {
  const result = decodeVendorMessage(frame.subarray(23));
  if (!result.ok) throw result.error;
  return result.value;
}

const limeWireCapabilities: VendorMessage = {
  kind: 'features-supported',
  version: 1,
  features: [
    { name: 'WHAT', version: 1 },
    { name: 'TLS!', version: 1 },
    { name: 'ADHT', version: 0 },
  ],
  wideFeatures: [{ name: 'ADHT', version: 0x10000 }],
};

const token = Uint8Array.of(0xc3, 0x82, 0x53, 0x4f, 0x48, 1, 2, 3, 4, 5, 6, 7, 8);

/**
 * One message per typed triple, plus an unknown one; the lists are
 * gtk-gnutella's recorded Messages Supported (26 entries) and Features
 * Supported (5).
 */
const samples: VendorMessage[] = [
  recorded(s00Out3),
  recorded(s00Out5),
  limeWireCapabilities,
  { kind: 'hops-flow', version: 1, hops: 0 },
  { kind: 'tcp-connect-back', version: 1, port: 6346 },
  { kind: 'query-status-request', version: 1 },
  { kind: 'query-status-response', version: 1, kept: 37 },
  { kind: 'udp-connect-back', version: 1, port: 6346, guid: new Uint8Array(16).fill(7) },
  { kind: 'udp-connect-back', version: 2, port: 6346 },
  { kind: 'oob-ack', version: 2, wanted: 3 },
  { kind: 'oob-ack', version: 3, wanted: 3, ggep: token },
  { kind: 'oob-reply-number', version: 1, hits: 3 },
  { kind: 'oob-reply-number', version: 2, hits: 3, flags: 1 },
  { kind: 'oob-reply-number', version: 3, hits: 3, flags: 1, ggep: new Uint8Array() },
  { kind: 'oob-proxy-control', version: 1, maxDisabledVersion: 2 },
  { kind: 'push-proxy-request', version: 1 },
  { kind: 'push-proxy-request', version: 2 },
  { kind: 'push-proxy-ack', version: 1, port: 6346 },
  { kind: 'push-proxy-ack', version: 2, address: '192.0.2.20', port: 6346 },
  { kind: 'unknown', vendor: 'RAZA', selector: 5, version: 1, body: new Uint8Array(24) },
];

export async function main(): Promise<void> {
  const tasks = samples.flatMap((message) => {
    const payload = encodeVendorMessage(message);
    const label = `${formatVendorId(vendorMessageId(message))} ${message.kind} (${payload.length} B)`;
    return [
      {
        name: `decode ${label}`,
        fn: () => {
          for (let i = 0; i < BATCH; i++) decodeVendorMessage(payload);
        },
        items: BATCH,
        unit: 'msg',
      },
      {
        name: `encode ${label}`,
        fn: () => {
          for (let i = 0; i < BATCH; i++) encodeVendorMessage(message);
        },
        items: BATCH,
        unit: 'msg',
      },
    ];
  });
  await runBench('vendor messages (0x31/0x32 payloads)', tasks, 300);
}
