// Names as titles and queries are compared: words lowercased and folded, a title's part before its colon.
import { words } from '../analysis/tokenizer.js';

/** Words of a text, lowercased and folded, joined by single spaces: how names are compared. */
export function normalName(text: string): string {
  return words(text.normalize('NFKC'))
    .map((w) => w.word)
    .join(' ');
}

/** A title's name: the part before its first colon (`A-MEM: Agentic Memory…` → `a mem`), or the whole title. */
export function titleName(title: string): string {
  const colon = title.indexOf(':');
  return normalName(colon > 0 ? title.slice(0, colon) : title);
}

/** A title's name and its whole title normalised, kept per title: the exact-title tier compares up to `titleChecks` (parameters.ts) titles a search. */
export function titleNames(title: string): { name: string; normal: string } {
  let names = titleNameMemo.get(title);
  if (names === undefined) {
    // NOTE: titles of papers since replaced linger until the memo is full, then it starts afresh.
    if (titleNameMemo.size >= 200_000) titleNameMemo.clear();
    names = { name: titleName(title), normal: normalName(title) };
    titleNameMemo.set(title, names);
  }
  return names;
}

const titleNameMemo = new Map<string, { name: string; normal: string }>();
