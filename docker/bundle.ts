/**
 * How the servent is bundled for running outside the sources: two ESM files,
 * `servent.mjs` (the CLI) and `hash-worker.mjs` (the worker thread that hashes
 * shared files, found beside the CLI through import.meta.url). Used by the
 * image build and by the benchmarks, so what is measured is what ships.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_ENTRY = 'servent/src/cli.ts';
export const WORKER_ENTRY = 'servent/src/node/library/hash-worker.ts';

/** Writes `servent.mjs` and `hash-worker.mjs` into `outdir`; esbuild's error (with its `errors`) on failure. */
export async function bundleServent(
  outdir: string,
  entry = join(REPO_ROOT, DEFAULT_ENTRY),
): Promise<void> {
  await build({
    entryPoints: [
      { in: entry, out: 'servent' },
      { in: join(REPO_ROOT, WORKER_ENTRY), out: 'hash-worker' },
    ],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'silent',
    // Bundled CommonJS packages (pino and its helpers) call require(); ESM has none.
    banner: {
      js: "import { createRequire as __gnutellaCreateRequire } from 'node:module';\nconst require = __gnutellaCreateRequire(import.meta.url);",
    },
  });
}
