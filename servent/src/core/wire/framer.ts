/**
 * Splits a byte stream into messages (messages.md §2–3, MSG-2, MSG-4).
 *
 * Reads arrive cut anywhere: inside a header, mid-payload, or with several
 * messages at once. The framer waits for 23 header bytes, then for the payload
 * length the header gave. A length over the limit makes the stream impossible
 * to follow, so it is a terminal error and that payload is never buffered.
 */

import { fail, ok, ProtocolError, type Result } from '../errors.js';
import { checkUint } from './bytes.js';
import { HEADER_LENGTH, MAX_RECEIVED_PAYLOAD } from './constants.js';
import { type MessageHeader, readHeader } from './header.js';
import type { Frame } from './message.js';

export interface FramerOptions {
  /** Largest payload accepted; default 65 536 (MSG-4). */
  maxPayload?: number;
}

export type FrameResult = Result<Frame>;

export class MessageFramer {
  readonly maxPayload: number;
  readonly #header = new Uint8Array(HEADER_LENGTH);
  #headerFill = 0;
  /** The message being filled: header bytes first, then the payload. */
  #body: { header: MessageHeader; raw: Uint8Array; fill: number } | undefined;
  #error: ProtocolError | undefined;

  constructor(options: FramerOptions = {}) {
    const maxPayload = options.maxPayload ?? MAX_RECEIVED_PAYLOAD;
    checkUint('maxPayload', maxPayload, 32);
    this.maxPayload = maxPayload;
  }

  /** The terminal error, once the stream has failed. */
  get error(): ProtocolError | undefined {
    return this.#error;
  }

  /** Bytes held for an incomplete message: at most one header plus `maxPayload`. */
  get bufferedBytes(): number {
    return this.#body ? this.#body.fill : this.#headerFill;
  }

  /**
   * Feeds the next bytes of the stream and returns every message they complete,
   * in order. On a fatal error the last entry is that error; from then on every
   * call returns just that error again, whatever it is given.
   */
  write(chunk: Uint8Array): FrameResult[] {
    if (this.#error) return [fail(this.#error)];
    const results: FrameResult[] = [];
    let offset = 0;
    for (;;) {
      if (this.#body === undefined) {
        const take = Math.min(HEADER_LENGTH - this.#headerFill, chunk.length - offset);
        this.#header.set(chunk.subarray(offset, offset + take), this.#headerFill);
        this.#headerFill += take;
        offset += take;
        if (this.#headerFill < HEADER_LENGTH) break;
        this.#headerFill = 0;
        const header = readHeader(this.#header);
        if (header.length > this.maxPayload) {
          this.#error = new ProtocolError(
            'payload-too-large',
            `payload length ${header.length} (type 0x${header.type.toString(16).padStart(2, '0')}) exceeds the limit of ${this.maxPayload} bytes; the stream cannot be followed`,
            'MSG-4',
          );
          results.push(fail(this.#error));
          return results;
        }
        // One buffer per message, header included, so a relay can forward it as received.
        const raw = new Uint8Array(HEADER_LENGTH + header.length);
        raw.set(this.#header);
        this.#body = { header, raw, fill: HEADER_LENGTH };
      }
      const body = this.#body;
      const take = Math.min(body.raw.length - body.fill, chunk.length - offset);
      body.raw.set(chunk.subarray(offset, offset + take), body.fill);
      body.fill += take;
      offset += take;
      if (body.fill < body.raw.length) break;
      this.#body = undefined;
      results.push(
        ok({ header: body.header, payload: body.raw.subarray(HEADER_LENGTH), raw: body.raw }),
      );
    }
    return results;
  }
}
