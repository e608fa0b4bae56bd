/** fast-check generators of valid vendor messages, one per typed (kind, version) and one for `unknown`. */
import fc from 'fast-check';
import {
  type FeatureEntry,
  NULL_VENDOR,
  VENDOR_MESSAGE_TYPES,
  type VendorMessage,
} from '../../../src/core/wire/vendor/index.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const code = fc
  .uint8Array({ minLength: 4, maxLength: 4 })
  .map((bytes) => String.fromCharCode(...bytes));
const guid = fc.uint8Array({ minLength: 16, maxLength: 16 });
const ipv4 = fc.tuple(u8, u8, u8, u8).map((octets) => octets.join('.'));
/** Opaque GGEP: only the magic byte is checked by the codec. */
const ggep = fc.uint8Array({ maxLength: 40 }).map((rest) => Uint8Array.of(0xc3, ...rest));
// fc.record builds null-prototype objects; decoded entries are plain ones.
const feature = (version: fc.Arbitrary<number>): fc.Arbitrary<FeatureEntry> =>
  fc.tuple(code, version).map(([name, v]) => ({ name, version: v }));
const messageId = fc
  .tuple(code, u16, u16)
  .map(([vendor, selector, version]) => ({ vendor, selector, version }));

const typed = new Set(VENDOR_MESSAGE_TYPES.map((t) => `${t.vendor}/${t.selector}/${t.version}`));

export interface Generated {
  label: string;
  /** The clause whose layout the round trip exercises. */
  clause: string;
  arbitrary: fc.Arbitrary<VendorMessage>;
}

export const generated: Generated[] = [
  {
    label: 'null/0v0 Messages Supported',
    clause: 'VM-7',
    arbitrary: fc
      .array(messageId, { maxLength: 40 })
      .map((entries) => ({ kind: 'messages-supported', version: 0, entries })),
  },
  ...([0, 1] as const).map((version) => ({
    label: `null/10v${version} Features Supported`,
    clause: 'VM-7',
    arbitrary: fc
      .record({
        features: fc.array(feature(u16), { maxLength: 20 }),
        wideFeatures: fc.option(fc.array(feature(u32), { maxLength: 20 }), { nil: null }),
      })
      .map((m): VendorMessage => ({ kind: 'features-supported', version, ...m })),
  })),
  {
    label: 'BEAR/4v1 Hops Flow',
    clause: 'VM-8',
    arbitrary: u8.map((hops) => ({ kind: 'hops-flow', version: 1, hops })),
  },
  {
    label: 'BEAR/7v1 TCP Connect Back',
    clause: 'VM-9',
    arbitrary: u16.map((port) => ({ kind: 'tcp-connect-back', version: 1, port })),
  },
  {
    label: 'GTKG/7v1 UDP Connect Back',
    clause: 'VM-11',
    arbitrary: fc
      .record({ port: u16, guid })
      .map(({ port, guid }) => ({ kind: 'udp-connect-back', version: 1, port, guid })),
  },
  {
    label: 'GTKG/7v2 UDP Connect Back',
    clause: 'VM-11',
    arbitrary: u16.map((port) => ({ kind: 'udp-connect-back', version: 2, port })),
  },
  {
    label: 'BEAR/11v1 Query Status Request',
    clause: 'VM-12',
    arbitrary: fc.constant({ kind: 'query-status-request', version: 1 }),
  },
  {
    label: 'BEAR/12v1 Query Status Response',
    clause: 'VM-12',
    arbitrary: u16.map((kept) => ({ kind: 'query-status-response', version: 1, kept })),
  },
  {
    label: 'LIME/12v1 OOB Reply Number',
    clause: 'VM-14',
    arbitrary: u8.map((hits) => ({ kind: 'oob-reply-number', version: 1, hits })),
  },
  {
    label: 'LIME/12v2 OOB Reply Number',
    clause: 'VM-14',
    arbitrary: fc
      .record({ hits: u8, flags: u8 })
      .map((m) => ({ kind: 'oob-reply-number', version: 2, ...m })),
  },
  {
    label: 'LIME/12v3 OOB Reply Number',
    clause: 'VM-14',
    arbitrary: fc
      .record({ hits: u8, flags: u8, ggep: fc.uint8Array({ maxLength: 40 }) })
      .map((m) => ({ kind: 'oob-reply-number', version: 3, ...m })),
  },
  {
    label: 'LIME/11v2 OOB ACK',
    clause: 'VM-15',
    arbitrary: u8.map((wanted) => ({ kind: 'oob-ack', version: 2, wanted })),
  },
  {
    label: 'LIME/11v3 OOB ACK',
    clause: 'VM-15',
    arbitrary: fc.record({ wanted: u8, ggep }).map((m) => ({ kind: 'oob-ack', version: 3, ...m })),
  },
  {
    label: 'LIME/13v1 OOB Proxy Control',
    clause: 'VM-20',
    arbitrary: fc
      .option(u8, { nil: null })
      .map((maxDisabledVersion) => ({ kind: 'oob-proxy-control', version: 1, maxDisabledVersion })),
  },
  ...([1, 2] as const).map((version) => ({
    label: `LIME/21v${version} Push Proxy Request`,
    clause: 'VM-17',
    arbitrary: fc.constant<VendorMessage>({ kind: 'push-proxy-request', version }),
  })),
  {
    label: 'LIME/22v1 Push Proxy Acknowledgement',
    clause: 'VM-19',
    arbitrary: u16.map((port) => ({ kind: 'push-proxy-ack', version: 1, port })),
  },
  {
    label: 'LIME/22v2 Push Proxy Acknowledgement',
    clause: 'VM-17 VM-19',
    arbitrary: fc
      .record({ address: ipv4, port: u16 })
      .map((m) => ({ kind: 'push-proxy-ack', version: 2, ...m })),
  },
  {
    label: 'unknown (vendor, selector, version)',
    clause: 'VM-3',
    arbitrary: fc
      .record({
        vendor: fc.oneof(
          code,
          fc.constantFrom(NULL_VENDOR, 'BEAR', 'GTKG', 'LIME', 'bear', 'RAZA'),
        ),
        // Known pairs at other versions too: they must stay unknown (VM-3).
        selector: fc.oneof(u16, fc.constantFrom(0, 4, 7, 10, 11, 12, 13, 21, 22)),
        version: fc.oneof(u16, fc.integer({ min: 0, max: 4 })),
        body: fc.uint8Array({ maxLength: 60 }),
      })
      .filter((m) => !typed.has(`${m.vendor}/${m.selector}/${m.version}`))
      .map((m) => ({ kind: 'unknown', ...m })),
  },
];

/** Any valid message. */
export const anyVendorMessage = fc.oneof(...generated.map((g) => g.arbitrary));
