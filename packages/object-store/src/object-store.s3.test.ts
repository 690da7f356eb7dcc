import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createObjectStore } from "./create-object-store.ts";
import { createS3ObjectStore } from "./object-store.s3.ts";
import type { ObjectStore } from "./object-store.ts";
import { describeObjectStoreContract } from "./testing/object-store.contract.ts";
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from "./testing/s3rver.ts";

const sha256 = (data: Buffer | Uint8Array) => createHash("sha256").update(data).digest("hex");

let s3: RunningS3rver;
let bucketCount = 0;

beforeAll(async () => {
  s3 = await startS3rver({ buckets: ["test"] });
});

afterAll(async () => {
  await s3?.stop();
});

// A fresh bucket per test keeps the contract's "empty store" promise; multipart is forced for
// the 12 MiB upload by a low threshold.
describeObjectStoreContract("S3 (s3rver)", async () => {
  const bucket = `contract-${++bucketCount}`;
  await s3.createBucket(bucket);
  return {
    store: createS3ObjectStore({
      bucket,
      region: "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      multipartThresholdBytes: 8 * 1024 * 1024,
      partSizeBytes: 5 * 1024 * 1024,
    }),
  };
});

describe("S3 object store", () => {
  let store: ObjectStore;
  let work: string;

  beforeEach(async () => {
    store = createObjectStore({
      kind: "s3",
      bucket: "test",
      region: "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    work = await mkdtemp(path.join(tmpdir(), "object-store-s3-"));
  });

  afterEach(async () => {
    await store.deletePrefix("s3/");
    await rm(work, { recursive: true, force: true });
  });

  it("streams a multi-megabyte file in one PUT and stores exactly its bytes (no aws-chunked framing)", async () => {
    const data = randomBytes(6 * 1024 * 1024 + 7);
    const source = path.join(work, "single.bin");
    await writeFile(source, data);
    await store.putFile("s3/single.bin", source);

    // Read back with a plain SDK call too, so the check does not depend on our own get().
    const raw = await s3.client.send(new GetObjectCommand({ Bucket: "test", Key: "s3/single.bin" }));
    const bytes = await raw.Body?.transformToByteArray();
    expect(bytes?.length).toBe(data.length);
    expect(sha256(bytes ?? new Uint8Array())).toBe(sha256(data));
    expect((await store.head("s3/single.bin"))?.size).toBe(data.length);
  });

  it("keeps the content type given at upload", async () => {
    await store.put("s3/page.json", '{"a":1}', { contentType: "application/json" });
    expect(await store.head("s3/page.json")).toEqual({ key: "s3/page.json", size: 7, contentType: "application/json" });
  });

  it("presigns URLs that download the object without credentials", async () => {
    await store.put("s3/video.mp4", "fake video bytes", { contentType: "video/mp4" });
    const url = await store.signedUrl("s3/video.mp4", 300);
    expect(url).toContain("X-Amz-Signature=");
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("fake video bytes");

    const tampered = url.replace("s3/video.mp4", "s3/other.mp4");
    expect((await fetch(tampered)).ok).toBe(false);
  });

  it("has no local path", () => {
    expect(store.localPath("s3/video.mp4")).toBeUndefined();
  });

  it("list and deletePrefix page through more objects than one listing returns", async () => {
    const paged = createS3ObjectStore({
      bucket: "test",
      region: "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      listPageSize: 3,
    });
    const keys = Array.from({ length: 11 }, (_, i) => `s3/many/${String(i).padStart(2, "0")}.txt`);
    await Promise.all(keys.map((key) => paged.put(key, "x")));
    await paged.put("s3/other.txt", "stay");
    expect((await paged.list("s3/many/")).map((o) => o.key)).toEqual(keys);
    expect(await paged.deletePrefix("s3/many/")).toBe(11);
    expect(await paged.list("s3/")).toEqual([{ key: "s3/other.txt", size: 4 }]);
  });

  it("ping fails for a bucket that does not exist", async () => {
    const missing = createS3ObjectStore({
      bucket: "no-such-bucket",
      region: "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    await expect(missing.ping()).rejects.toThrow();
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
