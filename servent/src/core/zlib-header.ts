/**
 * RFC 1950 header check: compression method 8, window (CINFO) at most 7, and the
 * 16-bit header a multiple of 31. Accepts 78 9c, 78 da and gtk-gnutella's 68 81.
 */
export function isZlibHeader(cmf: number, flg: number): boolean {
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}
