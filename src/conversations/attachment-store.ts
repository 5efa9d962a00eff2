import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where attachment bytes live. Narrow on purpose (write, read, remove by key), so another
 * backend such as S3-compatible object storage is a second implementation of three calls.
 */
export type AttachmentStore = {
  /** Stores the stream under the key and returns its size; nothing is left behind if the stream fails. */
  write(key: string, data: Readable): Promise<number>;
  /** The stored bytes and their size, or undefined when the key holds nothing. */
  read(key: string): Promise<{ stream: Readable; size: number } | undefined>;
  remove(key: string): Promise<void>;
};

const KEY = /^[0-9a-f-]{36}\/[0-9a-f-]{36}$/;

/** Files under `dir` (by default `DATA_DIR/attachments`), one per key; written beside and renamed, so a reader never sees half a file. */
export function filesystemStore(dir: string): AttachmentStore {
  const fileOf = (key: string) => {
    if (!KEY.test(key)) throw new Error(`invalid attachment key ${key}`);
    return path.join(dir, key);
  };
  return {
    async write(key, data) {
      const file = fileOf(key);
      const partial = `${file}.part`;
      await mkdir(path.dirname(file), { recursive: true });
      try {
        await pipeline(data, createWriteStream(partial, { flags: 'wx' }));
        const { size } = await stat(partial);
        await rename(partial, file);
        return size;
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
    },
    async read(key) {
      const file = fileOf(key);
      const found = await stat(file).catch(() => undefined);
      return found && { stream: createReadStream(file), size: found.size };
    },
    remove: (key) => rm(fileOf(key), { force: true }),
  };
}
