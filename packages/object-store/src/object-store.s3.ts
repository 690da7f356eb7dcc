import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { retry } from "@video-service/retry";
import { assertDirectoryPrefix, assertListPrefix, assertObjectKey, assertRange } from "./keys.ts";
import { InvalidRangeError, type ObjectInfo, ObjectNotFoundError, type ObjectStore } from "./object-store.ts";
import { isTransientSdkError, StorageUnavailableError } from "./storage-errors.ts";

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (MinIO, s3rver); omit for AWS. */
  endpoint?: string;
  /** Path-style URLs (http://host/bucket/key), which local S3 emulators need. */
  forcePathStyle?: boolean;
  /** Static credentials; omit to use the default chain (the ECS task role in AWS). */
  credentials?: S3ClientConfig["credentials"];
  /** A ready client (tests, or shared configuration); the options above are then ignored. */
  client?: S3Client;
  /** putFile() switches to a multipart upload above this size. Default 256 MiB. */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (S3's minimum is 5 MiB). Default 64 MiB. */
  partSizeBytes?: number;
  /** Keys per ListObjectsV2 page (MaxKeys). Default 1000, S3's maximum. */
  listPageSize?: number;
  /**
   * Deadline of one call (the SDK's own retries included) for everything but file transfers, which
   * are bounded by the socket's idle timeout instead (a large upload may take minutes). Default 30 s.
   */
  operationTimeoutMs?: number;
  /** A connection must open within this, and a socket may stay silent at most `idleTimeoutMs`. */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

const MIB = 1024 * 1024;
/** S3 allows at most 10,000 parts per upload. */
const MAX_PARTS = 10_000;
/** The SDK never retries a request whose body is a stream, so file uploads retry here, reopening the file. */
const FILE_UPLOAD_RETRIES = 2;
/** A file transfer's whole budget: generous, since the idle timeout catches a stalled one much sooner. */
const FILE_TRANSFER_TIMEOUT_MS = 30 * 60_000;
/** DeleteObject calls in flight at once during deletePrefix(). */
const DELETE_CONCURRENCY = 8;

/**
 * The production store. Checksums are only computed when an operation requires them: the SDK's
 * default (CRC32 with aws-chunked framing on streamed uploads) is not understood by every
 * S3-compatible server, and s3rver stores the framing inside the object (jamhall/s3rver#534).
 * A PUT is atomic on S3, so readers never see a partial object.
 */
export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const { bucket } = options;
  const client =
    options.client ??
    new S3Client({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // The SDK's standard retry mode (3 attempts, backoff with jitter, S3's own throttling codes) is
      // kept: it is bounded, and it knows S3's retryable errors better than a generic rule would.
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 5_000,
        socketTimeout: options.idleTimeoutMs ?? 30_000,
      },
    });
  const operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
  /**
   * Every call goes through here: a deadline (an abort signal, which the SDK passes to the socket)
   * and transient failures reported as StorageUnavailableError, so callers can wait them out.
   */
  const send = async <T>(
    operation: string,
    call: (abortSignal: AbortSignal) => Promise<T>,
    timeoutMs = operationTimeoutMs,
  ): Promise<T> => {
    const abortSignal = AbortSignal.timeout(timeoutMs);
    try {
      return await call(abortSignal);
    } catch (err) {
      if (abortSignal.aborted || isTransientSdkError(err)) throw new StorageUnavailableError(operation, err);
      throw err;
    }
  };
  const multipartThreshold = options.multipartThresholdBytes ?? 256 * MIB;
  const configuredPartSize = Math.max(options.partSizeBytes ?? 64 * MIB, 5 * MIB);
  const listPageSize = options.listPageSize ?? 1000;

  const getObject = async (key: string, range?: { start: number; end?: number }) => {
    try {
      const response = await send(`GET ${key}`, (abortSignal) =>
        client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end ?? ""}` }),
          }),
          // The deadline covers the answer's headers; the body is bounded by the idle timeout.
          { abortSignal },
        ),
      );
      if (!(response.Body instanceof Readable)) throw new Error(`S3 GetObject returned no stream for ${key}`);
      return { body: response.Body, contentType: response.ContentType };
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      if (range !== undefined && statusOf(err) === 416) throw new InvalidRangeError(key, range);
      throw err;
    }
  };

  const uploadSingle = async (key: string, filePath: string, size: number, contentType: string | undefined) => {
    await retryFileUpload(`PUT ${key}`, (abortSignal) =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: createReadStream(filePath),
          ContentLength: size,
          ...(contentType === undefined ? {} : { ContentType: contentType }),
        }),
        { abortSignal },
      ),
    );
  };

  const uploadMultipart = async (key: string, filePath: string, size: number, contentType: string | undefined) => {
    const partSize = Math.max(configuredPartSize, Math.ceil(size / MAX_PARTS));
    const { UploadId } = await send(`multipart upload of ${key}`, (abortSignal) =>
      client.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ...(contentType === undefined ? {} : { ContentType: contentType }),
        }),
        { abortSignal },
      ),
    );
    if (UploadId === undefined) throw new Error(`S3 CreateMultipartUpload returned no UploadId for ${key}`);
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let offset = 0, partNumber = 1; offset < size; offset += partSize, partNumber++) {
        const end = Math.min(offset + partSize, size) - 1;
        const { ETag } = await retryFileUpload(`part ${partNumber} of ${key}`, (abortSignal) =>
          client.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId,
              PartNumber: partNumber,
              Body: createReadStream(filePath, { start: offset, end }),
              ContentLength: end - offset + 1,
            }),
            { abortSignal },
          ),
        );
        if (ETag === undefined) throw new Error(`S3 UploadPart returned no ETag for ${key} part ${partNumber}`);
        parts.push({ ETag, PartNumber: partNumber });
      }
      await send(`completing the upload of ${key}`, (abortSignal) =>
        client.send(
          new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
          { abortSignal },
        ),
      );
    } catch (err) {
      // Parts of an abandoned upload are billed until aborted (the bucket's lifecycle rule is the backstop).
      await send(`aborting the upload of ${key}`, (abortSignal) =>
        client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }), { abortSignal }),
      ).catch(() => {});
      throw err;
    }
  };

  const listAll = async function* (prefix: string): AsyncGenerator<ObjectInfo> {
    let ContinuationToken: string | undefined;
    do {
      const page = await send(`listing ${prefix}`, (abortSignal) =>
        client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            MaxKeys: listPageSize,
            ...(ContinuationToken === undefined ? {} : { ContinuationToken }),
          }),
          { abortSignal },
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0 };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  };

  return {
    async put(key, body, putOptions) {
      assertObjectKey(key);
      const data = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      await send(`PUT ${key}`, (abortSignal) =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: data,
            ContentLength: data.byteLength,
            ...(putOptions?.contentType === undefined ? {} : { ContentType: putOptions.contentType }),
          }),
          { abortSignal },
        ),
      );
    },

    async putFile(key, filePath, putOptions) {
      assertObjectKey(key);
      const { size } = await stat(filePath);
      const contentType = putOptions?.contentType;
      if (size > multipartThreshold) await uploadMultipart(key, filePath, size, contentType);
      else await uploadSingle(key, filePath, size, contentType);
    },

    async get(key) {
      assertObjectKey(key);
      const { body } = await getObject(key);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks);
    },

    async getStream(key, range) {
      assertObjectKey(key);
      assertRange(key, range);
      const { body } = await getObject(key, range);
      return body;
    },

    async download(key, filePath) {
      assertObjectKey(key);
      const { body } = await getObject(key);
      const target = path.resolve(filePath);
      await mkdir(path.dirname(target), { recursive: true });
      const tempPath = `${target}.${randomBytes(6).toString("hex")}.part`;
      try {
        await pipeline(body, createWriteStream(tempPath, { flags: "wx" }));
        await rename(tempPath, target);
      } catch (err) {
        await rm(tempPath, { force: true });
        throw err;
      }
    },

    async head(key) {
      assertObjectKey(key);
      try {
        const response = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal: AbortSignal.timeout(operationTimeoutMs),
        });
        return {
          key,
          size: response.ContentLength ?? 0,
          ...(response.ContentType === undefined ? {} : { contentType: response.ContentType }),
        };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (isTransientSdkError(err)) throw new StorageUnavailableError(`HEAD ${key}`, err);
        throw err;
      }
    },

    async delete(key) {
      assertObjectKey(key);
      await send(`DELETE ${key}`, (abortSignal) =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }),
      );
    },

    async deletePrefix(prefix) {
      assertDirectoryPrefix(prefix);
      // One DeleteObject per key rather than DeleteObjects: the batch call requires a checksum
      // header that some S3-compatible servers reject (aws/aws-sdk-js-v3#6819, #6920).
      let count = 0;
      let batch: string[] = [];
      const flush = async () => {
        await Promise.all(
          batch.map((Key) =>
            send(`DELETE ${Key}`, (abortSignal) =>
              client.send(new DeleteObjectCommand({ Bucket: bucket, Key }), { abortSignal }),
            ),
          ),
        );
        count += batch.length;
        batch = [];
      };
      for await (const object of listAll(prefix)) {
        batch.push(object.key);
        if (batch.length >= DELETE_CONCURRENCY) await flush();
      }
      await flush();
      return count;
    },

    async list(prefix) {
      assertListPrefix(prefix);
      const found: ObjectInfo[] = [];
      for await (const object of listAll(prefix)) found.push(object);
      return found;
    },

    async signedUrl(key, expiresInSeconds) {
      assertObjectKey(key);
      if (!Number.isFinite(expiresInSeconds) || expiresInSeconds <= 0) {
        throw new RangeError("expiresInSeconds must be a positive number");
      }
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: Math.ceil(expiresInSeconds),
      });
    },

    localPath(key) {
      assertObjectKey(key);
      return undefined;
    },

    async ping() {
      await send(`HEAD bucket ${bucket}`, (abortSignal) =>
        client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal }),
      );
    },
  };
}

interface SdkErrorShape {
  name?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return typeof err === "object" && err !== null ? (err as SdkErrorShape).$metadata?.httpStatusCode : undefined;
}

/** NoSuchKey from GET, a bodiless 404 ("NotFound") from HEAD; a missing bucket is not a missing object. */
function isNotFound(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const name = (err as SdkErrorShape).name;
  if (name === "NoSuchKey" || name === "NotFound") return true;
  return statusOf(err) === 404 && name !== "NoSuchBucket";
}

/**
 * A file upload with a few retries of its own (the SDK cannot replay a stream; the file is reopened),
 * through the shared retry loop, under the file-transfer deadline.
 */
function retryFileUpload<T>(operation: string, attempt: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  return retry(
    async () => {
      const abortSignal = AbortSignal.timeout(FILE_TRANSFER_TIMEOUT_MS);
      try {
        return await attempt(abortSignal);
      } catch (err) {
        if (abortSignal.aborted || isTransientSdkError(err)) throw new StorageUnavailableError(operation, err);
        throw err;
      }
    },
    {
      retries: FILE_UPLOAD_RETRIES,
      classify: (err) => ({ retry: err instanceof StorageUnavailableError }),
    },
  );
}
