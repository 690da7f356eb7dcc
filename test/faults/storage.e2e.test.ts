/**
 * Storage failing writes: the three services store into a real S3-protocol server (s3rver) through
 * a proxy that fails PUTs — all of them for a while, then one in three. Jobs wait out the outage
 * instead of failing, and what a succeeded job presents is whole.
 */
import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { type RunningS3rver, S3RVER_CREDENTIALS, startS3rver } from "@video-service/object-store/testing/s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../../scripts/lib/stack.ts";
import { type FailingS3Proxy, startFailingS3Proxy } from "./failing-s3-proxy.ts";
import { type Api, createJob, ended, type Job, waitForJob } from "./fault-helpers.ts";

const run = promisify(execFile);
const BUCKET = "faults";

describe("faults: storage failing writes", () => {
  let s3: RunningS3rver;
  let proxy: FailingS3Proxy;
  let stack: Stack;
  let dataDir: string;
  let api: Api;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "vs-faults-s3-"));
    s3 = await startS3rver({ buckets: [BUCKET] });
    proxy = await startFailingS3Proxy(s3.endpoint);
    stack = await startStack({
      dataDir,
      logLevel: "warn",
      env: {
        S3_BUCKET: BUCKET,
        S3_ENDPOINT: proxy.url,
        S3_FORCE_PATH_STYLE: "true",
        S3_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        JOB_ATTEMPTS: "3",
        JOB_BACKOFF_MS: "500",
        DEPENDENCY_BACKOFF_MAX_MS: "1000",
        DEPENDENCY_CHECK_INTERVAL_MS: "300",
      },
    });
    api = { url: stack.gatewayUrl, apiKey: stack.apiKey };
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
    await s3?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("waits out a write outage, survives one failed write in three, and presents only whole objects", async () => {
    proxy.outage = true;
    const id = await createJob(api, "The storage fell over while I was making this");
    const seen: Job[] = [];
    const until = Date.now() + 8000;
    while (Date.now() < until) {
      seen.push(await waitForJob(api, id, () => true));
      await sleep(250);
    }
    // The outage failed writes (the first stage's narration cannot be stored) but not the job.
    expect(proxy.failed).toBeGreaterThan(0);
    expect(seen.filter((job) => ended(job))).toEqual([]);

    proxy.outage = false;
    proxy.failEvery = 3;
    const failedBefore = proxy.failed;
    const done = await waitForJob(api, id, ended, { seen });
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(proxy.failed).toBeGreaterThan(failedBefore);

    // What the job presents is whole: the video's size is what was rendered, it decodes, and the
    // thumbnail and metadata are there.
    const outputs = done.outputs;
    if (!outputs?.metadata || !outputs.thumbnail) throw new Error(`no outputs: ${JSON.stringify(done)}`);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: outputs.video.key }));
    expect(head.ContentLength).toBe(outputs.video.sizeBytes);
    const local = join(dataDir, "video.mp4");
    const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: outputs.video.key }));
    await pipeline(object.Body as Readable, createWriteStream(local));
    const { stdout } = await run("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", local]);
    const duration = Number((JSON.parse(stdout) as { format: { duration: string } }).format.duration);
    expect(Math.abs(duration - outputs.video.durationSeconds)).toBeLessThan(0.2);
    const metadata = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: outputs.metadata.key }));
    expect(
      JSON.parse(await (metadata.Body as Readable & { transformToString(): Promise<string> }).transformToString()),
    ).toMatchObject({ id });
    const thumbnail = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: outputs.thumbnail.key }));
    expect(thumbnail.ContentLength).toBeGreaterThan(1000);
    expect(await readFile(local).then((bytes) => bytes.length)).toBe(outputs.video.sizeBytes);
  }, 300_000);
});
