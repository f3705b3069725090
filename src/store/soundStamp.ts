// Remembers that a database file passed its integrity check, so an unchanged file is not scanned again at every start.
import fs from 'node:fs';

/**
 * What identifies one state of a database file: inode, size and modification time (nanoseconds)
 * of the file and of its write-ahead log. Any write, by SQLite or anything else, changes it.
 */
function stateOf(file: string): string | null {
  const part = (f: string): string => {
    try {
      const s = fs.statSync(f, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '-';
      throw e;
    }
  };
  try {
    return `${part(file)}|${part(`${file}-wal`)}`;
  } catch {
    return null;
  }
}

const stampFile = (file: string) => `${file}.sound`;

/** Whether `file` is in the state it was in when it last passed the check. */
export function knownSound(file: string): boolean {
  const state = stateOf(file);
  if (state === null) return false;
  try {
    return fs.readFileSync(stampFile(file), 'utf8') === state;
  } catch {
    return false;
  }
}

/** Records the file's present state as sound, after it passed the check. NOTE: best effort: a folder it cannot write only means every start checks. */
export function markSound(file: string): void {
  const state = stateOf(file);
  if (state === null) return;
  try {
    fs.writeFileSync(stampFile(file), state);
  } catch {
    // NOTE: a read-only data dir: the check simply runs at every start, as before.
  }
}

/** Forgets a stamp once SQLite has found the file damaged after all. */
export function forgetSound(file: string): void {
  fs.rmSync(stampFile(file), { force: true });
}
