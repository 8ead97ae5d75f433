import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where attachment bytes live. Files on disk under DATA_DIR by default; an object store (S3 and
 * the like) implements the same three calls. Keys are made by the server, never by clients.
 */
export type AttachmentStore = {
  /** Stores the stream's bytes; on failure nothing is left behind. */
  put(key: string, content: Readable): Promise<void>;
  /** Undefined when there is no such file. */
  get(key: string): Promise<Readable | undefined>;
  /** Deleting a missing file is not an error. */
  delete(key: string): Promise<void>;
};

export function createFileAttachmentStore(root: string): AttachmentStore {
  const pathOf = (key: string) => path.join(root, ...key.split('/'));
  return {
    async put(key, content) {
      const file = pathOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      try {
        await pipeline(content, createWriteStream(file, { flags: 'wx' }));
      } catch (error) {
        await rm(file, { force: true });
        throw error;
      }
    },

    async get(key) {
      const file = pathOf(key);
      const found = await stat(file).catch(() => undefined);
      return found?.isFile() ? createReadStream(file) : undefined;
    },

    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
