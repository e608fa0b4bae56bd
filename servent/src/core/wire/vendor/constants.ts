/**
 * Sizes and values of the vendor-message layer. Each number cites the part of
 * shared/spec/vendor-messages.md it comes from.
 */

/** Vendor id (4), selector (u16le) and version (u16le) open every 0x31/0x32 payload (§1, VM-1, VM-3). */
export const VENDOR_HEADER_LENGTH = 8;

/** Vendor id of the framework messages (Messages Supported, Features Supported): four zero bytes (§1). */
export const NULL_VENDOR = '\0\0\0\0';

/** One Messages Supported entry: vendor id, selector, version (§4 null/0v0). */
export const SUPPORTED_ENTRY_LENGTH = 8;

/** One Features Supported entry: 4-byte name, u16le version (§2). */
export const FEATURE_ENTRY_LENGTH = 6;

/** One entry of LimeWire's second Capabilities vector: 4-byte name, u32le version (§2). */
export const WIDE_FEATURE_ENTRY_LENGTH = 8;

/** The u16le count that opens Messages Supported and each Features Supported vector (§2, §4). */
export const COUNT_LENGTH = 2;

/** BEAR/12 kept count meaning "stop this query" (§4, VM-12, VM-13). */
export const QUERY_STATUS_STOP = 0xffff;

/** LIME/12 v2+ flags bit: the responder can receive unsolicited UDP (§4, VM-14). */
export const OOB_FLAG_UNSOLICITED_UDP = 0x01;

/**
 * What a servent writes on the TCP connection it opens for BEAR/7 before
 * closing (§4, VM-9, VM-10): gtk-gnutella's two newlines, LimeWire's text.
 */
export const CONNECT_BACK_MARKERS = {
  gtkGnutella: new Uint8Array([0x0a, 0x0a]),
  limeWire: new TextEncoder().encode('CONNECT BACK\r\n\r\n'),
} as const;
