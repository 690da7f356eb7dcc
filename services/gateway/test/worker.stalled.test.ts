import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { storageKeys } from "@video-service/contracts";
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { VideoWorker, WorkerDeps } from "../src/video.worker.ts";
import { type Harness, startExtraWorker, startHarness, textStory } from "./harness.ts";
import type { WorkerProcessOptions } from "./worker-process.ts";

interface JobBody {
  id: string;
  status: string;
  stage: string | null;
  error?: { stage: string | null; title: string; detail: string; retryable: boolean };
  stages: Record<string, { status: string; attempts: number }>;
}

/** The dead worker's lock lapses after this; the surviving worker checks for stalled jobs this often. */
const LOCK_DURATION_MS = 1500;
const STALLED_INTERVAL_MS = 200;

describe("a worker that dies mid-job", () => {
  let h: Harness;
  const children: ChildProcess[] = [];
  const workers: VideoWorker[] = [];

  beforeAll(async () => {
    // No worker in the gateway itself: the job runs in a child process, then in a worker of the test.
    h = await startHarness({ runWorker: false });
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.close();
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  afterAll(async () => {
    await h?.close();
  });

  const get = async (id: string) => (await (await h.call("GET", `/v1/videos/${id}`)).json()) as JobBody;

  /** Starts a worker process, lets it run a job into the render stage, and kills it there (SIGKILL). */
  const crashDuringRender = async (title: string, webhookUrl?: string): Promise<JobBody> => {
    h.renderer.behaviour.render = "hang";
    const options: WorkerProcessOptions = {
      redisUrl: h.config.REDIS_URL,
      queueName: h.config.QUEUE_NAME,
      storageDir: h.storageDir,
      signingSecret: h.config.STORAGE_SIGNING_SECRET ?? "",
      publicBaseUrl: h.config.PUBLIC_BASE_URL,
      imagegenUrl: h.imagegen.url,
      rendererUrl: h.renderer.url,
      internalToken: h.config.INTERNAL_TOKEN,
      webhookSecret: h.config.WEBHOOK_SECRET[0] ?? "",
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
    };
    const child = spawn(
      process.execPath,
      [path.join(import.meta.dirname, "worker-process.ts"), JSON.stringify(options)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    children.push(child);
    const [ready] = (await once(child.stdout!, "data")) as [Buffer];
    expect(ready.toString()).toContain("ready");

    const renders = h.renderer.calls.render;
    const created = (await (
      await h.call("POST", "/v1/videos", {
        ...textStory(title),
        ...(webhookUrl ? { webhook: { url: webhookUrl } } : {}),
      })
    ).json()) as { id: string };
    await expect.poll(() => h.renderer.calls.render, { timeout: 20_000 }).toBe(renders + 1);
    child.kill("SIGKILL");
    await once(child, "exit");

    const crashed = await get(created.id);
    // What a dead worker leaves behind: the record still says it runs the render.
    expect(crashed.status).toBe("running");
    expect(crashed.stages.render?.status).toBe("running");
    expect(crashed.stages.narration?.status).toBe("succeeded");
    expect(crashed.stages.visuals?.status).toBe("succeeded");
    expect(await h.store.list(storageKeys.tempAudioPrefix(created.id))).not.toHaveLength(0);
    h.renderer.behaviour.render = "ok";
    return crashed;
  };

  const startWorker = async (options: Partial<WorkerDeps>): Promise<VideoWorker> => {
    const worker = await startExtraWorker(h, { failedRetentionSeconds: 3600, ...options });
    workers.push(worker);
    return worker;
  };

  it("is found stalled by another worker, which resumes the job at the stage that was running", async () => {
    const crashed = await crashDuringRender("Crashed while rendering");
    const speechCalls = h.renderer.calls.speech;
    const cardCalls = h.imagegen.calls.cards;

    await startWorker({
      stalledJobs: { lockDuration: LOCK_DURATION_MS, stalledInterval: STALLED_INTERVAL_MS, maxStalledCount: 1 },
    });
    const done = await h.waitForStatus<JobBody>(crashed.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    // Narration and visuals were not redone; the render ran again, and nothing is left "running".
    expect(h.renderer.calls.speech).toBe(speechCalls);
    expect(h.imagegen.calls.cards).toBe(cardCalls);
    expect(done.stages.narration?.attempts).toBe(1);
    expect(done.stages.visuals?.attempts).toBe(1);
    expect(done.stages.render).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(Object.values(done.stages).filter((stage) => stage.status === "running")).toEqual([]);
  });

  it("is failed with a clear error when BullMQ gives up on it, keeping its temp objects for a retry", async () => {
    // A webhook receiver on a real port: it hears every ending of the job.
    const heard: string[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      req.on("end", () => {
        heard.push((JSON.parse(body) as { data: { status: string } }).data.status);
        res.writeHead(204).end();
      });
    });
    receiver.listen(0, "127.0.0.1");
    await once(receiver, "listening");
    onTestFinished(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const { port } = receiver.address() as AddressInfo;

    const crashed = await crashDuringRender("Crashed too often", `http://127.0.0.1:${port}/hook`);
    const speechCalls = h.renderer.calls.speech;

    // maxStalledCount 0: the first stall is one too many, and BullMQ fails the job.
    await startWorker({
      stalledJobs: { lockDuration: LOCK_DURATION_MS, stalledInterval: STALLED_INTERVAL_MS, maxStalledCount: 0 },
    });
    const failed = await h.waitForStatus<JobBody>(crashed.id, ["succeeded", "failed"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ stage: "render", title: "The job stopped", retryable: true });
    expect(failed.error?.detail).toContain("stalled");
    expect(Object.values(failed.stages).filter((stage) => stage.status === "running")).toEqual([]);
    expect(failed.stages.render?.status).toBe("failed");
    await expect.poll(() => heard).toEqual(["failed"]);

    // FAILED_JOB_RETENTION_SECONDS (3600 here): the temp objects stay, their removal is scheduled after it.
    expect(await h.store.list(storageKeys.tempAudioPrefix(crashed.id))).not.toHaveLength(0);
    const cleanupAt = Number(await h.redis.zscore("vs:temp-cleanup", crashed.id));
    expect(cleanupAt).toBeGreaterThan(Date.now());
    expect(cleanupAt).toBeLessThanOrEqual(Date.now() + 3600 * 1000);

    // So a retry resumes without speaking again, and succeeds.
    expect((await h.call("POST", `/v1/videos/${crashed.id}/retry`)).status).toBe(202);
    const retried = await h.waitForStatus<JobBody>(crashed.id, ["succeeded", "failed"]);
    expect(retried.status).toBe("succeeded");
    expect(h.renderer.calls.speech).toBe(speechCalls);
    expect(retried.stages.narration?.attempts).toBe(1);
    expect(await h.store.list(storageKeys.tempAudioPrefix(crashed.id))).toHaveLength(0);
    await expect.poll(() => heard).toEqual(["failed", "succeeded"]);
  });
});
