/**
 * RFC 1950 header check: compression method 8, window (CINFO) at most 7, and the
 * 16-bit header a multiple of 31. Accepts 78 9c, 78 da and gtk-gnutella's 68 81.
 */
export function isZlibHeader(cmf: number, flg: number): boolean {
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * The RFC 1950 header zlib writes for a stream of this window (2^windowBits
 * bytes, 9 … 15) and level: CINFO = windowBits − 8, FLEVEL from the level
 * (0 for levels 0–1, 1 for 2–5, 2 for 6 or the default, 3 for 7–9), check bits
 * making the pair a multiple of 31. 78 9c for 15 bits at level 6.
 */
export function zlibHeader(windowBits: number, level: number): Uint8Array {
  const cmf = ((windowBits - 8) << 4) | 8;
  const flevel = level === -1 || level === 6 ? 2 : level < 2 ? 0 : level < 6 ? 1 : 3;
  const flg = flevel << 6;
  return Uint8Array.of(cmf, flg + ((31 - ((cmf * 256 + flg) % 31)) % 31));
}
