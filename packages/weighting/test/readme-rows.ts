/** The rows of the strategies table in the package README, keyed by strategy name (shared by the README tests). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');
const table =
  /<!-- strategies-table:start -->([\s\S]*?)<!-- strategies-table:end -->/.exec(readme)?.[1] ?? '';

/** Cells of each table row (`| name | paper | family | modes | cost | properties |`), by strategy name. */
export const readmeRows: ReadonlyMap<string, readonly string[]> = new Map(
  table
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const cells = l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      return [cells[0]!.replace(/`/g, ''), cells] as const;
    }),
);

/** A comma-separated cell as a list (`—` or empty = none). */
export const list = (cell: string): string[] =>
  cell === '' || cell === '—' ? [] : cell.split(',').map((s) => s.trim());
