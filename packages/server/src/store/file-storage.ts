import { createWriteStream, mkdtempSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config/config.ts';

/** What `save` learned while writing. */
export interface SavedFile {
  size: number;
  /** The first bytes (up to 64), to check the content against its declared type. */
  head: Buffer;
  /** The source had more than `maxBytes`: nothing was kept. */
  tooLarge: boolean;
}

/**
 * Uploaded files on the local disk, `<dir>/<workspaceId>/<id>`. Files are written under a
 * temporary name and renamed once complete, so a file that exists is whole.
 */
export class LocalFileStorage {
  readonly dir: string;
  private readonly temporary: boolean;

  /** `dir` null: a fresh temporary directory, removed by `close()`. */
  constructor(options: { dir: string | null }) {
    this.temporary = options.dir === null;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'unique-support-uploads-'));
  }

  /**
   * Streams `source` to the file of `id`, at most `maxBytes` (`tooLarge` then, nothing kept).
   * `isTruncated` tells whether the source itself stopped at its limit (multipart does).
   */
  async save(
    workspaceId: string,
    id: string,
    source: Readable,
    maxBytes: number,
    isTruncated: () => boolean = () => false,
  ): Promise<SavedFile> {
    const target = this.pathOf(workspaceId, id);
    const partial = `${target}.part`;
    await mkdir(dirname(target), { recursive: true });
    let size = 0;
    let head = Buffer.alloc(0);
    let tooLarge = false;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (head.length < 64) head = Buffer.concat([head, chunk.subarray(0, 64 - head.length)]);
        if (size > maxBytes) tooLarge = true;
        // Past the limit: keep reading (so the client's upload completes) but write nothing.
        done(null, tooLarge ? undefined : chunk);
      },
    });
    try {
      await pipeline(source, count, createWriteStream(partial, { flags: 'wx', mode: 0o640 }));
      tooLarge ||= isTruncated();
      if (tooLarge) {
        await rm(partial, { force: true });
        return { size, head, tooLarge };
      }
      await rename(partial, target);
      return { size, head, tooLarge };
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  /** The open file, or null when there is none. */
  async open(workspaceId: string, id: string): Promise<FileHandle | null> {
    try {
      return await open(this.pathOf(workspaceId, id), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    await rm(this.pathOf(workspaceId, id), { force: true });
  }

  /** Removes the directory when it is a temporary one. */
  async close(): Promise<void> {
    if (this.temporary) await rm(this.dir, { recursive: true, force: true });
  }

  private pathOf(workspaceId: string, id: string): string {
    // Both are server-made ids; refuse anything that could leave the directory.
    if (!SAFE.test(workspaceId) || !SAFE.test(id)) throw new Error('unsafe file name');
    return join(this.dir, workspaceId, id);
  }
}

const SAFE = /^[\w-]{1,100}$/;

/**
 * Where uploads live: `UPLOADS_DIR`, else `uploads/` beside the SQLite file (`./data/uploads`
 * by default), else (`sqlite::memory:`) null, a temporary directory.
 */
export function uploadsDirFor(config: Pick<Config, 'uploadsDir' | 'database'>): string | null {
  if (config.uploadsDir) return resolve(config.uploadsDir);
  const { database } = config;
  if (database.kind === 'sqlite') {
    return database.path === ':memory:' ? null : join(dirname(database.path), 'uploads');
  }
  return resolve('data/uploads');
}
