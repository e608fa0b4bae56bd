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
