// Writes Daily Papers page dumps in the shape of the real ones in seeds/, for tests that need many papers or a bad entry.
import fs from 'node:fs';
import path from 'node:path';

/** The chrome every real dump starts with, up to and including the page date (entries follow a blank line). */
export function pageHeader(pageDate = 'Nov 27'): string {
  return `new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\n${pageDate}\n\n`;
}

/** One entry: title, abstract, and the three-line metadata block (`who`, `·`, date and upvotes). */
export function pageEntry(title: string, abstract: string, meta = '  • 3 authors\n·\nNov 5 3'): string {
  return `${title}\n\n${abstract}\n\n${meta}\n\n`;
}

/**
 * Writes `n` distinct papers (titles start with `prefix`) into `dir`, `perFile` to a page, and
 * returns their titles. Pages carry an explicit-year entry so dates resolve, like the real dumps.
 */
export function writeSeedPages(dir: string, prefix: string, n: number, perFile = 500): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const titles: string[] = [];
  for (let file = 0; file * perFile < n; file++) {
    let text = pageHeader();
    for (let i = file * perFile; i < Math.min(n, (file + 1) * perFile); i++) {
      const title = `${prefix} paper ${i}: attention variants for long contexts`;
      titles.push(title);
      const meta =
        i % 2 === 0 ? `  • ${(i % 9) + 1} authors\n·\nNov ${(i % 26) + 1} ${i % 50}` : `Org-${i % 7} Org ${i % 7} Lab\n·\nJul ${(i % 28) + 1}, 2024 ${i % 40}`;
      text += pageEntry(title, `We study ${prefix} variant ${i} of attention on long inputs and report memory and accuracy.`, meta);
    }
    fs.writeFileSync(path.join(dir, `${prefix}_${String(file).padStart(3, '0')}.txt`), text);
  }
  return titles;
}
