/** A whole message: header plus payload (messages.md §2). */

import { UsageError } from '../errors.js';
import { MAX_SENT_PAYLOAD } from './constants.js';
import { encodeHeader, type MessageHeader } from './header.js';

/** One message as the framer delivers it; `header.length === payload.length`. */
export interface Frame {
  header: MessageHeader;
  payload: Uint8Array;
  /** The whole message as received, header then payload (`payload` is a view of its tail); relays forward these bytes. */
  raw: Uint8Array;
}

/** The header fields a sender chooses; the length follows from the payload. */
export type MessageFields = Omit<MessageHeader, 'length'>;

/**
 * Header and payload as one buffer, ready to send. Refuses payloads over
 * 65 535 bytes (MSG-3); to craft an oversized message on purpose (a robustness
 * test), concatenate `encodeHeader` with the payload instead.
 */
export function encodeMessage(fields: MessageFields, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_SENT_PAYLOAD) {
    throw new UsageError(
      `payload of ${payload.length} bytes exceeds the ${MAX_SENT_PAYLOAD}-byte limit (MSG-3); split it or send less`,
    );
  }
  const header = encodeHeader({ ...fields, length: payload.length });
  const bytes = new Uint8Array(header.length + payload.length);
  bytes.set(header, 0);
  bytes.set(payload, header.length);
  return bytes;
}
