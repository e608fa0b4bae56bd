/** State shared by every scenario of one run: the run id, the Docker runtime, the SUT adapter. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** The SUT image: GNUTELLA_SUT_IMAGE, else the one `npm run build:images` recorded. */
export function sutAdapterFromEnv(): SutAdapter {
  const image = process.env.GNUTELLA_SUT_IMAGE ?? builtImage();
  return ourServentAdapter(image);
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
