/**
 * The framework's capability lists (vendor-messages.md §2, §4): Messages
 * Supported (null/0v0) and Features Supported (null/10), plus building our
 * own list and looking up a peer's.
 */

import { fail, ok, ProtocolError, type Result } from '../../errors.js';
import { checkUint, viewOf } from '../bytes.js';
import {
  type BodyCodec,
  bodyLengthError,
  checkCode,
  formatVendorId,
  readCode,
  row,
  writeCode,
} from './body-codec.js';
import {
  COUNT_LENGTH,
  FEATURE_ENTRY_LENGTH,
  NULL_VENDOR,
  SUPPORTED_ENTRY_LENGTH,
  WIDE_FEATURE_ENTRY_LENGTH,
} from './constants.js';
import type {
  FeatureEntry,
  FeaturesSupported,
  MessagesSupported,
  VendorMessageId,
} from './types.js';

const supportedMeta = {
  kind: 'messages-supported',
  vendor: NULL_VENDOR,
  selector: 0,
  version: 0,
  name: 'Messages Supported',
  clause: 'VM-7',
} as const;

function countError(
  meta: Pick<BodyCodec, 'vendor' | 'selector' | 'version' | 'name' | 'clause'>,
  count: number,
  expected: string,
  got: number,
): Result<never> {
  return fail(
    new ProtocolError(
      'vendor-entry-count',
      `${formatVendorId(meta)} ${meta.name} counts ${count} entries, which need ${expected}, but the body has ${got} bytes`,
      meta.clause,
    ),
  );
}

/**
 * The count is checked against the bytes present before any entry is
 * allocated, so an n-byte body yields at most ⌊(n − 2) / 8⌋ entries whatever
 * count it claims (≤ 8 190 in a 65 536-byte payload).
 */
export const messagesSupportedCodec = row<MessagesSupported>({
  ...supportedMeta,
  decode: (body) => {
    if (body.length < COUNT_LENGTH) {
      return bodyLengthError(supportedMeta, 'a 2-byte count', body.length);
    }
    const view = viewOf(body);
    const count = view.getUint16(0, true);
    const expected = COUNT_LENGTH + count * SUPPORTED_ENTRY_LENGTH;
    if (body.length !== expected) {
      return countError(supportedMeta, count, `exactly ${expected} bytes`, body.length);
    }
    const entries: VendorMessageId[] = new Array(count);
    for (let i = 0, at = COUNT_LENGTH; i < count; i++, at += SUPPORTED_ENTRY_LENGTH) {
      entries[i] = {
        vendor: readCode(body, at),
        selector: view.getUint16(at + 4, true),
        version: view.getUint16(at + 6, true),
      };
    }
    return ok({ kind: 'messages-supported', version: 0, entries });
  },
  size: (m) => COUNT_LENGTH + m.entries.length * SUPPORTED_ENTRY_LENGTH,
  write: (m, payload, view, at) => {
    checkUint('messages-supported entry count', m.entries.length, 16);
    view.setUint16(at, m.entries.length, true);
    at += COUNT_LENGTH;
    for (const entry of m.entries) {
      writeCode(payload, at, entry.vendor, 'messages-supported vendor');
      checkUint('messages-supported selector', entry.selector, 16);
      checkUint('messages-supported version', entry.version, 16);
      view.setUint16(at + 4, entry.selector, true);
      view.setUint16(at + 6, entry.version, true);
      at += SUPPORTED_ENTRY_LENGTH;
    }
  },
});

/**
 * Reads `count` entries of `size` bytes at `offset`, the count already checked
 * against the body; versions are u16 or, in LimeWire's second vector, u32.
 */
function readFeatures(
  body: Uint8Array,
  view: DataView,
  offset: number,
  count: number,
  size: number,
): FeatureEntry[] {
  const features: FeatureEntry[] = new Array(count);
  for (let i = 0, at = offset; i < count; i++, at += size) {
    features[i] = {
      name: readCode(body, at),
      version:
        size === FEATURE_ENTRY_LENGTH ? view.getUint16(at + 4, true) : view.getUint32(at + 4, true),
    };
  }
  return features;
}

/** Writes a count and its entries at `at`; returns where the next byte goes. */
function writeFeatures(
  payload: Uint8Array,
  view: DataView,
  at: number,
  features: readonly FeatureEntry[],
  size: number,
): number {
  checkUint('features-supported count', features.length, 16);
  view.setUint16(at, features.length, true);
  at += COUNT_LENGTH;
  for (const feature of features) {
    writeCode(payload, at, feature.name, 'features-supported name');
    if (size === FEATURE_ENTRY_LENGTH) {
      checkUint('features-supported version', feature.version, 16);
      view.setUint16(at + 4, feature.version, true);
    } else {
      checkUint('features-supported wide version', feature.version, 32);
      view.setUint32(at + 4, feature.version, true);
    }
    at += size;
  }
  return at;
}

/**
 * null/10 in both versions: gtk-gnutella sends v0 with one vector, LimeWire v1
 * and, when a version needs more than 16 bits, a second vector of u32 versions.
 */
const featuresSupported = (version: FeaturesSupported['version']) => {
  const meta = {
    kind: 'features-supported',
    vendor: NULL_VENDOR,
    selector: 10,
    version,
    name: 'Features Supported',
    clause: undefined,
  } as const;
  return row<FeaturesSupported>({
    ...meta,
    decode: (body) => {
      if (body.length < COUNT_LENGTH) return bodyLengthError(meta, 'a 2-byte count', body.length);
      const view = viewOf(body);
      const count = view.getUint16(0, true);
      const end = COUNT_LENGTH + count * FEATURE_ENTRY_LENGTH;
      if (body.length < end) return countError(meta, count, `at least ${end} bytes`, body.length);
      const features = readFeatures(body, view, COUNT_LENGTH, count, FEATURE_ENTRY_LENGTH);
      if (body.length === end) {
        return ok({ kind: 'features-supported', version, features, wideFeatures: null });
      }
      if (body.length < end + COUNT_LENGTH) {
        return bodyLengthError(
          meta,
          `${end} bytes or a second 2-byte count after them`,
          body.length,
        );
      }
      const wideCount = view.getUint16(end, true);
      const wideEnd = end + COUNT_LENGTH + wideCount * WIDE_FEATURE_ENTRY_LENGTH;
      if (body.length !== wideEnd) {
        return countError(
          meta,
          wideCount,
          `exactly ${wideEnd} bytes with the second vector`,
          body.length,
        );
      }
      const wideFeatures = readFeatures(
        body,
        view,
        end + COUNT_LENGTH,
        wideCount,
        WIDE_FEATURE_ENTRY_LENGTH,
      );
      return ok({ kind: 'features-supported', version, features, wideFeatures });
    },
    size: (m) =>
      COUNT_LENGTH +
      m.features.length * FEATURE_ENTRY_LENGTH +
      (m.wideFeatures ? COUNT_LENGTH + m.wideFeatures.length * WIDE_FEATURE_ENTRY_LENGTH : 0),
    write: (m, payload, view, at) => {
      const end = writeFeatures(payload, view, at, m.features, FEATURE_ENTRY_LENGTH);
      if (m.wideFeatures) {
        writeFeatures(payload, view, end, m.wideFeatures, WIDE_FEATURE_ENTRY_LENGTH);
      }
    },
  });
};

export const FEATURES_SUPPORTED_CODECS: readonly BodyCodec[] = [
  featuresSupported(0),
  featuresSupported(1),
];

const compareIds = (a: VendorMessageId, b: VendorMessageId): number =>
  (a.vendor < b.vendor ? -1 : a.vendor > b.vendor ? 1 : 0) ||
  a.selector - b.selector ||
  a.version - b.version;

/**
 * Our Messages Supported from the table of (vendor, selector, version) we
 * handle: one entry per version, as gtk-gnutella lists them, sorted and
 * without duplicates so the bytes are stable. Framework (null-vendor)
 * messages are always understood and left out, as both reference clients do.
 * Throws UsageError on an id that cannot be encoded; more than 65 535 entries
 * fail when the message is encoded.
 */
export function buildMessagesSupported(implemented: Iterable<VendorMessageId>): MessagesSupported {
  const unique = new Map<string, VendorMessageId>();
  for (const { vendor, selector, version } of implemented) {
    checkCode(vendor, 'implemented vendor');
    checkUint('implemented selector', selector, 16);
    checkUint('implemented version', version, 16);
    if (vendor === NULL_VENDOR) continue;
    unique.set(`${vendor}/${selector}/${version}`, { vendor, selector, version });
  }
  return { kind: 'messages-supported', version: 0, entries: [...unique.values()].sort(compareIds) };
}

/** What a peer's Messages Supported says it understands. */
export interface VendorSupport {
  /**
   * The highest version listed for (vendor, selector), or undefined when the
   * pair is absent. Vendor ids compare case-sensitively (VM-5).
   */
  supports(vendor: string, selector: number): number | undefined;
}

/** A lookup over a peer's list; repeated pairs (gtk-gnutella lists every version) keep the highest (§2, VM-7). */
export function vendorSupport(message: MessagesSupported): VendorSupport {
  const highest = new Map<string, number>();
  for (const { vendor, selector, version } of message.entries) {
    const key = `${vendor}/${selector}`;
    if ((highest.get(key) ?? -1) < version) highest.set(key, version);
  }
  return { supports: (vendor, selector) => highest.get(`${vendor}/${selector}`) };
}
