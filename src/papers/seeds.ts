// Reads a folder of Daily Papers page dumps into papers, merged by title across pages.
import fs from 'node:fs';
import path from 'node:path';
import { OperatorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PaperSource } from '../ports.js';
import type { Paper } from './model.js';
import { titleKey } from './model.js';
import { parseSeedPage, seedPageToPapers, type SeedWarning } from './seedPage.js';
import { mergePapers } from './merge.js';

export interface SeedLoad {
  files: string[];
  entries: number;
  papers: Paper[];
  warnings: SeedWarning[];
}

/**
 * Parses every `*.txt` in `dir` (sorted by name). An unreadable folder is an OperatorError naming it;
 * a malformed block inside a file is skipped with a warning and the rest is kept.
 */
export function loadSeedDir(dir: string, logger?: Logger): SeedLoad {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isFile() && d.name.endsWith('.txt'))
      .map((d) => d.name)
      .sort();
  } catch (e) {
    throw new OperatorError(`Cannot read the seeds folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, [
      'Point PAPERBOY_SEEDS_DIR (or --seeds) at a folder of Hugging Face Daily Papers page dumps (*.txt).',
    ]);
  }
  const byKey = new Map<string, Paper>();
  const warnings: SeedWarning[] = [];
  let entries = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      warnings.push({ file: name, line: 0, message: `unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'}` });
      continue;
    }
    const page = parseSeedPage(text, name);
    warnings.push(...page.warnings);
    entries += page.entries.length;
    for (const p of seedPageToPapers(page)) {
      const key = titleKey(p.title);
      const prev = byKey.get(key);
      byKey.set(key, prev ? mergePapers(prev, p) : p);
    }
  }
  for (const w of warnings) logger?.warn({ file: w.file, line: w.line }, `seed page: ${w.message}`);
  return { files: names, entries, papers: [...byKey.values()], warnings };
}

/** The seed page dumps in `dir` as a paper source (the embedded corpus, or `ingest --seeds DIR`). */
export function seedSource(dir: string): PaperSource & { readonly dir: string } {
  return {
    name: `seeds:${dir}`,
    dir,
    async read() {
      const load = loadSeedDir(dir);
      return {
        papers: load.papers,
        warnings: load.warnings.map((w) => ({ where: `${w.file}:${w.line}`, message: `seed page: ${w.message}` })),
        counts: { files: load.files.length, entries: load.entries, papers: load.papers.length },
      };
    },
  };
}
