import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, textStory } from "./harness.ts";

describe("voices: GET /v1/voices, voice checks, other scripts and the narration's cost", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lists the renderer's engines and voices, filtered by engine and language, behind the API key", async () => {
    const all = await h.call("GET", "/v1/voices");
    expect(all.status).toBe(200);
    const body = (await all.json()) as { engines: string[]; data: { engine: string; id: string; language: string }[] };
    expect(body.engines).toEqual(["espeak", "polly"]);
    expect(body.data.map((v) => v.id)).toEqual(["en-us", "ja", "cmn", "ru", "Joanna", "Mizuki"]);

    const japanese = (await (await h.call("GET", "/v1/voices?language=ja")).json()) as { data: { id: string }[] };
    expect(japanese.data.map((v) => v.id)).toEqual(["ja", "Mizuki"]);
    const polly = (await (await h.call("GET", "/v1/voices?engine=polly&language=en")).json()) as {
      data: { id: string }[];
    };
    expect(polly.data.map((v) => v.id)).toEqual(["Joanna"]);

    expect((await h.call("GET", "/v1/voices?language=<x>")).status).toBe(422);
    const anonymous = await h.app.request("/v1/voices");
    expect(anonymous.status).toBe(401);
    const spec = (await (await h.app.request("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(spec.paths["/v1/voices"]).toBeDefined();
  });

  it("refuses a job whose voice this deployment does not have, naming GET /v1/voices", async () => {
    const unknown = await h.call("POST", "/v1/videos", { ...textStory(), voice: { engine: "polly", voice: "Nobody" } });
    expect(unknown.status).toBe(422);
    const problem = (await unknown.json()) as { detail: string; errors: { path: string }[] };
    expect(problem.detail).toContain("GET /v1/voices");
    expect(problem.errors[0]?.path).toBe("body.voice.voice");

    // An espeak-ng variant of a listed voice is fine.
    const variant = await h.call("POST", "/v1/videos", {
      ...textStory(),
      voice: { engine: "espeak", voice: "en-us+f3" },
    });
    expect(variant.status).toBe(202);
    await h.waitForStatus(((await variant.json()) as { id: string }).id, ["succeeded", "failed"]);
  });

  it("speaks a Japanese sentence with Polly's Japanese voice and records what Polly billed on the job", async () => {
    const before = h.renderer.speechRequests.length;
    const created = await h.call("POST", "/v1/videos", {
      source: {
        type: "text",
        title: "My first week in Osaka",
        body: "My host mother said 今日は少し寒いですね。. Then she laughed.\n\n| day | words |\n|---|---|\n| Mon | 2 |",
      },
      format: "short",
      voice: { engine: "polly", voice: "Joanna" },
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const job = (await h.waitForStatus(id, ["succeeded", "failed"])) as {
      status: string;
      outputs: { narration: Record<string, unknown> };
    };
    expect(job.status).toBe("succeeded");

    const requests = h.renderer.speechRequests.slice(before);
    const body = requests.find((r) => r.outputKey.endsWith("body-1.wav"));
    expect(body?.parts).toEqual([
      { text: "My host mother said" },
      { text: "今日は少し寒いですね。", voice: "Mizuki" },
      { text: "Then she laughed. Mon: 2 words." },
    ]);
    // No doubled stop and no table separators reach the voice (or the captions built from its words).
    expect(body?.text).toBe("My host mother said 今日は少し寒いですね。 Then she laughed. Mon: 2 words.");

    const billed = requests.reduce((sum, r) => sum + 2 * r.text.length, 0);
    expect(job.outputs.narration).toEqual({
      engine: "polly",
      voice: "Joanna",
      engines: ["neural"],
      billedCharacters: billed,
      estimatedCostUsd: Math.round(((billed * 16) / 1e6) * 1e6) / 1e6,
    });
  });

  it("leaves a Japanese sentence out of espeak-ng's narration (its ja voice reads no kanji), the card keeps it", async () => {
    const before = h.renderer.speechRequests.length;
    const created = await h.call("POST", "/v1/videos", {
      source: { type: "text", title: "Osaka", body: "She said 今日は少し寒いですね。 Then she laughed." },
      format: "short",
    });
    const { id } = (await created.json()) as { id: string };
    const job = (await h.waitForStatus(id, ["succeeded", "failed"])) as {
      status: string;
      outputs: { narration: Record<string, unknown> };
    };
    expect(job.status).toBe("succeeded");
    const body = h.renderer.speechRequests.slice(before).find((r) => r.outputKey.endsWith("body-1.wav"));
    expect(body?.text).toBe("She said Then she laughed.");
    expect(body?.parts).toBeUndefined();
    expect(job.outputs.narration).toEqual({ engine: "espeak", voice: "en-us" });
  });
});
