import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidObjectKeyError, InvalidRangeError, ObjectNotFoundError, type ObjectStore } from "../object-store.ts";

export interface ContractFixture {
  store: ObjectStore;
  dispose?: () => Promise<void>;
}

/** Keys that must be refused everywhere: traversal, absolute paths, empty segments, backslashes, hidden names. */
export const INVALID_KEYS = [
  "../x",
  "a/../../x",
  "/etc/passwd",
  "a//b",
  "",
  "a/",
  "./a",
  "a\\b",
  ".hidden",
  "a/..",
  "images/temp/../../../etc/passwd",
];

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * The behaviour every ObjectStore adapter must share, run against each adapter so they cannot
 * drift. `createStore` is called before every test and must return an empty store.
 */
export function describeObjectStoreContract(name: string, createStore: () => Promise<ContractFixture>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: ContractFixture;
    let store: ObjectStore;
    let work: string;

    beforeEach(async () => {
      fixture = await createStore();
      store = fixture.store;
      work = await mkdtemp(path.join(tmpdir(), "object-store-contract-"));
    });

    afterEach(async () => {
      await fixture.dispose?.();
      await rm(work, { recursive: true, force: true });
    });

    it("round-trips Buffer, Uint8Array and string bodies, and overwrites", async () => {
      await store.put("a/buffer.bin", Buffer.from([0, 1, 2, 255]));
      await store.put("a/array.bin", new Uint8Array([9, 8, 7]));
      await store.put("a/text.txt", "héllo", { contentType: "text/plain" });
      expect(await store.get("a/buffer.bin")).toEqual(Buffer.from([0, 1, 2, 255]));
      expect(await store.get("a/array.bin")).toEqual(Buffer.from([9, 8, 7]));
      expect((await store.get("a/text.txt")).toString("utf8")).toBe("héllo");
      expect(await store.head("a/text.txt")).toMatchObject({ key: "a/text.txt", size: Buffer.byteLength("héllo") });

      await store.put("a/text.txt", "replaced");
      expect((await store.get("a/text.txt")).toString()).toBe("replaced");

      await store.put("a/empty.bin", Buffer.alloc(0));
      expect(await store.get("a/empty.bin")).toEqual(Buffer.alloc(0));
      expect(await store.head("a/empty.bin")).toMatchObject({ size: 0 });
    });

    it("reports absent objects: get/getStream/download throw ObjectNotFoundError, head is undefined", async () => {
      await expect(store.get("missing/object.bin")).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.getStream("missing/object.bin")).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.download("missing/object.bin", path.join(work, "out.bin"))).rejects.toBeInstanceOf(
        ObjectNotFoundError,
      );
      expect(await store.head("missing/object.bin")).toBeUndefined();
      await store.delete("missing/object.bin");
      expect(await store.deletePrefix("missing/")).toBe(0);
      expect(await store.list("missing/")).toEqual([]);
    });

    it("deletes objects", async () => {
      await store.put("d/one.txt", "1");
      await store.delete("d/one.txt");
      expect(await store.head("d/one.txt")).toBeUndefined();
      await expect(store.get("d/one.txt")).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it.each(INVALID_KEYS)("refuses the key %j in every method", async (key) => {
      const isInvalidKey = (promise: Promise<unknown>) => expect(promise).rejects.toBeInstanceOf(InvalidObjectKeyError);
      const source = path.join(work, "source.txt");
      await writeFile(source, "x");
      await isInvalidKey(store.put(key, "x"));
      await isInvalidKey(store.putFile(key, source));
      await isInvalidKey(store.get(key));
      await isInvalidKey(store.getStream(key));
      await isInvalidKey(store.download(key, path.join(work, "out")));
      await isInvalidKey(store.head(key));
      await isInvalidKey(store.delete(key));
      await isInvalidKey(store.signedUrl(key, 60));
      expect(() => store.localPath(key)).toThrow(InvalidObjectKeyError);
    });

    it.each(["", "a", "../", "/abs/", "a//", "a/../"])("refuses the deletePrefix prefix %j", async (prefix) => {
      await store.put("a/keep.txt", "keep");
      await expect(store.deletePrefix(prefix)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      expect(await store.get("a/keep.txt")).toEqual(Buffer.from("keep"));
    });

    it.each(["../", "/etc/", "a//b", "./"])("refuses the list prefix %j", async (prefix) => {
      await expect(store.list(prefix)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    });

    it("streams byte ranges (inclusive), open-ended and clamped at the end", async () => {
      await store.put("r/digits.txt", "0123456789");
      const read = async (range?: { start: number; end?: number }) =>
        (await readAll(await store.getStream("r/digits.txt", range))).toString();
      expect(await read()).toBe("0123456789");
      expect(await read({ start: 0, end: 3 })).toBe("0123");
      expect(await read({ start: 4, end: 4 })).toBe("4");
      expect(await read({ start: 7 })).toBe("789");
      expect(await read({ start: 8, end: 100 })).toBe("89");
    });

    it("refuses ranges that start past the end or are reversed", async () => {
      await store.put("r/digits.txt", "0123456789");
      await expect(store.getStream("r/digits.txt", { start: 10 })).rejects.toBeInstanceOf(InvalidRangeError);
      await expect(store.getStream("r/digits.txt", { start: 5, end: 2 })).rejects.toBeInstanceOf(InvalidRangeError);
      await expect(store.getStream("r/digits.txt", { start: -1 })).rejects.toBeInstanceOf(InvalidRangeError);
    });

    it("uploads a multi-megabyte file and reads back the same bytes through get, getStream and download", async () => {
      const data = randomBytes(12 * 1024 * 1024 + 123);
      const source = path.join(work, "big.bin");
      await writeFile(source, data);
      await store.putFile("videos/short/job-big.mp4", source, { contentType: "video/mp4" });

      expect(await store.head("videos/short/job-big.mp4")).toMatchObject({ size: data.length });
      expect(sha256(await store.get("videos/short/job-big.mp4"))).toBe(sha256(data));
      expect(sha256(await readAll(await store.getStream("videos/short/job-big.mp4")))).toBe(sha256(data));
      const tail = await readAll(await store.getStream("videos/short/job-big.mp4", { start: data.length - 1000 }));
      expect(tail).toEqual(data.subarray(data.length - 1000));

      const copy = path.join(work, "nested", "copy.mp4");
      await store.download("videos/short/job-big.mp4", copy);
      expect(sha256(await readFile(copy))).toBe(sha256(data));
    });

    it("uploads a small file with putFile", async () => {
      const source = path.join(work, "small.json");
      await writeFile(source, '{"ok":true}');
      await store.putFile("videos/short/job1.json", source, { contentType: "application/json" });
      expect((await store.get("videos/short/job1.json")).toString()).toBe('{"ok":true}');
    });

    it("leaves no object behind when putFile fails, and keeps the previous version", async () => {
      await expect(store.putFile("f/new.bin", path.join(work, "does-not-exist.bin"))).rejects.toThrow();
      expect(await store.head("f/new.bin")).toBeUndefined();
      expect(await store.list("f/")).toEqual([]);

      await store.put("f/existing.bin", "old");
      await expect(store.putFile("f/existing.bin", path.join(work, "does-not-exist.bin"))).rejects.toThrow();
      expect((await store.get("f/existing.bin")).toString()).toBe("old");
      expect((await store.list("f/")).map((o) => o.key)).toEqual(["f/existing.bin"]);
    });

    it("lists objects under a prefix, in key order, with sizes", async () => {
      await store.put("images/temp/job1/b.png", "bb");
      await store.put("images/temp/job1/a.png", "a");
      await store.put("images/temp/job1/sub/c.png", "ccc");
      await store.put("images/temp/job10/x.png", "x");
      await store.put("images/cache/abc.png", "z");

      const listed = await store.list("images/temp/job1/");
      expect(listed.map(({ key, size }) => ({ key, size }))).toEqual([
        { key: "images/temp/job1/a.png", size: 1 },
        { key: "images/temp/job1/b.png", size: 2 },
        { key: "images/temp/job1/sub/c.png", size: 3 },
      ]);
      // A prefix that is not a whole segment matches like S3's.
      expect((await store.list("images/temp/job1")).map((o) => o.key)).toEqual([
        "images/temp/job1/a.png",
        "images/temp/job1/b.png",
        "images/temp/job1/sub/c.png",
        "images/temp/job10/x.png",
      ]);
      expect((await store.list("")).length).toBe(5);
    });

    it("deletePrefix removes a subtree and nothing else, and counts what it removed", async () => {
      await store.put("audio/temp/job1/0.wav", "0");
      await store.put("audio/temp/job1/1.wav", "1");
      await store.put("audio/temp/job1/deep/2.wav", "2");
      await store.put("audio/temp/job10/keep.wav", "k");
      await store.put("audio/temp/job1.wav", "k");

      expect(await store.deletePrefix("audio/temp/job1/")).toBe(3);
      expect((await store.list("audio/")).map((o) => o.key)).toEqual([
        "audio/temp/job1.wav",
        "audio/temp/job10/keep.wav",
      ]);
      expect(await store.deletePrefix("audio/temp/job1/")).toBe(0);
      // The prefix can be written to again afterwards.
      await store.put("audio/temp/job1/again.wav", "again");
      expect((await store.get("audio/temp/job1/again.wav")).toString()).toBe("again");
    });

    it("issues signed URLs only for valid keys and positive lifetimes", async () => {
      await store.put("videos/short/job1.mp4", "video");
      expect(await store.signedUrl("videos/short/job1.mp4", 300)).toMatch(/^https?:\/\/.+videos\/short\/job1\.mp4\?/);
      await expect(store.signedUrl("videos/short/job1.mp4", 0)).rejects.toBeInstanceOf(RangeError);
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("writes download targets into directories it creates", async () => {
      await store.put("x/y.txt", "payload");
      const target = path.join(work, "a", "b", "y.txt");
      await store.download("x/y.txt", target);
      expect(await readFile(target, "utf8")).toBe("payload");
    });
  });
}
