import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createObjectStore } from "./create-object-store.ts";
import { contentTypeForKey, createLocalObjectStore } from "./object-store.local.ts";
import type { ObjectStore } from "./object-store.ts";
import { verifySignedUrl } from "./signed-url.ts";
import { describeObjectStoreContract } from "./testing/object-store.contract.ts";

const SECRET = "local-signing-secret";
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const BASE_URL = "http://localhost:3000";

describeObjectStoreContract("local directory", async () => {
  const root = await mkdtemp(path.join(tmpdir(), "object-store-local-"));
  return {
    store: createLocalObjectStore({ root, signingSecret: SECRET, publicBaseUrl: BASE_URL }),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
});

/** Every file under a directory, relative, including hidden ones. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe("local object store", () => {
  let root: string;
  let store: ObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "object-store-local-"));
    store = createLocalObjectStore({ root, signingSecret: SECRET, publicBaseUrl: `${BASE_URL}/` });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("maps keys to files under root, and localPath to their absolute path", async () => {
    await store.put("videos/short/job1.mp4", "mp4 bytes");
    const localPath = store.localPath("videos/short/job1.mp4");
    expect(localPath).toBe(path.join(root, "videos", "short", "job1.mp4"));
    expect(await readFile(localPath as string, "utf8")).toBe("mp4 bytes");
  });

  // On S3 a PUT is atomic by itself; s3rver's file store is not, so this lives here, not in the contract.
  it("never lets a reader see a partly written object while it is overwritten", async () => {
    const size = 512 * 1024;
    const versions = [Buffer.alloc(size, "a"), Buffer.alloc(size, "b")];
    const hashes = new Set(versions.map(sha256));
    await store.put("atomic/object.bin", versions[0] as Buffer);
    const writes = (async () => {
      for (let i = 1; i <= 12; i++) await store.put("atomic/object.bin", versions[i % 2] as Buffer);
    })();
    const reads = (async () => {
      for (let i = 0; i < 24; i++) {
        const body = await store.get("atomic/object.bin");
        expect(body.length).toBe(size);
        expect(hashes.has(sha256(body))).toBe(true);
      }
    })();
    await Promise.all([writes, reads]);
  });

  it("leaves no temp files behind after writes, overwrites and failed writes", async () => {
    await store.put("a/one.txt", "1");
    await store.put("a/one.txt", "2");
    const source = path.join(root, "..", `${path.basename(root)}-source.txt`);
    await writeFile(source, "file");
    try {
      await store.putFile("a/two.txt", source);
    } finally {
      await rm(source, { force: true });
    }
    await expect(store.putFile("a/three.txt", path.join(root, "missing"))).rejects.toThrow();
    expect(await filesUnder(root)).toEqual(["a/one.txt", "a/two.txt"]);
  });

  it("does not list in-progress temp files or subtrees being deleted", async () => {
    await store.put("a/visible.txt", "v");
    await writeFile(path.join(root, "a", ".visible.txt.123abc.tmp"), "partial");
    await writeFile(path.join(root, "a", ".job1.123abc.deleting"), "doomed");
    expect((await store.list("a/")).map((o) => o.key)).toEqual(["a/visible.txt"]);
  });

  it("deletePrefix removes the directory subtree from disk", async () => {
    await store.put("images/temp/job1/a.png", "a");
    await store.put("images/temp/job1/nested/b.png", "b");
    expect(await store.deletePrefix("images/temp/job1/")).toBe(2);
    expect(await readdir(path.join(root, "images", "temp"))).toEqual([]);
  });

  it("treats a directory as no object", async () => {
    await store.put("dir/child.txt", "c");
    await expect(store.get("dir")).rejects.toThrow(/not found/);
    await expect(store.getStream("dir")).rejects.toThrow(/not found/);
    expect(await store.head("dir")).toBeUndefined();
    await store.delete("dir");
    expect(await store.get("dir/child.txt")).toEqual(Buffer.from("c"));
  });

  it("derives content types from the key's extension", async () => {
    await store.put("videos/long/job.mp4", "x");
    expect(await store.head("videos/long/job.mp4")).toEqual({
      key: "videos/long/job.mp4",
      size: 1,
      contentType: "video/mp4",
    });
    expect(contentTypeForKey("images/cache/abc.png")).toBe("image/png");
    expect(contentTypeForKey("videos/short/j.jpg")).toBe("image/jpeg");
    expect(contentTypeForKey("unknown/file.xyz")).toBe("application/octet-stream");
  });

  it("serves only regular files (a symlink to a directory outside root is not listed as objects)", async () => {
    const outside = await mkdtemp(path.join(tmpdir(), "object-store-outside-"));
    try {
      await writeFile(path.join(outside, "secret.txt"), "secret");
      await store.put("a/ok.txt", "ok");
      await symlink(outside, path.join(root, "a", "link"));
      expect((await store.list("a/")).map((o) => o.key)).toEqual(["a/ok.txt"]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it("ping creates the root and checks it is writable", async () => {
    const fresh = path.join(root, "not-yet");
    const freshStore = createLocalObjectStore({ root: fresh, signingSecret: SECRET, publicBaseUrl: BASE_URL });
    await freshStore.ping();
    expect(await readdir(fresh)).toEqual([]);
  });

  it("refuses an empty root or signing secret", () => {
    expect(() => createLocalObjectStore({ root: "", signingSecret: SECRET, publicBaseUrl: BASE_URL })).toThrow();
    expect(() => createLocalObjectStore({ root, signingSecret: "", publicBaseUrl: BASE_URL })).toThrow();
  });

  describe("signed URLs", () => {
    const parse = (url: string) => {
      const parsed = new URL(url);
      return {
        origin: parsed.origin,
        key: decodeURIComponent(parsed.pathname.replace(/^\/files\//, "")),
        expires: parsed.searchParams.get("expires"),
        sig: parsed.searchParams.get("sig"),
      };
    };

    it("have the documented shape and verify with the secret until they expire", async () => {
      const before = Math.floor(Date.now() / 1000);
      const url = await store.signedUrl("videos/short/job1.mp4", 600);
      expect(url).toMatch(/^http:\/\/localhost:3000\/files\/videos\/short\/job1\.mp4\?expires=\d+&sig=[0-9a-f]{64}$/);
      const { key, expires, sig } = parse(url);
      expect(Number(expires)).toBeGreaterThanOrEqual(before + 600);
      expect(Number(expires)).toBeLessThanOrEqual(before + 601);

      expect(verifySignedUrl({ key, expires, sig, secret: SECRET })).toBe(true);
      const expiresMs = Number(expires) * 1000;
      expect(verifySignedUrl({ key, expires, sig, secret: SECRET, now: expiresMs - 1 })).toBe(true);
      expect(verifySignedUrl({ key, expires, sig, secret: SECRET, now: expiresMs })).toBe(false);
      expect(verifySignedUrl({ key, expires, sig, secret: SECRET, now: expiresMs + 60_000 })).toBe(false);
    });

    it("reject tampering with the key, the expiry, the signature or the secret", async () => {
      const { key, expires, sig } = parse(await store.signedUrl("videos/short/job1.mp4", 600));
      const s = sig as string;
      const flipped = `${s.slice(0, -1)}${s.endsWith("0") ? "1" : "0"}`;
      expect(verifySignedUrl({ key: "videos/short/job2.mp4", expires, sig, secret: SECRET })).toBe(false);
      expect(verifySignedUrl({ key, expires: String(Number(expires) + 3600), sig, secret: SECRET })).toBe(false);
      expect(verifySignedUrl({ key, expires: `0${expires}`, sig, secret: SECRET })).toBe(false);
      expect(verifySignedUrl({ key, expires, sig: flipped, secret: SECRET })).toBe(false);
      expect(verifySignedUrl({ key, expires, sig: s.toUpperCase(), secret: SECRET })).toBe(false);
      expect(verifySignedUrl({ key, expires, sig: s.slice(0, 32), secret: SECRET })).toBe(false);
      expect(verifySignedUrl({ key, expires, sig, secret: "another-secret" })).toBe(false);
      expect(verifySignedUrl({ key, expires: null, sig, secret: SECRET })).toBe(false);
      expect(verifySignedUrl({ key, expires: "soon", sig, secret: SECRET })).toBe(false);
      expect(verifySignedUrl({ key, expires, sig: undefined, secret: SECRET })).toBe(false);
      expect(verifySignedUrl({ key: "../etc/passwd", expires, sig, secret: SECRET })).toBe(false);
    });
  });

  it("createObjectStore builds the local adapter from a discriminated config", async () => {
    const viaFactory = createObjectStore({ kind: "local", root, signingSecret: SECRET, publicBaseUrl: BASE_URL });
    await viaFactory.put("f/x.txt", "x");
    expect(await store.get("f/x.txt")).toEqual(Buffer.from("x"));
    expect(viaFactory.localPath("f/x.txt")).toBe(path.join(root, "f", "x.txt"));
  });
});
