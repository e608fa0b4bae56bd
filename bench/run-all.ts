/** `npm run bench`: every *.bench.ts in bench/, one after another. */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()) {
  if (only && !file.includes(only)) continue;
  console.log(`\n#### ${file}`);
  const mod = (await import(`./${file}`)) as { main: () => Promise<void> };
  await mod.main();
}
