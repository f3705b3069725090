// Reads a folder of Daily Papers page dumps into papers, merged by title across pages.
import fs from 'node:fs';
import path from 'node:path';
import { OperatorError } from '../errors.js';
import type { PaperSource } from '../ports.js';
import type { Paper } from './model.js';
import { checkPaper, titleKey } from './model.js';
import { parseSeedPage, seedPageToPapers, type SeedWarning } from './seedPage.js';
import { mergePapers } from './merge.js';

const POINT_HINT =
  'Point PAPERBOY_SEEDS_DIR (or ingest --seeds) at a folder of Hugging Face Daily Papers page dumps (*.txt files that start with the "Daily Papers" page header), like the ones in seeds/.';

export interface SeedLoad {
  /** The page dumps read (sorted by name). */
  files: string[];
  /** `*.txt` files that are not page dumps (no Daily Papers header), or could not be read. */
  skipped: string[];
  /** Entries read from the pages and stored as papers. */
  entries: number;
  /** Entries skipped because a value does not fit the paper model (an upvote count too large to store, …). */
  rejected: number;
  papers: Paper[];
  warnings: SeedWarning[];
}

/**
 * Parses every `*.txt` in `dir` (sorted by name). An unreadable folder is an OperatorError naming it;
 * a file that is not a page dump is skipped, and so is a malformed block or an entry whose values do
 * not fit the paper model, each with a warning naming file and line, and the rest is kept.
 */
export function loadSeedDir(dir: string, origin = 'PAPERBOY_SEEDS_DIR'): SeedLoad {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isFile() && d.name.endsWith('.txt'))
      .map((d) => d.name)
      .sort();
  } catch (e) {
    throw new OperatorError(`Cannot read the seeds folder ${dir} (${origin}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, [POINT_HINT]);
  }
  const byKey = new Map<string, Paper>();
  const warnings: SeedWarning[] = [];
  const files: string[] = [];
  const skipped: string[] = [];
  let entries = 0;
  let rejected = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      warnings.push({ file: name, line: 0, message: `unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'}; the file was skipped` });
      skipped.push(name);
      continue;
    }
    const page = parseSeedPage(text, name);
    warnings.push(...page.warnings);
    if (!page.isPage) {
      skipped.push(name);
      continue;
    }
    files.push(name);
    const papers = seedPageToPapers(page);
    papers.forEach((candidate, i) => {
      // NOTE: checked before merging, so a bad copy of a paper cannot spoil a good one from another page.
      const line = page.entries[i]?.line ?? 0;
      const checked = checkPaper(candidate, (message) => warnings.push({ file: name, line, message }));
      if (!checked.ok) {
        rejected += 1;
        warnings.push({ file: name, line, message: `skipped an entry paperboy cannot store: ${checked.error}` });
        return;
      }
      entries += 1;
      const p = checked.value;
      const key = titleKey(p.title);
      const prev = byKey.get(key);
      byKey.set(key, prev ? mergePapers(prev, p) : p);
    });
  }
  return { files, skipped, entries, rejected, papers: [...byKey.values()], warnings };
}

/**
 * The seed page dumps in `dir` as a paper source (the embedded corpus, or `ingest --seeds DIR`);
 * `origin` says where the folder was given, for messages. A folder with no page dump in it is an
 * OperatorError: ingesting it would store nothing.
 */
export function seedSource(dir: string, origin = 'PAPERBOY_SEEDS_DIR'): PaperSource & { readonly dir: string } {
  return {
    name: `seeds:${dir}`,
    dir,
    async read() {
      const load = loadSeedDir(dir, origin);
      if (load.files.length === 0) {
        const found =
          load.skipped.length === 0
            ? 'no *.txt files'
            : `${load.skipped.length} .txt ${load.skipped.length === 1 ? 'file' : 'files'}, none of them a Daily Papers page: ${listed(load.skipped)}`;
        throw new OperatorError(`The seeds folder ${dir} (${origin}) has no page dumps (${found}); nothing was ingested.`, [POINT_HINT]);
      }
      return {
        papers: load.papers,
        warnings: load.warnings.map((w) => ({ where: `${w.file}:${w.line}`, message: `seed page: ${w.message}` })),
        counts: { files: load.files.length, skippedFiles: load.skipped.length, entries: load.entries, rejected: load.rejected, papers: load.papers.length },
      };
    },
  };
}

function listed(names: readonly string[], max = 5): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');
}
