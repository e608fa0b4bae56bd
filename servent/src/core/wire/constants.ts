/**
 * Sizes and limits of the message layer. Each number cites the part of
 * shared/spec/messages.md it comes from.
 */

/** Every message starts with a header of exactly this many bytes (§2, MSG-1). */
export const HEADER_LENGTH = 23;

/** Message GUIDs and servent ids are 16 bytes (§5). */
export const GUID_LENGTH = 16;

/**
 * Largest payload length accepted from a peer; a longer one means the stream
 * cannot be followed and the connection must close (MSG-4: "exceeds 65 536").
 */
export const MAX_RECEIVED_PAYLOAD = 65_536;

/** Largest payload we ever send (MSG-3: "never ... longer than 65 535 bytes"). */
export const MAX_SENT_PAYLOAD = 65_535;

/** Port, IPv4, file count and KB count: the fixed part of a Pong (§8, MSG-23). */
export const PONG_FIXED_LENGTH = 14;

/** A Bye carries at least its u16le code (§12, MSG-34). */
export const BYE_MIN_LENGTH = 2;

/** First byte of every GGEP block; Ping payloads and Pong extensions start with it (§7, §8, MSG-23). */
export const GGEP_MAGIC = 0xc3;

/** GGEP flags byte (ggep-huge.md §2): last extension, COBS, deflate, reserved, id length. */
export const GGEP_FLAG_LAST = 0x80;
export const GGEP_FLAG_COBS = 0x40;
export const GGEP_FLAG_DEFLATE = 0x20;
export const GGEP_FLAG_RESERVED = 0x10;
export const GGEP_ID_LENGTH_MASK = 0x0f;

/** GGEP ids have 1–15 bytes: the id length is the low nibble of the flags (§2, GGEP-1). */
export const GGEP_MAX_ID_LENGTH = 15;

/** Three 6-bit length chunks: 0..262 143 bytes of data per extension (§3, GGEP-2, GGEP-3). */
export const GGEP_MAX_DATA_LENGTH = 262_143;

/**
 * Most bytes that inflating the deflated GGEP values of one message (or one
 * standalone block) may produce, all values together. No value read from a
 * ≤ 64 KiB message is legitimately larger, and a deflate bomb (1 000:1) fails
 * with `ggep-inflate-limit` instead of allocating megabytes (§4, GGEP-7, GGEP-12).
 */
export const GGEP_MAX_INFLATED = 65_536;

/** HUGE/GEM field separator (ASCII FS) between extension blocks (ggep-huge.md §5, GGEP-10). */
export const GEM_SEPARATOR = 0x1c;

/** Query: 2-byte flags field, then at least the criteria's NUL (messages.md §9). */
export const QUERY_MIN_LENGTH = 3;

/** QueryHit: count, port, IPv4 and speed before the records (messages.md §10). */
export const QUERY_HIT_FIXED_LENGTH = 11;

/** QueryHit result record: index and size before the name (§10). */
export const QUERY_HIT_RECORD_FIXED_LENGTH = 8;

/** EQHD: 4-byte vendor code, then the open-data size byte (§10, MSG-31). */
export const EQHD_VENDOR_LENGTH = 4;

/** Push: servent id, file index, IPv4, port; a GGEP block may follow (messages.md §11, MSG-32). */
export const PUSH_LENGTH = 26;
