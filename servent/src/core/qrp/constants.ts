/**
 * Numbers of the Query Routing Protocol. Each cites the part of
 * shared/spec/qrp.md (section or clause) it comes from.
 */

/** RESET payload: variant, u32le table length, infinity — exactly 6 bytes (§5, QRP-3). */
export const RESET_PAYLOAD_LENGTH = 6;

/** PATCH payload before its data: variant, seq no, seq size, compressor, entry bits (§5). */
export const PATCH_HEADER_LENGTH = 5;

/** Smallest table we send, in bits: 8 slots (QRP-3). */
export const MIN_SENT_TABLE_BITS = 3;

/**
 * Largest table we accept from a peer, in bits: 2^21 slots, the top of the
 * range QRP-10 requires and gtk-gnutella's largest leaf table (§4.1). A table
 * costs one byte per slot, so 2 MiB; a larger RESET is refused.
 */
export const MAX_TABLE_BITS = 21;
export const MAX_TABLE_SLOTS = 2 ** MAX_TABLE_BITS;

/** Our table size: 64 Ki slots, the Rohrs/Fisk and UP-QRP recommendation (§4.1). */
export const DEFAULT_TABLE_BITS = 16;

/**
 * The infinity we announce: LimeWire's 7 (§4.2, the original "max TTL + 1"),
 * so a new keyword is −6 and every patch fits 4-bit entries (§6.2).
 */
export const DEFAULT_INFINITY = 7;

/** Most PATCH messages in one sequence: seq size is one byte (§5, QRP-5). */
export const MAX_PATCH_MESSAGES = 255;

/** Patch data bytes per message we send unless told otherwise: the spec's ~1 KB (§6.4, QRP-8 SHOULD). */
export const DEFAULT_PATCH_CHUNK_BYTES = 1024;

/** Patch data bytes per message we never exceed: LimeWire's 4096 (§6.4, QRP-8 MUST). */
export const MAX_PATCH_CHUNK_BYTES = 4096;

/**
 * Most compressed bytes we buffer for a patch that inflates to `n` bytes (QRP-6,
 * QRP-13). Deflate never needs more than 9 bits per byte (fixed-Huffman
 * literals) plus block and zlib framing, so n + n/8 + 64 admits every sane
 * encoder; more means a padded or hostile stream, refused before inflating.
 */
export const maxCompressedPatchBytes = (n: number): number => n + (n >>> 3) + 64;
