/**
 * Label-based cleanup (testcontainers' Ryuk is off: TESTCONTAINERS_RYUK_DISABLED).
 * Removes a run's containers then its networks; sweeps resources of runs whose
 * process is gone; reports anything left so a leak fails the run loudly.
 */
import type Docker from 'dockerode';
import { LABEL } from './labels.js';

export interface Leftovers {
  containers: string[];
  networks: string[];
}

const byLabel = (label: string) => ({ filters: JSON.stringify({ label: [label] }) });

export async function removeLabelled(docker: Docker, label: string): Promise<Leftovers> {
  const removed: Leftovers = { containers: [], networks: [] };
  const containers = await docker.listContainers({ all: true, ...byLabel(label) });
  await Promise.all(
    containers.map(async (c) => {
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
        });
      removed.containers.push(c.Names[0] ?? c.Id);
    }),
  );
  const networks = await docker.listNetworks(byLabel(label));
  for (const n of networks) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
    removed.networks.push(n.Name);
  }
  return removed;
}

/** Removes what runs whose process no longer lives left behind (a kill -9, a crash). */
export async function sweepDeadRuns(docker: Docker): Promise<Leftovers> {
  const runs = new Map<string, number>();
  const containers = await docker.listContainers({ all: true, ...byLabel(LABEL.owner) });
  const networks = await docker.listNetworks(byLabel(LABEL.owner));
  for (const labels of [
    ...containers.map((c) => c.Labels),
    ...networks.map((n) => n.Labels ?? {}),
  ]) {
    const run = labels[LABEL.run];
    if (run) runs.set(run, Number(labels[LABEL.pid]));
  }
  const swept: Leftovers = { containers: [], networks: [] };
  for (const [run, pid] of runs) {
    if (pid && processAlive(pid)) continue;
    const removed = await removeLabelled(docker, `${LABEL.run}=${run}`);
    swept.containers.push(...removed.containers);
    swept.networks.push(...removed.networks);
  }
  return swept;
}

export async function leftovers(docker: Docker, label: string): Promise<Leftovers> {
  const containers = await docker.listContainers({ all: true, ...byLabel(label) });
  const networks = await docker.listNetworks(byLabel(label));
  return {
    containers: containers.map((c) => c.Names[0] ?? c.Id),
    networks: networks.map((n) => n.Name),
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
