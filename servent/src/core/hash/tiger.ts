/**
 * Tiger (Anderson & Biham, 1996): 192-bit digest, 512-bit blocks, three passes.
 *
 * The Gnutella tree hash uses the original Tiger padding — a 0x01 byte, then
 * zeros, then the message length in bits as a 64-bit little-endian word — not
 * Tiger2's 0x80 (http-transfers.md §10.2, HTTP-34). The digest is the three
 * state words, each little-endian.
 *
 * JavaScript has no fast 64-bit integers (BigInt is two orders of magnitude too
 * slow), so every 64-bit word is a pair of int32 halves: `lo` at an even index
 * of an Int32Array, `hi` right after it.
 */

/** Bytes in a Tiger digest. */
export const TIGER_LENGTH = 24;

const BLOCK = 64;

// S-boxes t1..t4 as one table of 1024 64-bit entries (t1 = 0..255, t2 = 256..511,
// ...), entry e at T[2e] (lo), T[2e + 1] (hi): both halves in one cache line.
// Filled by `generateSboxes` below.
const T = new Int32Array(2048);

// The initial state a, b, c = 0123456789ABCDEF, FEDCBA9876543210, F096A5B4C3B2E187.
const INITIAL = Int32Array.of(
  0x89abcdef,
  0x01234567,
  0x76543210,
  0xfedcba98 | 0,
  0xc3b2e187 | 0,
  0xf096a5b4 | 0,
);

// Message words of the block being compressed; the key schedule rewrites them.
const x = new Int32Array(16);

// Scratch for `digest()`, which leaves the hasher's own state alone: the state
// being finished, and the padded last one or two blocks.
const finalState = new Int32Array(6);
const tail = new Uint8Array(2 * BLOCK);

/** Writes the 64-bit word hi:lo little-endian at `bytes[offset]`. */
function putWord(bytes: Uint8Array, offset: number, lo: number, hi: number): void {
  for (let i = 0; i < 4; i++) {
    bytes[offset + i] = lo >>> (8 * i);
    bytes[offset + 4 + i] = hi >>> (8 * i);
  }
}

/** Compresses the 64 bytes of `data` at `offset` into `state` (a, b, c as lo/hi pairs). */
function compress(state: Int32Array, data: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const p = offset + 4 * i;
    x[i] = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24);
  }
  const alo = state[0]!;
  const ahi = state[1]!;
  const blo = state[2]!;
  const bhi = state[3]!;
  const clo = state[4]!;
  const chi = state[5]!;
  pass(state, 0, 2, 4, 5);
  keySchedule();
  pass(state, 4, 0, 2, 7);
  keySchedule();
  pass(state, 2, 4, 0, 9);
  // Feed-forward: a ^= aa, b -= bb, c += cc.
  state[0] = state[0]! ^ alo;
  state[1] = state[1]! ^ ahi;
  subtract(state, 2, blo, bhi);
  add(state, 4, clo, chi);
}

/** Eight rounds; the roles of the three words rotate by one each round. */
function pass(s: Int32Array, a: number, b: number, c: number, mul: number): void {
  round(s, a, b, c, 0, mul);
  round(s, b, c, a, 2, mul);
  round(s, c, a, b, 4, mul);
  round(s, a, b, c, 6, mul);
  round(s, b, c, a, 8, mul);
  round(s, c, a, b, 10, mul);
  round(s, a, b, c, 12, mul);
  round(s, b, c, a, 14, mul);
}

/**
 * c ^= x; a -= t1[c0] ^ t2[c2] ^ t3[c4] ^ t4[c6]; b += t4[c1] ^ t3[c3] ^ t2[c5] ^ t1[c7];
 * b *= mul — where cN is byte N of c, least significant first.
 */
function round(s: Int32Array, a: number, b: number, c: number, xi: number, mul: number): void {
  const cl = s[c]! ^ x[xi]!;
  const ch = s[c + 1]! ^ x[xi + 1]!;
  s[c] = cl;
  s[c + 1] = ch;

  const e0 = (cl & 255) << 1;
  const e2 = (256 + ((cl >>> 16) & 255)) << 1;
  const e4 = (512 + (ch & 255)) << 1;
  const e6 = (768 + ((ch >>> 16) & 255)) << 1;
  subtract(
    s,
    a,
    T[e0]! ^ T[e2]! ^ T[e4]! ^ T[e6]!,
    T[e0 + 1]! ^ T[e2 + 1]! ^ T[e4 + 1]! ^ T[e6 + 1]!,
  );

  const o1 = (768 + ((cl >>> 8) & 255)) << 1;
  const o3 = (512 + (cl >>> 24)) << 1;
  const o5 = (256 + ((ch >>> 8) & 255)) << 1;
  const o7 = (ch >>> 24) << 1;
  const bl = s[b]!;
  const ol = T[o1]! ^ T[o3]! ^ T[o5]! ^ T[o7]!;
  const sl = (bl + ol) | 0;
  const sh =
    (s[b + 1]! +
      (T[o1 + 1]! ^ T[o3 + 1]! ^ T[o5 + 1]! ^ T[o7 + 1]!) +
      (sl >>> 0 < bl >>> 0 ? 1 : 0)) |
    0;
  // The carry out of the low half of sl × mul, computed in 16-bit halves so
  // that no intermediate leaves the int32 range.
  const carry = ((sl >>> 16) * mul + (((sl & 0xffff) * mul) >>> 16)) >>> 16;
  s[b] = Math.imul(sl, mul);
  s[b + 1] = (Math.imul(sh, mul) + carry) | 0;
}

/** The key schedule between passes, on the message words in `x`. */
function keySchedule(): void {
  subtract(x, 0, x[14]! ^ 0xa5a5a5a5, x[15]! ^ 0xa5a5a5a5); // x0 -= x7 ^ A5A5A5A5A5A5A5A5
  x[2] = x[2]! ^ x[0]!; // x1 ^= x0
  x[3] = x[3]! ^ x[1]!;
  add(x, 4, x[2]!, x[3]!); // x2 += x1
  subtract(x, 6, x[4]! ^ (~x[2]! << 19), x[5]! ^ ((~x[3]! << 19) | (~x[2]! >>> 13))); // x3 -= x2 ^ (~x1 << 19)
  x[8] = x[8]! ^ x[6]!; // x4 ^= x3
  x[9] = x[9]! ^ x[7]!;
  add(x, 10, x[8]!, x[9]!); // x5 += x4
  subtract(x, 12, x[10]! ^ ((~x[8]! >>> 23) | (~x[9]! << 9)), x[11]! ^ (~x[9]! >>> 23)); // x6 -= x5 ^ (~x4 >> 23)
  x[14] = x[14]! ^ x[12]!; // x7 ^= x6
  x[15] = x[15]! ^ x[13]!;
  add(x, 0, x[14]!, x[15]!); // x0 += x7
  subtract(x, 2, x[0]! ^ (~x[14]! << 19), x[1]! ^ ((~x[15]! << 19) | (~x[14]! >>> 13))); // x1 -= x0 ^ (~x7 << 19)
  x[4] = x[4]! ^ x[2]!; // x2 ^= x1
  x[5] = x[5]! ^ x[3]!;
  add(x, 6, x[4]!, x[5]!); // x3 += x2
  subtract(x, 8, x[6]! ^ ((~x[4]! >>> 23) | (~x[5]! << 9)), x[7]! ^ (~x[5]! >>> 23)); // x4 -= x3 ^ (~x2 >> 23)
  x[10] = x[10]! ^ x[8]!; // x5 ^= x4
  x[11] = x[11]! ^ x[9]!;
  add(x, 12, x[10]!, x[11]!); // x6 += x5
  subtract(x, 14, x[12]! ^ 0x89abcdef, x[13]! ^ 0x01234567); // x7 -= x6 ^ 0123456789ABCDEF
}

/** words[i] -= (hi:lo), modulo 2^64. */
function subtract(words: Int32Array, i: number, lo: number, hi: number): void {
  const l = words[i]!;
  words[i] = (l - lo) | 0;
  words[i + 1] = (words[i + 1]! - hi - (l >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
}

/** words[i] += (hi:lo), modulo 2^64. */
function add(words: Int32Array, i: number, lo: number, hi: number): void {
  const sum = (words[i]! + lo) | 0;
  words[i + 1] = (words[i + 1]! + hi + (sum >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
  words[i] = sum;
}

/**
 * The S-boxes are not typed in: they come from the generation procedure the
 * Tiger paper publishes, and the published digests in the tests confirm them.
 * Every entry starts as eight copies of its index byte. Then, in five passes,
 * for each index i and each box in turn, one state word w is picked (a, b, c
 * in rotation; the state is re-compressed from the paper's 64-byte title,
 * with the boxes as they are at that moment, before each use of a) and, for
 * every byte position col, byte col of entry i is swapped with byte col of the
 * entry that byte col of w indexes in the same box.
 */
function generateSboxes(): void {
  for (let i = 0; i < 1024; i++) {
    const replicated = Math.imul(i & 255, 0x01010101);
    T[2 * i] = replicated;
    T[2 * i + 1] = replicated;
  }
  const seed = new TextEncoder().encode(
    'Tiger - A Fast New Hash Function, by Ross Anderson and Eli Biham',
  );
  const state = INITIAL.slice();
  let abc = 2;
  for (let passNo = 0; passNo < 5; passNo++) {
    for (let i = 0; i < 256; i++) {
      for (let box = 0; box < 1024; box += 256) {
        abc++;
        if (abc === 3) {
          abc = 0;
          compress(state, seed, 0);
        }
        for (let col = 0; col < 8; col++) {
          const other = box + byteOf(state, abc, col);
          const kept = byteOf(T, box + i, col);
          setByte(T, box + i, col, byteOf(T, other, col));
          setByte(T, other, col, kept);
        }
      }
    }
  }
}

/** Byte `col` (0 = least significant) of 64-bit word `word` of a lo/hi pair array. */
const byteOf = (words: Int32Array, word: number, col: number): number =>
  (words[2 * word + (col >> 2)]! >>> (8 * (col & 3))) & 255;

function setByte(words: Int32Array, word: number, col: number, value: number): void {
  const i = 2 * word + (col >> 2);
  const shift = 8 * (col & 3);
  words[i] = (words[i]! & ~(255 << shift)) | (value << shift);
}

generateSboxes();

/** Incremental Tiger. `digest()` may be called at any point and does not end the hash. */
export class Tiger {
  readonly #state = INITIAL.slice();
  readonly #block = new Uint8Array(BLOCK);
  #blockLength = 0;
  #length = 0;

  update(bytes: Uint8Array): this {
    const n = bytes.length;
    let offset = 0;
    this.#length += n;
    if (this.#blockLength > 0) {
      offset = Math.min(BLOCK - this.#blockLength, n);
      this.#block.set(bytes.subarray(0, offset), this.#blockLength);
      this.#blockLength += offset;
      if (this.#blockLength < BLOCK) return this;
      compress(this.#state, this.#block, 0);
      this.#blockLength = 0;
    }
    for (; offset + BLOCK <= n; offset += BLOCK) compress(this.#state, bytes, offset);
    if (offset < n) {
      this.#block.set(bytes.subarray(offset), 0);
      this.#blockLength = n - offset;
    }
    return this;
  }

  digest(): Uint8Array {
    finalState.set(this.#state);
    // The tail, 0x01, zeros up to 8 bytes short of a block end, the bit length.
    const end = this.#blockLength < BLOCK - 8 ? BLOCK : 2 * BLOCK;
    tail.set(this.#block.subarray(0, this.#blockLength));
    tail[this.#blockLength] = 0x01;
    tail.fill(0, this.#blockLength + 1, end - 8);
    putWord(tail, end - 8, (this.#length * 8) | 0, Math.floor(this.#length / 2 ** 29));
    for (let offset = 0; offset < end; offset += BLOCK) compress(finalState, tail, offset);

    const out = new Uint8Array(TIGER_LENGTH);
    for (let i = 0; i < 3; i++) putWord(out, 8 * i, finalState[2 * i]!, finalState[2 * i + 1]!);
    return out;
  }

  /** Starts over, as if new. */
  reset(): this {
    this.#state.set(INITIAL);
    this.#blockLength = 0;
    this.#length = 0;
    return this;
  }
}

/** Tiger of `bytes` in one call. */
export const tiger = (bytes: Uint8Array): Uint8Array => new Tiger().update(bytes).digest();
