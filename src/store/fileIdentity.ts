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
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
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

  constructor(private readonly file: string) {
    this.db = idOf(file);
    this.wal = idOf(`${file}-wal`);
  }

  /** What happened to the files since they were opened, in words for a log line; null while they are the ones opened. */
  change(): string | null {
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
