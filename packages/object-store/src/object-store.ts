import type { Readable } from "node:stream";

export interface ObjectInfo {
  key: string;
  size: number;
  contentType?: string;
}

/**
 * The storage of DESIGN.md: S3 in production, a local directory by default. Keys are validated
 * (isValidObjectKey in @video-service/contracts) by every method; writes are atomic, so a reader
 * never sees a half-written object.
 */
export interface ObjectStore {
  /** Writes a whole object. */
  put(key: string, body: Buffer | Uint8Array | string, options?: { contentType?: string }): Promise<void>;
  /** Writes an object from a local file (streamed, never read whole into memory). */
  putFile(key: string, filePath: string, options?: { contentType?: string }): Promise<void>;
  /** Reads a whole object; throws ObjectNotFoundError when absent. */
  get(key: string): Promise<Buffer>;
  /** Streams an object, optionally a byte range [start, end] inclusive; throws ObjectNotFoundError. */
  getStream(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  /** Copies an object to a local file (for tools such as FFmpeg that need paths). */
  download(key: string, filePath: string): Promise<void>;
  /** Size and type, or undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Removes an object; absent objects are not an error. */
  delete(key: string): Promise<void>;
  /** Removes every object under a prefix (which must end in "/"); returns how many were removed. */
  deletePrefix(prefix: string): Promise<number>;
  /** Lists objects under a prefix. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** A URL that downloads the object without credentials until it expires. */
  signedUrl(key: string, expiresInSeconds: number): Promise<string>;
  /**
   * The object's path on this machine when the store is a local directory, so FFmpeg can read it
   * in place; undefined for remote stores (callers then download()).
   */
  localPath(key: string): string | undefined;
  /** A cheap check for /readyz. */
  ping(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  override readonly name = "ObjectNotFoundError";
  readonly key: string;
  constructor(key: string) {
    super(`object not found: ${key}`);
    this.key = key;
  }
}

export class InvalidObjectKeyError extends Error {
  override readonly name = "InvalidObjectKeyError";
  constructor(key: string) {
    super(`invalid object key: ${JSON.stringify(key)}`);
  }
}

/** A byte range that starts beyond the object's end or is reversed (S3 answers 416 InvalidRange). */
export class InvalidRangeError extends Error {
  override readonly name = "InvalidRangeError";
  readonly key: string;
  constructor(key: string, range: { start: number; end?: number }) {
    super(`invalid byte range ${range.start}-${range.end ?? ""} for object ${key}`);
    this.key = key;
  }
}
