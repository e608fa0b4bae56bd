/**
 * Hash throughput on one 16 MiB buffer: Tiger, the Tiger tree and SHA-1
 * through hash/urn.ts, next to node's own SHA-1 on the same buffer in the same
 * run (the ratios are what to compare across machines).
 */
import { createHash } from 'node:crypto';
import { Sha1, tiger, tigerTree, tigerTreeRoot } from '../servent/src/core/hash/index.js';
import { printRatio, runBench } from './lib.js';

export async function main(): Promise<void> {
  const buffer = new Uint8Array(16 * 1024 * 1024);
  for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 2654435761) >>> 24;
  const mb = buffer.length / 1e6;

  const [raw, sha1, tigerRow, root, levels] = await runBench(
    'hash: 16 MiB buffer',
    [
      {
        name: "node crypto.createHash('sha1')",
        fn: () => createHash('sha1').update(buffer).digest(),
      },
      { name: 'urn.ts Sha1', fn: () => new Sha1().update(buffer).digest() },
      { name: 'tiger', fn: () => tiger(buffer) },
      { name: 'tiger tree, root only', fn: () => tigerTreeRoot(buffer) },
      { name: 'tiger tree, levels 0..13 kept', fn: () => tigerTree(buffer) },
    ].map((task) => ({ ...task, items: mb, unit: 'MB' })),
    1500,
  );
  printRatio('SHA-1 via urn.ts vs raw node', sha1!, raw!);
  printRatio('Tiger vs raw node SHA-1', tigerRow!, raw!);
  printRatio('Tiger tree vs raw node SHA-1', root!, raw!);
  printRatio('Tiger tree vs Tiger', root!, tigerRow!);
  printRatio('Tiger tree with levels vs root only', levels!, root!);
}
