/**
 * Numbers of the 0.6 handshake, each with the clause or source it comes from
 * (shared/spec/handshake.md).
 */

/** Longest line we read, CR LF excluded: gtk-gnutella `getline.h`, LimeWire `MAX_HANDSHAKE_LINE_SIZE` (§4, §9). */
export const MAX_LINE_BYTES_READ = 1024;
/** Most header lines we read in one block (continuations count): gtk-gnutella `header.h` (§9). */
export const MAX_HEADER_LINES_READ = 128;
/** Most bytes we read in one block, terminators included: gtk-gnutella `header.h`, 16 KiB (§9). */
export const MAX_BLOCK_BYTES_READ = 16 * 1024;

/** Every line we write stays strictly under this many bytes, CR LF excluded (HS-10). */
export const MAX_LINE_BYTES_WRITTEN = 1024;
/** Most header lines we write in one block: LimeWire drops more than 30 (HS-10, §4). */
export const MAX_HEADER_LINES_WRITTEN = 30;

/** Most entries in an `X-Try-Ultrapeers` we write, as LimeWire sends (HS-17, §5). */
export const MAX_TRY_ULTRAPEERS = 10;
/** Port assumed for an `X-Try*` entry without one (§1, §5). */
export const DEFAULT_GNUTELLA_PORT = 6346;

/** Responder: block (1) must be complete this long after the connection began (§9 safe target; HS-29 allows 60 s). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Responder: block (3) must arrive this long after we wrote block (2) (§9 safe target; HS-29). */
export const CONFIRM_TIMEOUT_MS = 30_000;
/** Initiator: block (2) must arrive this long after the connection began; LimeWire gives up after 8 s (HS-30). */
export const RESPONSE_TIMEOUT_MS = 8_000;

/** The only protocol version we write in status lines (HS-14). */
export const OUR_VERSION = { major: 0, minor: 6 } as const;
