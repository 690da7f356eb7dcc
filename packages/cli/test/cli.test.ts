/**
 * The CLI as a user runs it (a child process of node), against the real gateway: Redis, the
 * worker, and the fakes of imagegen, renderer and Reddit on real ports.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { listen } from "@video-service/shutdown";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY,
  type Harness,
  type ServedHarness,
  startServedHarness,
} from "../../../services/gateway/test/harness.ts";
import { COMMANDS, EXIT, runCli } from "../src/cli.ts";

const MAIN = path.resolve(import.meta.dirname, "../src/main.ts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("the video-service CLI against the gateway", () => {
  let h: Harness;
  let served: ServedHarness | undefined;
  let server: { url: string };
  let dir: string;

  beforeAll(async () => {
    served = await startServedHarness({ reddit: true });
    h = served.harness;
    server = { url: served.url };
    dir = await mkdtemp(path.join(tmpdir(), "cli-test-"));
  }, 60_000);

  afterAll(async () => {
    await served?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  /** The real `video-service` command: node runs packages/cli/src/main.ts. */
  function spawnCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [MAIN, ...args],
        {
          env: { VIDEO_SERVICE_URL: server.url, VIDEO_SERVICE_API_KEY: API_KEY, ...env },
          timeout: 30_000,
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** The same command in this process (a node start-up per call is slow on a busy machine). */
  async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const all = { VIDEO_SERVICE_URL: server.url, VIDEO_SERVICE_API_KEY: API_KEY, ...env };
    const code = await runCli(args, {
      env: Object.fromEntries(Object.entries(all).filter(([, value]) => value !== "")),
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    return { code, stdout, stderr };
  }

  const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";

  it("has --help for itself and every command", async () => {
    const main = await spawnCli(["--help"]);
    expect(main.code).toBe(EXIT.ok);
    for (const command of COMMANDS) expect(main.stdout).toContain(command.name);
    expect(main.stdout).toMatch(/Exit codes/);
    const helps = await Promise.all(COMMANDS.map((command) => cli([...command.name.split(" "), "--help"])));
    helps.forEach((help, i) => {
      expect(help.code, COMMANDS[i]?.name).toBe(EXIT.ok);
      expect(help.stdout).toContain(`Usage: video-service ${COMMANDS[i]?.name}`);
      expect(help.stdout).toContain("--api-key");
    });
    const unknown = await cli(["render-everything"]);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toContain("video-service --help");
    const badFlag = await cli(["list", "--colour", "red"]);
    expect(badFlag.code).toBe(EXIT.usage);
    expect(badFlag.stderr).toContain("video-service list --help");
  });

  it("says what to do without a key, with a wrong key and when the gateway is down", async () => {
    const noKey = await cli(["list"], { VIDEO_SERVICE_API_KEY: "" });
    expect(noKey.code).toBe(EXIT.usage);
    expect(noKey.stderr).toContain("VIDEO_SERVICE_API_KEY");

    const wrong = await spawnCli(["list", "--api-key", "not-a-key"]);
    expect(wrong.code).toBe(EXIT.auth);
    expect(wrong.stderr).toMatch(/refused the API key.*\n.*--api-key/);

    // A port that was just free: nothing listens there.
    const closed = await listen({ fetch: () => new Response() }, { port: 0, hostname: "127.0.0.1" });
    await closed.close();
    const down = await spawnCli(["list", "--url", closed.url]);
    expect(down.code).toBe(EXIT.unavailable);
    expect(down.stderr).toContain(`cannot reach the gateway at ${closed.url}`);
    expect(down.stderr).toContain("make dev");
  });

  it("creates from a Markdown file, follows it stage by stage and prints the MP4's URL", async () => {
    const story = path.join(dir, "story.md");
    await writeFile(story, "# My cat learned to open doors\n\nFirst the kitchen. Then the fridge.\n");
    const run = await spawnCli(["create", story, "--follow"]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    // Not a terminal: one line per stage as it changes, each with its bar.
    for (const stage of ["source", "script", "narration", "visuals", "render"]) {
      expect(run.stderr).toMatch(new RegExp(`^${stage}\\s+\\[#{24}\\] 100%\\s+done`, "m"));
    }
    expect(run.stderr).toMatch(/^render\s+\[[#-]{24}\]\s+\d+%\s+running/m);
    const url = lastLine(run.stdout);
    expect(url).toMatch(new RegExp(`^${server.url}/files/videos/short/.+\\.mp4\\?`));
    expect((await fetch(url)).status).toBe(200);
    const id = /videos\/short\/([^.]+)\.mp4/.exec(url)?.[1] ?? "";
    const job = (await (await h.call("GET", `/v1/videos/${id}`)).json()) as {
      request: { source: { title: string; body: string } };
    };
    expect(job.request.source).toMatchObject({
      title: "My cat learned to open doors",
      body: "First the kitchen. Then the fridge.",
    });
  });

  it("creates, lists and gets with --json, and downloads with progress", async () => {
    const story = path.join(dir, "story.json");
    await writeFile(story, await readFile(path.resolve(import.meta.dirname, "../../../samples/story.json")));
    const created = await cli(["create", story, "--json", "--format", "short"]);
    expect(created.code, created.stderr).toBe(EXIT.ok);
    const accepted = JSON.parse(created.stdout) as { id: string; status: string };
    expect(accepted.status).toBe("queued");
    await h.waitForStatus(accepted.id, ["succeeded"]);

    const list = await cli(["list", "--json", "--status", "succeeded"]);
    expect(list.code).toBe(EXIT.ok);
    const page = JSON.parse(list.stdout) as { data: { id: string }[] };
    expect(page.data.map((job) => job.id)).toContain(accepted.id);
    const table = await cli(["list"]);
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+FORMAT\s+DONE\s+LENGTH\s+AGE\s+TITLE/);
    expect(table.stdout).toContain(accepted.id);

    const got = await cli(["get", accepted.id]);
    expect(got.stdout).toMatch(/status\s+succeeded/);
    expect(got.stdout).toMatch(/render\s+succeeded/);
    const gotJson = JSON.parse((await cli(["get", accepted.id, "--json"])).stdout) as {
      outputs: { video: { sizeBytes: number } };
    };

    const target = path.join(dir, "video.mp4");
    const download = await cli(["download", accepted.id, "-o", target]);
    expect(download.code, download.stderr).toBe(EXIT.ok);
    expect(lastLine(download.stdout)).toBe(target);
    expect(download.stderr).toMatch(/download\s+\[#{24}\] 100%/);
    expect((await stat(target)).size).toBe(gotJson.outputs.video.sizeBytes);

    const missing = await cli(["get", "no-such-job"]);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain("video-service list");
  });

  it("follows with --json as NDJSON events ending with the video", async () => {
    const story = path.join(dir, "plain.txt");
    await writeFile(story, "The title line\nAnd the story below it.\n");
    const run = await cli(["create", story, "--follow", "--json", "-o", dir]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const events = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string; video?: string });
    expect(events[0]?.event).toBe("state");
    expect(events.some((e) => e.event === "progress")).toBe(true);
    const done = events.at(-1);
    expect(done?.event).toBe("done");
    expect((await stat(done?.video ?? "")).isFile()).toBe(true);
  });

  it("exits 1 with what to do when the job fails, and retries it", async () => {
    h.renderer.behaviour.render = "fail";
    const story = path.join(dir, "fails.md");
    await writeFile(story, "A render that fails\n\nOnce.\n");
    const failed = await cli(["create", story, "--follow"]);
    h.renderer.behaviour.render = "ok";
    expect(failed.code).toBe(EXIT.jobFailed);
    expect(failed.stderr).toMatch(/render\s+\[-+\]\s+0%\s+FAILED/);
    const id = /video-service retry (\S+)'/.exec(failed.stderr)?.[1] ?? "";
    expect(id).not.toBe("");
    const retried = await cli(["retry", id, "--follow"]);
    expect(retried.code, retried.stderr).toBe(EXIT.ok);
    expect(lastLine(retried.stdout)).toContain(".mp4");
    // Succeeded jobs cannot be retried: a refusal, exit 3.
    const again = await cli(["retry", id]);
    expect(again.code).toBe(EXIT.rejected);
    expect(again.stderr).toContain("only failed or cancelled jobs can be retried");
  });

  it("cancels a running job", async () => {
    h.renderer.behaviour.render = "hang";
    const story = path.join(dir, "hangs.md");
    await writeFile(story, "A render that never ends\n");
    const created = await cli(["create", story]);
    const id = lastLine(created.stdout);
    await h.renderer.renderStarted();
    const cancelled = await cli(["cancel", id]);
    h.renderer.behaviour.render = "ok";
    expect(cancelled.code, cancelled.stderr).toBe(EXIT.ok);
    expect(cancelled.stdout).toBe(`${id} cancelled\n`);
    expect((await h.waitForStatus<{ status: string }>(id, ["cancelled"])).status).toBe("cancelled");
    const followed = await cli(["get", id, "--follow"]);
    expect(followed.code).toBe(EXIT.jobFailed);
  });

  it("refuses a request the API refuses, naming the field", async () => {
    const run = await cli(["create", "--reddit", "not a subreddit!"]);
    expect(run.code).toBe(EXIT.rejected);
    expect(run.stderr).toContain("body.source.subreddit");
    const both = await cli(["create", "x.md", "--reddit", "tifu"]);
    expect(both.code).toBe(EXIT.usage);
    const unreadable = await cli(["create", path.join(dir, "missing.md")]);
    expect(unreadable.code).toBe(EXIT.usage);
    expect(unreadable.stderr).toContain("ENOENT");
  });

  it("ranks trends and makes a video of one with --reddit", async () => {
    const trends = await cli(["trends", "tifu"]);
    expect(trends.code, trends.stderr).toBe(EXIT.ok);
    expect(trends.stdout).toMatch(/^#\s+POST\s+SUBREDDIT\s+SCORE/);
    const json = JSON.parse((await cli(["trends", "tifu", "--json"])).stdout) as { data: { id: string }[] };
    const post = json.data[0]?.id ?? "";
    const made = await cli(["create", "--reddit", "tifu", "--post", post, "--follow"]);
    expect(made.code, made.stderr).toBe(EXIT.ok);
    expect(lastLine(made.stdout)).toContain(".mp4");
  });

  it("creates, lists, runs and deletes a schedule", async () => {
    const bad = await cli(["schedules", "create", "--cron", "0 9 * *", "--subreddits", "tifu"]);
    expect(bad.code).toBe(EXIT.rejected);
    expect(bad.stderr).toContain("body.cron");
    const badZone = await cli([
      "schedules",
      "create",
      "--cron",
      "0 9 * * *",
      "--subreddits",
      "tifu",
      "--timezone",
      "Mars/Base",
    ]);
    expect(badZone.code).toBe(EXIT.rejected);
    expect(badZone.stderr).toContain("body.timezone");

    const created = await cli([
      "schedules",
      "create",
      "--cron",
      "0 9 * * *",
      "--timezone",
      "Europe/Paris",
      "--subreddits",
      "tifu",
      "--name",
      "Mornings",
    ]);
    expect(created.code, created.stderr).toBe(EXIT.ok);
    const id = lastLine(created.stdout);
    expect(created.stderr).toMatch(/Next run: \d{4}-/);
    const list = await cli(["schedules", "list"]);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+Mornings\\s+0 9 \\* \\* \\* Europe/Paris`));
    const run = await cli(["schedules", "run", id, "--json"]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(["created", "nothing-new"]).toContain((JSON.parse(run.stdout) as { outcome: string }).outcome);
    expect((await cli(["schedules", "delete", id])).code).toBe(EXIT.ok);
    const gone = await cli(["schedules", "delete", id]);
    expect(gone.code).toBe(EXIT.notFound);
    expect(JSON.parse((await cli(["schedules", "list", "--json"])).stdout)).toEqual({ data: [] });
  });
});
