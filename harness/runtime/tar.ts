/**
 * A minimal POSIX ustar writer: enough to put a node's share folder and state
 * directory into a container before it starts (Docker's put-archive endpoint),
 * with the owner the servent runs as. Directories and regular files only.
 */

export interface TarEntry {
  /** Path inside the archive, relative (no leading `/`), `/`-separated. */
  path: string;
  /** File bytes; omit for a directory. */
  content?: Uint8Array;
  /** Permission bits; default 0o644 for files, 0o755 for directories. */
  mode?: number;
  uid?: number;
  gid?: number;
}

const BLOCK = 512;
/** ustar's name field holds 100 bytes, its prefix field 155 more. */
const NAME_BYTES = 100;
const PREFIX_BYTES = 155;
/** A fixed modification time, so the same entries always give the same archive. */
const MTIME = 1_700_000_000;

/** The archive: one header block per entry, its data padded to 512 bytes, two zero blocks at the end. */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const dir = entry.content === undefined;
    const data = dir ? Buffer.alloc(0) : Buffer.from(entry.content!);
    parts.push(header(entry, dir, data.length));
    if (data.length > 0) {
      parts.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function header(entry: TarEntry, dir: boolean, size: number): Buffer {
  const path = entry.path.replace(/^\/+/, '') + (dir && !entry.path.endsWith('/') ? '/' : '');
  const [prefix, name] = splitPath(path);
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, NAME_BYTES, 'utf8');
  octal(block, 100, 8, entry.mode ?? (dir ? 0o755 : 0o644));
  octal(block, 108, 8, entry.uid ?? 0);
  octal(block, 116, 8, entry.gid ?? 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, MTIME);
  block.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  block.write(dir ? '5' : '0', 156, 1, 'latin1');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.write(prefix, 345, PREFIX_BYTES, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  return block;
}

/** Splits a long path at a `/` into ustar's prefix and name fields. */
function splitPath(path: string): [string, string] {
  if (Buffer.byteLength(path) <= NAME_BYTES) return ['', path];
  for (
    let at = path.lastIndexOf('/', path.length - 2);
    at > 0;
    at = path.lastIndexOf('/', at - 1)
  ) {
    const prefix = path.slice(0, at);
    const name = path.slice(at + 1);
    if (Buffer.byteLength(prefix) <= PREFIX_BYTES && Buffer.byteLength(name) <= NAME_BYTES)
      return [prefix, name];
  }
  throw new Error(`tar path too long for ustar (100 + 155 bytes): ${path}`);
}

function octal(block: Buffer, at: number, width: number, value: number): void {
  const text = value.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new Error(`tar field of ${width} bytes cannot hold ${value}`);
  block.write(`${text}\u0000`, at, width, 'latin1');
}
