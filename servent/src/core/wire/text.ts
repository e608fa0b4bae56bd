/** Text helpers shared by the codecs (internal; not re-exported). */

import { UsageError } from '../errors.js';

const utf8 = new TextEncoder();
// Liberal: bytes that are not UTF-8 become U+FFFD rather than failing the message.
const utf8Lenient = new TextDecoder('utf-8', { ignoreBOM: true });

// Up to this length ASCII converted by hand beats the decoder and encoder, whose calls cost more.
const SHORT_TEXT = 24;

/**
 * UTF-8 text of `bytes[start, end)`. Short pure ASCII, by far the common case
 * for criteria and file names, skips the decoder.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_TEXT) {
    let text = '';
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return utf8Lenient.decode(bytes.slice(start, end));
      text += String.fromCharCode(byte);
    }
    return text;
  }
  // slice, not subarray: see fields.ts.
  return utf8Lenient.decode(bytes.slice(start, end));
}

/** UTF-8 bytes of `text`; short ASCII, again the common case, is copied by hand. */
export function encodeUtf8(text: string): Uint8Array {
  if (text.length <= SHORT_TEXT) {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) return utf8.encode(text);
      bytes[i] = code;
    }
    return bytes;
  }
  return utf8.encode(text);
}

/** One character per byte (code 0–255): exact for any bytes, used for ids and codes. */
export function decodeLatin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** Inverse of `decodeLatin1`; a character above U+00FF is our bug, not the peer's. */
export function encodeLatin1(what: string, text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) {
      throw new UsageError(`${what} must be single-byte characters, got U+${code.toString(16)}`);
    }
    bytes[i] = code;
  }
  return bytes;
}
