import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { access, copyFile, mkdir, open, opendir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { isValidObjectKey } from "@video-service/contracts";
import { assertDirectoryPrefix, assertListPrefix, assertObjectKey, assertRange } from "./keys.ts";
import {
  InvalidObjectKeyError,
  InvalidRangeError,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
} from "./object-store.ts";
import { createSignedFileUrl } from "./signed-url.ts";

export interface LocalObjectStoreOptions {
  /** The directory that holds the objects; created on first write. */
  root: string;
  /** HMAC key of the download URLs (verifySignedUrl checks them). */
  signingSecret: string;
  /** Where the gateway serves GET /files/*, e.g. "http://localhost:3000". */
  publicBaseUrl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".mp4": "video/mp4",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".json": "application/json",
  ".wav": "audio/wav",
  ".mp3": "audio/mpeg",
  ".m4a": "audio/mp4",
  ".txt": "text/plain; charset=utf-8",
};

/** A local directory keeps no metadata, so the type comes from the key's extension. */
export function contentTypeForKey(key: string): string {
  return CONTENT_TYPES[path.extname(key).toLowerCase()] ?? "application/octet-stream";
}

/**
 * The embedded default store: keys are files under `root`.
 *
 * - Every key is validated and its resolved path checked to stay inside `root`.
 * - Writes go to a hidden temp file in the target directory, are fsynced, then renamed over the
 *   key, so readers see the old object or the whole new one, never a partial file. Temp names
 *   start with "." and so are never valid keys: list() skips them.
 * - A key cannot be both an object and a "directory" ("a" and "a/b"), unlike on S3; the storage
 *   layout never needs that.
 * - put()'s contentType is not stored; head() derives it from the extension.
 */
export function createLocalObjectStore({ root, signingSecret, publicBaseUrl }: LocalObjectStoreOptions): ObjectStore {
  if (root.length === 0) throw new Error("local object store: root must not be empty");
  if (signingSecret.length === 0) throw new Error("local object store: signingSecret must not be empty");
  const rootDir = path.resolve(root);

  const pathOf = (key: string): string => {
    assertObjectKey(key);
    return insideRoot(rootDir, key);
  };

  return {
    async put(key, body) {
      const target = pathOf(key);
      const data = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      await writeAtomically(target, async (tempPath) => {
        const handle = await open(tempPath, "wx");
        try {
          await handle.writeFile(data);
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
    },

    async putFile(key, filePath) {
      const target = pathOf(key);
      await writeAtomically(target, async (tempPath) => {
        // copyFile streams in the kernel (copy_file_range), never through our memory.
        await copyFile(filePath, tempPath, constants.COPYFILE_EXCL);
        const handle = await open(tempPath, "r+");
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
    },

    async get(key) {
      const file = pathOf(key);
      try {
        return await readFile(file);
      } catch (err) {
        if (isMissing(err) || errorCode(err) === "EISDIR") throw new ObjectNotFoundError(key);
        throw err;
      }
    },

    async getStream(key, range) {
      const file = pathOf(key);
      assertRange(key, range);
      const handle = await open(file, "r").catch((err: unknown) => {
        throw isMissing(err) ? new ObjectNotFoundError(key) : err;
      });
      try {
        const info = await handle.stat();
        if (!info.isFile()) throw new ObjectNotFoundError(key);
        if (range === undefined) return handle.createReadStream();
        if (range.start >= info.size) throw new InvalidRangeError(key, range);
        const end = Math.min(range.end ?? info.size - 1, info.size - 1);
        return handle.createReadStream({ start: range.start, end }) as Readable;
      } catch (err) {
        await handle.close();
        throw err;
      }
    },

    async download(key, filePath) {
      const source = pathOf(key);
      const info = await statOrUndefined(source);
      if (!info?.isFile()) throw new ObjectNotFoundError(key);
      const target = path.resolve(filePath);
      await writeAtomically(target, (tempPath) => copyFile(source, tempPath, constants.COPYFILE_EXCL), {
        durable: false,
      });
    },

    async head(key) {
      const info = await statOrUndefined(pathOf(key));
      if (!info?.isFile()) return undefined;
      return { key, size: info.size, contentType: contentTypeForKey(key) };
    },

    async delete(key) {
      try {
        await unlink(pathOf(key));
      } catch (err) {
        // A key that names a directory is no object either.
        if (!isMissing(err) && errorCode(err) !== "EISDIR") throw err;
      }
    },

    async deletePrefix(prefix) {
      assertDirectoryPrefix(prefix);
      const dir = insideRoot(rootDir, prefix.slice(0, -1));
      // Renaming the subtree away first makes the removal all-or-nothing for readers.
      const doomed = path.join(path.dirname(dir), `.${path.basename(dir)}.${randomBytes(6).toString("hex")}.deleting`);
      try {
        await rename(dir, doomed);
      } catch (err) {
        if (isMissing(err)) return 0;
        throw err;
      }
      let count = 0;
      for await (const _ of walk(doomed, "")) count++;
      await rm(doomed, { recursive: true, force: true });
      return count;
    },

    async list(prefix) {
      assertListPrefix(prefix);
      const dirPrefix = prefix.slice(0, prefix.lastIndexOf("/") + 1);
      const dir = dirPrefix === "" ? rootDir : insideRoot(rootDir, dirPrefix.slice(0, -1));
      const found: ObjectInfo[] = [];
      for await (const object of walk(dir, dirPrefix)) {
        if (object.key.startsWith(prefix)) found.push(object);
      }
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async signedUrl(key, expiresInSeconds) {
      assertObjectKey(key);
      if (!Number.isFinite(expiresInSeconds) || expiresInSeconds <= 0) {
        throw new RangeError("expiresInSeconds must be a positive number");
      }
      const expires = Math.floor(Date.now() / 1000) + Math.ceil(expiresInSeconds);
      return createSignedFileUrl({ publicBaseUrl, key, expires, secret: signingSecret });
    },

    localPath(key) {
      return pathOf(key);
    },

    async ping() {
      await mkdir(rootDir, { recursive: true });
      await access(rootDir, constants.R_OK | constants.W_OK);
    },
  };
}

/** The absolute path of a (validated) key, refusing anything that would resolve outside root. */
function insideRoot(rootDir: string, key: string): string {
  const full = path.resolve(rootDir, key);
  const relative = path.relative(rootDir, full);
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) throw new InvalidObjectKeyError(key);
  return full;
}

/**
 * Writes through a temp file in the target's directory (so rename is atomic on the same file
 * system), then renames it into place. Durable writes fsync the file (the writer's job) and the
 * directory, so a crash cannot leave a renamed but empty file.
 */
async function writeAtomically(
  target: string,
  write: (tempPath: string) => Promise<void>,
  { durable = true }: { durable?: boolean } = {},
): Promise<void> {
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true });
  const tempPath = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await write(tempPath);
    await rename(tempPath, target);
  } catch (err) {
    await rm(tempPath, { force: true });
    throw err;
  }
  if (durable) await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Objects under a directory, as keys beginning with keyPrefix. Temp and doomed entries are skipped. */
async function* walk(dir: string, keyPrefix: string): AsyncGenerator<ObjectInfo> {
  let entries: Awaited<ReturnType<typeof opendir>>;
  try {
    entries = await opendir(dir);
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  const children: string[] = [];
  for await (const entry of entries) {
    if (!isValidObjectKey(entry.name)) continue;
    if (entry.isDirectory()) children.push(entry.name);
    else if (entry.isFile()) {
      const info = await statOrUndefined(path.join(dir, entry.name));
      if (info?.isFile()) yield { key: `${keyPrefix}${entry.name}`, size: info.size };
    }
  }
  for (const child of children) yield* walk(path.join(dir, child), `${keyPrefix}${child}/`);
}

async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}

/** ENOTDIR: a path component is a file, so the key cannot exist. */
function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === "ENOENT" || code === "ENOTDIR";
}
