/**
 * Benchmark helpers on tinybench: run a set of tasks, print operations per
 * second, and ratios against a baseline measured in the same run (never an
 * absolute target checked in a test: these machines are noisy).
 */
import { Bench } from 'tinybench';

export interface BenchTask {
  name: string;
  fn: () => unknown;
  /** Work items per call (messages, bytes...), to print a rate per item. */
  items?: number;
  unit?: string;
}

export interface BenchRow {
  name: string;
  opsPerSecond: number;
  itemsPerSecond: number;
  unit: string;
}

/** Runs tasks for about `timeMs` each and prints one table; returns the rows for ratios. */
export async function runBench(
  title: string,
  tasks: BenchTask[],
  timeMs = 500,
): Promise<BenchRow[]> {
  const bench = new Bench({ time: timeMs, warmupTime: 100 });
  for (const t of tasks) bench.add(t.name, t.fn);
  await bench.run();
  const rows = tasks.map((t, i) => {
    const result = bench.tasks[i]?.result;
    const hz = result && 'throughput' in result ? result.throughput.mean : 0;
    return {
      name: t.name,
      opsPerSecond: hz,
      itemsPerSecond: hz * (t.items ?? 1),
      unit: t.unit ?? 'ops',
    };
  });
  printTable(title, rows);
  return rows;
}

export function printTable(title: string, rows: BenchRow[]): void {
  console.log(`\n${title}`);
  const width = Math.max(...rows.map((r) => r.name.length), 10);
  for (const r of rows) {
    console.log(`  ${r.name.padEnd(width)}  ${formatRate(r.itemsPerSecond)} ${r.unit}/s`);
  }
}

/** Prints `name: a/b = ratio` for two rows of the same run. */
export function printRatio(label: string, subject: BenchRow, baseline: BenchRow): void {
  const ratio = subject.itemsPerSecond / baseline.itemsPerSecond;
  console.log(`  ratio ${label}: ${ratio.toFixed(3)} (${subject.name} / ${baseline.name})`);
}

export function formatRate(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(1);
}
