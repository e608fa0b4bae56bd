/** State shared by every scenario of one run: the run id, the Docker runtime, the SUT adapter. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DockerRuntime } from '../../harness/runtime/docker-runtime.js';
import type { SutAdapter } from '../../harness/sut/adapter.js';
import { ourServentAdapter } from '../../harness/sut/our-servent.js';

export interface SharedRun {
  runId: string;
  runtime: DockerRuntime;
  sut: SutAdapter;
}

let current: SharedRun | undefined;

export const newRunId = (): string => randomBytes(4).toString('hex');

/** Where reports and per-scenario artefacts go (`gnutella-conformance run --report DIR` sets it). */
export const REPORT_DIR = process.env.GNUTELLA_REPORT_DIR ?? 'reports';

/** A scenario's folder name under `<report>/scenarios/`: the report finds artefacts by the same rule. */
export { scenarioSlug } from '../../harness/report/verdicts.js';

export function setSharedRun(run: SharedRun): void {
  current = run;
}

export function sharedRun(): SharedRun {
  if (!current)
    throw new Error('the run has not started: the BeforeAll hook did not run or failed');
  return current;
}

export function clearSharedRun(): void {
  current = undefined;
}

/**
 * The SUT: image GNUTELLA_SUT_IMAGE (else the one `npm run build:images`
 * recorded), driven by adapter GNUTELLA_SUT_ADAPTER: `gnutella-servent` (ours,
 * the default) or the path of a module whose `createAdapter(image)` returns a
 * `SutAdapter` (harness/sut/adapter.ts documents the contract).
 */
export async function sutAdapterFromEnv(): Promise<SutAdapter> {
  const image = process.env.GNUTELLA_SUT_IMAGE ?? builtImage();
  const adapter = process.env.GNUTELLA_SUT_ADAPTER ?? 'gnutella-servent';
  if (adapter === 'gnutella-servent') return ourServentAdapter(image);
  const module = (await import(pathToFileURL(resolve(adapter)).href)) as {
    createAdapter?: (image: string) => SutAdapter;
  };
  if (typeof module.createAdapter !== 'function')
    throw new Error(`adapter module ${adapter} exports no createAdapter(image) function`);
  return module.createAdapter(image);
}

function builtImage(): string {
  try {
    const images = JSON.parse(readFileSync('dist/images.json', 'utf8')) as { servent?: string };
    if (images.servent) return images.servent;
  } catch {
    // fall through to the message below
  }
  throw new Error('no SUT image: run `npm run build:images` (or set GNUTELLA_SUT_IMAGE=IMAGE)');
}
