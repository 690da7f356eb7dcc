import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, textStory } from "./harness.ts";
import { readSseEvents } from "./sse.ts";

describe("video jobs: create, run, read, list", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("runs a text story to a succeeded job whose signed video URL downloads via /files", async () => {
    const created = await h.call("POST", "/v1/videos", textStory());
    expect(created.status).toBe(202);
    const accepted = (await created.json()) as { id: string; status: string; links: { self: string; events: string } };
    expect(accepted.status).toBe("queued");
    expect(created.headers.get("location")).toBe(`/v1/videos/${accepted.id}`);
    expect(accepted.links.events).toBe(`/v1/videos/${accepted.id}/events`);

    const job = (await h.waitForStatus(accepted.id, ["succeeded", "failed", "cancelled"])) as {
      status: string;
      progress: number;
      stage: string;
      stages: Record<string, { status: string; durationMs: number | null; attempts: number }>;
      outputs: {
        video: { key: string; url: string; sizeBytes: number; width: number; height: number; durationSeconds: number };
        thumbnail: { key: string; url: string };
        metadata: { key: string; url: string };
      };
    };
    expect(job.status).toBe("succeeded");
    expect(job.progress).toBe(1);
    for (const stage of ["source", "script", "narration", "visuals", "render"]) {
      expect(job.stages[stage]?.status).toBe("succeeded");
      expect(job.stages[stage]?.attempts).toBe(1);
      expect(job.stages[stage]?.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(job.stages.publish?.status).toBe("skipped");
    expect(job.outputs.video.key).toBe(`videos/short/${accepted.id}.mp4`);
    expect(job.outputs.video).toMatchObject({ width: 1080, height: 1920 });
    expect(job.outputs.thumbnail.key).toBe(`videos/short/${accepted.id}.jpg`);
    expect(job.outputs.metadata.key).toBe(`videos/short/${accepted.id}.json`);

    const download = await h.app.request(job.outputs.video.url);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("video/mp4");
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(job.outputs.video.sizeBytes);

    const head = await h.app.request(job.outputs.video.url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(bytes.length));
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    const unsatisfiable = await h.app.request(job.outputs.video.url, { headers: { range: `bytes=${bytes.length}-` } });
    expect(unsatisfiable.status).toBe(416);

    const ranged = await h.app.request(job.outputs.video.url, { headers: { range: "bytes=4-11" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 4-11/${bytes.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).toString("latin1")).toBe("ftypmp42");

    const metadata = JSON.parse(await (await h.app.request(job.outputs.metadata.url)).text()) as { id: string };
    expect(metadata.id).toBe(accepted.id);

    // Temp narration is gone once the job ends; the final objects stay.
    expect(await h.store.list(`audio/temp/${accepted.id}/`)).toEqual([]);
    expect(await h.store.head(job.outputs.thumbnail.key)).toBeDefined();
  });

  it("refuses a download URL with a tampered signature or key", async () => {
    const created = (await (await h.call("POST", "/v1/videos", textStory("Signed links"))).json()) as { id: string };
    const job = (await h.waitForStatus(created.id, ["succeeded"])) as { outputs: { video: { url: string } } };
    const url = new URL(job.outputs.video.url);
    const badSig = new URL(url);
    badSig.searchParams.set("sig", "0".repeat(64));
    const forged = await h.app.request(badSig.toString());
    expect(forged.status).toBe(403);
    expect(forged.headers.get("content-type")).toBe("application/problem+json");
    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace(".mp4", ".json");
    expect((await h.app.request(otherKey.toString())).status).toBe(403);
    const expired = new URL(url);
    expired.searchParams.set("expires", "1000");
    expect((await h.app.request(expired.toString())).status).toBe(403);
  });

  it("streams progress over SSE and ends the stream when the job ends", async () => {
    h.renderer.behaviour.render = "ok";
    const created = (await (await h.call("POST", "/v1/videos", textStory("SSE story"))).json()) as { id: string };
    const response = await h.call("GET", `/v1/videos/${created.id}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readSseEvents(response);
    const names = events.map((event) => event.event);
    expect(names[0]).toBe("state");
    expect(names).toContain("progress");
    expect(names).toContain("stage");
    const last = events[events.length - 1];
    expect(last?.event).toBe("state");
    expect(JSON.parse(last?.data ?? "{}")).toMatchObject({ id: created.id, status: "succeeded", progress: 1 });
    const progress = events
      .filter((event) => event.event === "progress")
      .map((event) => (JSON.parse(event.data) as { progress: number }).progress);
    expect(progress.length).toBeGreaterThan(0);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    // A reconnect after the end (with Last-Event-ID) gets the current state and ends at once.
    const again = await readSseEvents(
      await h.call("GET", `/v1/videos/${created.id}/events`, undefined, { "last-event-id": "5" }),
    );
    expect(again.map((event) => event.event)).toEqual(["state"]);
  });

  it("honours Idempotency-Key: same body → same job, different body → 409", async () => {
    const headers = { "idempotency-key": "order-42" };
    const first = await h.call("POST", "/v1/videos", textStory("Idempotent"), headers);
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };

    // Same request with keys in another order and other whitespace: still the same body.
    const { source, format } = textStory("Idempotent");
    const second = await h.call(
      "POST",
      "/v1/videos",
      `{ "format": "${format}",  "source": ${JSON.stringify(source)} }`,
      headers,
    );
    expect(second.status).toBe(200);
    expect(((await second.json()) as { id: string }).id).toBe(id);
    expect(second.headers.get("location")).toBe(`/v1/videos/${id}`);

    const conflict = await h.call("POST", "/v1/videos", textStory("Something else"), headers);
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get("content-type")).toBe("application/problem+json");

    // Keys are scoped per API key: another key may use the same Idempotency-Key.
    const otherCaller = await h.call("POST", "/v1/videos", textStory("Idempotent"), {
      ...headers,
      authorization: "Bearer second-api-key-0123456789",
    });
    expect(otherCaller.status).toBe(202);
    expect(((await otherCaller.json()) as { id: string }).id).not.toBe(id);
    await h.waitForStatus(id, ["succeeded"]);
  });

  it("lists jobs newest first with an opaque cursor and a status filter", async () => {
    const ids: string[] = [];
    for (const title of ["List one", "List two", "List three"]) {
      ids.push(((await (await h.call("POST", "/v1/videos", textStory(title))).json()) as { id: string }).id);
    }
    for (const id of ids) await h.waitForStatus(id, ["succeeded"]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = (await (await h.call("GET", `/v1/videos${query}`)).json()) as {
        data: { id: string; createdAt: string }[];
        nextCursor: string | null;
      };
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((job) => job.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: the three just created lead, in reverse order of creation.
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());

    const succeeded = (await (await h.call("GET", "/v1/videos?status=succeeded&limit=100")).json()) as {
      data: { status: string }[];
    };
    expect(succeeded.data.length).toBe(seen.length);
    const failed = (await (await h.call("GET", "/v1/videos?status=failed")).json()) as { data: unknown[] };
    expect(failed.data).toEqual([]);

    const badCursor = await h.call("GET", "/v1/videos?cursor=not-a-cursor");
    expect(badCursor.status).toBe(422);
    const badStatus = await h.call("GET", "/v1/videos?status=exploded");
    expect(badStatus.status).toBe(422);
  });
});
