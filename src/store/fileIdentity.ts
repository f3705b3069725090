// Whether the database file (and its write-ahead log) on disk is still the one this process opened: device and inode.
import fs from 'node:fs';

interface FileId {
  dev: number;
  ino: number;
}

function idOf(p: string): FileId | null {
  try {
    const st = fs.statSync(p);
    return { dev: st.dev, ino: st.ino };
  } catch (e) {
    // NOTE: ENOTDIR: a folder on the path is a file now, so the path no longer reaches the file opened.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

/**
 * The identity of an open database file and of its `-wal` file. SQLite keeps writing through the
 * descriptors it opened: once either path is deleted or points at another file (`rm`, `mv`, a restore
 * that renames a copy into place), every later commit goes to a file nobody will open again.
 * NOTE: a copy written into the same file in place (`cp other.db paperboy.db`) keeps the inode and is
 * not seen here.
 */
export class DatabaseFileIdentity {
  private readonly db: FileId | null;
  private wal: FileId | null;
  /** The error code of the last check that could not look at the files (EACCES, EIO, ESTALE…), so it is reported once. */
  private unchecked: string | null = null;

  /** `onUncheckable` hears (once per kind of error) that the files could not be looked at; they are then taken as unchanged. */
  constructor(
    private readonly file: string,
    private readonly onUncheckable: (code: string) => void = () => undefined,
  ) {
    this.db = idOf(file);
    this.wal = idOf(`${file}-wal`);
  }

  /**
   * What happened to the files since they were opened, in words for a log line; null while they are the ones
   * opened. NOTE: only a file that is gone or is another file counts: a check that cannot look (a permission
   * change on the folder, a flaky network mount) says nothing about the file SQLite holds open, so it is not a loss.
   */
  change(): string | null {
    try {
      const change = this.compare();
      this.unchecked = null;
      return change;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (code !== this.unchecked) this.onUncheckable(code);
      this.unchecked = code;
      return null;
    }
  }

  private compare(): string | null {
    if (!this.db) return null;
    const now = idOf(this.file);
    if (!now) return `the database file ${this.file} was deleted`;
    if (now.dev !== this.db.dev || now.ino !== this.db.ino) return `the database file ${this.file} was replaced by another file`;
    const wal = idOf(`${this.file}-wal`);
    // NOTE: SQLite creates the WAL on first use and deletes it only when the last connection closes (never while this one is open).
    if (!this.wal) {
      this.wal = wal;
      return null;
    }
    if (!wal) return `its write-ahead log ${this.file}-wal was deleted`;
    if (wal.dev !== this.wal.dev || wal.ino !== this.wal.ino) return `its write-ahead log ${this.file}-wal was replaced by another file`;
    return null;
  }
}
