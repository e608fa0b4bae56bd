/** Bye (0x02) payload: u16le code, then NUL-terminated text (messages.md §12, MSG-34). */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { checkUint, viewOf } from './bytes.js';
import { BYE_MIN_LENGTH } from './constants.js';

/** Codes of §12 (gtk-gnutella `doc/public/bye_codes`, draft 2.2.9). */
export const ByeCode = {
  Shutdown: 200,
  UserRemoved: 201,
  LocalNodePreferred: 202,
  ChangingPeerMode: 203,
  MessageTooLarge: 400,
  TooManyDuplicates: 401,
  ImproperQueries: 402,
  RelayedHighTtl: 403,
  TooManyUnknownMessages: 404,
  ActivityTimeout: 405,
  NoReplyToAlivePings: 406,
  NotSharingEnough: 407,
  SentTtlZero: 408,
  TooManyErrors: 409,
  ExcessiveMessages: 410,
  InvalidPayload: 411,
  SecurityViolation: 412,
  InvalidQrpSequence: 413,
  LeafNodeRelaying: 414,
  InternalError: 500,
  ProtocolDesynchronized: 501,
  SendQueueFull: 502,
  SwitchedModeDuringHandshake: 504,
  ProtocolNotSupported: 505,
} as const;

export interface Bye {
  code: number;
  /**
   * The description without its NUL. Short form: one line. Long form: first
   * line, CRLF, HTTP-style headers, ending in CRLF CRLF (§12).
   */
  reason: string;
}

const utf8 = new TextEncoder();
// Liberal: bad bytes become U+FFFD rather than failing the message.
const utf8Lenient = new TextDecoder('utf-8', { ignoreBOM: true });

export function encodeBye(bye: Bye): Uint8Array {
  checkUint('bye code', bye.code, 16);
  if (bye.reason.includes('\0')) throw new UsageError('a Bye reason cannot contain NUL');
  const text = utf8.encode(bye.reason);
  const bytes = new Uint8Array(BYE_MIN_LENGTH + text.length + 1);
  viewOf(bytes).setUint16(0, bye.code, true);
  bytes.set(text, BYE_MIN_LENGTH);
  return bytes;
}

/** Accepts a missing NUL and ignores anything after the first one. */
export function decodeBye(payload: Uint8Array): Result<Bye> {
  if (payload.length < BYE_MIN_LENGTH) {
    return fail(
      new ProtocolError(
        'bye-too-short',
        `a Bye payload starts with a 2-byte code, got ${payload.length} bytes`,
        'MSG-34',
      ),
    );
  }
  const text = payload.subarray(BYE_MIN_LENGTH);
  const nul = text.indexOf(0);
  return ok({
    code: viewOf(payload).getUint16(0, true),
    reason: utf8Lenient.decode(nul === -1 ? text : text.subarray(0, nul)),
  });
}
