/**
 * Handshake text is bytes, one character per byte (ASCII in practice, latin1 at
 * worst). TextDecoder's 'latin1' is really windows-1252, so map bytes by hand.
 */

import { UsageError } from '../errors.js';

export function decodeLatin1(bytes: Uint8Array, length = bytes.length): string {
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** Throws `UsageError` on a character that has no single-byte form: we only write latin1. */
export function encodeLatin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) {
      throw new UsageError(`cannot write ${JSON.stringify(text[i])} in a handshake: not latin1`);
    }
    bytes[i] = code;
  }
  return bytes;
}

/** A control character other than HT: never written inside a handshake line (HS-10). */
export function hasControlChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}
