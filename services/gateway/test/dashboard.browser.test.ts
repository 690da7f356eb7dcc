/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the real
 * gateway: Redis, the worker, the fakes of imagegen, renderer and Reddit on real ports. The fake
 * renderer writes a real 2 s MP4 (made by FFmpeg here) so the player has something to play.
 * Screenshots of every page, desktop and phone, light and dark, go to .tmp/screenshots/.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, makeSampleMedia, screenshot, seriousViolations, waitForExpression } from "./browser.ts";
import { API_KEY, type Harness, type ServedHarness, startServedHarness, textStory } from "./harness.ts";

const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
// In-page expressions are strings: this project type-checks without the DOM library.
const VIDEO_HAS_DURATION = '(document.querySelector("video")?.duration ?? 0) > 0';

describe("the dashboard in a browser", () => {
  let h: Harness;
  let gateway: ServedHarness | undefined;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let mediaDir: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mediaDir = await mkdtemp(path.join(tmpdir(), "dashboard-media-"));
    const [served, media, chromium] = await Promise.all([
      startServedHarness({ reddit: true }),
      makeSampleMedia(mediaDir),
      launchChromium(),
    ]);
    gateway = served;
    h = served.harness;
    browser = chromium;
    h.renderer.behaviour.video = media.video;
    h.imagegen.behaviour.thumbnail = media.thumbnail;
    context = await browser.newContext({ viewport: DESKTOP, baseURL: served.url });
    page = await context.newPage();
    // Console errors include CSP refusals: the page must need nothing the policy forbids. The
    // 401 and 422 answers the tests provoke are logged by the browser too, and expected.
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      if (/^Failed to load resource: the server responded with a status of (401|422)/.test(message.text())) return;
      pageErrors.push(message.text());
    });
    page.on("pageerror", (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
  }, 30_000);

  /** Screenshots at desktop and phone width, and no serious accessibility violation. */
  async function checkPage(name: string) {
    await page.waitForLoadState("networkidle").catch(() => undefined);
    expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
    await screenshot(page, `${name}-desktop`);
    await page.setViewportSize(PHONE);
    await screenshot(page, `${name}-phone`);
    await page.setViewportSize(DESKTOP);
  }

  const createJob = async (title: string) => {
    const response = await h.call("POST", "/v1/videos", textStory(title));
    return ((await response.json()) as { id: string }).id;
  };

  it("refuses a wrong key, then signs in with the right one", async () => {
    await page.goto("/");
    const key = page.getByLabel("API key");
    await expect(key.isVisible()).resolves.toBe(true);
    await checkPage("sign-in");
    await key.fill("not-the-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That API key was not accepted").waitFor();
    await screenshot(page, "sign-in-wrong-key-desktop");
    // From the keyboard: the key, then Enter.
    await key.fill(API_KEY);
    await key.press("Enter");
    await page.getByRole("heading", { name: "Videos" }).waitFor();
    // A new page puts the keyboard on its heading; the next Tab is the page's first action.
    expect(await page.evaluate("document.activeElement.textContent")).toBe("Videos");
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("New video");
    expect(await page.evaluate("document.activeElement.closest('main') !== null")).toBe(true);
    // "Skip to content" (the first stop of the page) takes the keyboard past the navigation.
    await page.getByRole("link", { name: "Skip to content" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement.closest('main') !== null")).toBe(true);
    await page.getByText("No videos yet.").waitFor();
    // The key is kept for this tab only.
    const stored = await page.evaluate(() => [sessionStorage.length, localStorage.length]);
    expect(stored).toEqual([1, 0]);
    await checkPage("jobs-empty");
  });

  it("creates a text video, shows its progress moving to done, and plays it", async () => {
    h.renderer.behaviour.speechDelayMs = 150;
    await page.goto("/#/new");
    await page.getByRole("heading", { name: "New video" }).waitFor();
    await checkPage("new-video");
    // The API's problem details appear next to the field they name.
    await page.getByRole("button", { name: "Make video" }).click();
    const titleError = page.locator('[data-path="source.title"] .field-error');
    await titleError.waitFor();
    expect(await titleError.textContent()).toMatch(/\S/);
    await expect(page.getByLabel("Title", { exact: true }).getAttribute("aria-invalid")).resolves.toBe("true");
    await screenshot(page, "new-video-problem-desktop");

    await page.getByLabel("Title", { exact: true }).fill("My neighbour's cat visits every morning");
    await page.getByLabel("Story (optional)").fill("Every morning at seven a grey cat sits outside my window.");
    await page.getByLabel("Comments (optional)").fill("tabby_fan: Cats choose their people.");
    await page.getByRole("button", { name: "Make video" }).click();
    await page.waitForURL(/#\/jobs\/[A-Za-z0-9_-]+$/);
    await page.locator(".overall progress").waitFor();
    // Records the overall bar as the events move it, and every layout shift meanwhile.
    await page.evaluate(`{
      window.shift = 0;
      window.shifts = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          window.shift += entry.value;
          window.shifts.push(entry.value.toFixed(4) + " " + entry.sources.map((s) => s.node?.className ?? s.node?.nodeName).join(","));
        }
      }).observe({ type: "layout-shift" });
      window.seen = [];
      setInterval(() => {
        const bar = document.querySelector(".overall progress");
        if (bar && window.seen.at(-1) !== bar.value) window.seen.push(bar.value);
      }, 10);
    }`);
    await page.locator(".header-badge .status-succeeded").waitFor({ timeout: 20_000 });
    const seen = (await page.evaluate("window.seen")) as number[];
    // Nothing moves while the job progresses and its video arrives (the box has the video's shape).
    expect(await page.evaluate("window.shift"), String(await page.evaluate("window.shifts.join('; ')"))).toBeLessThan(
      0.01,
    );
    expect(seen.at(-1)).toBe(1);
    expect(
      seen.some((value) => value > 0 && value < 1),
      `progress seen: ${seen.join(", ")}`,
    ).toBe(true);
    expect(await page.locator('.stage[data-stage="render"] .stage-state').textContent()).toBe("Done");

    await waitForExpression(page, VIDEO_HAS_DURATION);
    expect(await page.evaluate('document.querySelector("video").duration')).toBeGreaterThan(1.5);
    await page.evaluate('document.querySelector("video").play()');
    await waitForExpression(page, 'document.querySelector("video").currentTime > 0.2');
    await page.evaluate('document.querySelector("video").pause()');
    // The narration script (from the video's metadata) replaces the story once rendered.
    await page.locator(".segments .segment").first().waitFor();
    expect(await page.locator(".segments").textContent()).toContain("grey cat");
    await expect(page.getByRole("link", { name: "Download MP4" }).getAttribute("href")).resolves.toContain("/files/");
    h.renderer.behaviour.speechDelayMs = 0;
    await checkPage("job-done");
  });

  it("shows a failed job's error with what to do, and retries it", async () => {
    h.renderer.behaviour.render = "fail";
    const id = await createJob("A story whose first render fails");
    await h.waitForStatus(id, ["failed"]);
    h.renderer.behaviour.render = "ok";
    await page.goto(`/#/jobs/${id}`);
    await page.getByText("What to do:").waitFor();
    expect(await page.locator(".error-slot").textContent()).toContain("Render failed");
    await checkPage("job-failed");
    await page.getByRole("button", { name: "Retry" }).click();
    await page.locator(".header-badge .status-succeeded").waitFor({ timeout: 20_000 });
    await waitForExpression(page, VIDEO_HAS_DURATION);
  });

  it("cancels a running job", async () => {
    h.renderer.behaviour.render = "hang";
    const id = await createJob("A story whose render never ends");
    await page.goto(`/#/jobs/${id}`);
    await page.locator('.stage[data-stage="render"].stage-running').waitFor({ timeout: 20_000 });
    await screenshot(page, "job-running-desktop");
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.locator(".header-badge .status-cancelled").waitFor();
    expect((await h.waitForStatus<{ status: string }>(id, ["cancelled"])).status).toBe("cancelled");
    await expect(page.getByRole("button", { name: "Retry" }).isVisible()).resolves.toBe(true);
    h.renderer.behaviour.render = "ok";
  });

  it("lists the jobs with their status and filters them", async () => {
    await page.goto("/#/jobs");
    await page.locator(".jobs-table tbody tr").nth(2).waitFor();
    expect(await page.locator(".jobs-table tbody tr").count()).toBe(3);
    await checkPage("jobs");
    await page.getByRole("link", { name: "Cancelled" }).click();
    await waitForExpression(page, 'document.querySelectorAll(".jobs-table tbody tr").length === 1');
    expect(await page.locator(".jobs-table tbody").textContent()).toContain("never ends");
  });

  it("a job running again says, quietly, what failed before", async () => {
    h.renderer.behaviour.render = "fail";
    const id = await createJob("A story retried while its render hangs");
    await h.waitForStatus(id, ["failed"]);
    h.renderer.behaviour.render = "hang";
    await page.goto(`/#/jobs/${id}`);
    await page.getByText("What to do:").waitFor();
    await page.getByRole("button", { name: "Retry" }).click();
    const info = page.locator(".error-slot .alert-info");
    await info.waitFor({ timeout: 20_000 });
    expect(await info.textContent()).toContain("Trying again after: Render failed");
    expect(await page.locator(".error-slot .alert-error").count()).toBe(0);
    await checkPage("job-retrying");
    expect((await h.call("DELETE", `/v1/videos/${id}`)).status).toBe(202);
    await h.waitForStatus(id, ["cancelled"]);
    h.renderer.behaviour.render = "ok";
  });

  it("makes a video from a trend", async () => {
    await page.goto("/#/trends");
    await page.getByLabel("Subreddits").fill("tifu");
    await page.getByRole("button", { name: "Find trends" }).click();
    const firstRow = page.locator(".trends-table tbody tr").first();
    await firstRow.waitFor();
    await checkPage("trends");
    const postTitle = await firstRow.locator(".cell-title a").textContent();
    await firstRow.getByRole("link", { name: /Make a video/ }).click();
    await page.getByRole("heading", { name: "New video" }).waitFor();
    expect(await page.getByLabel("Subreddit", { exact: true }).inputValue()).toBe("tifu");
    const postId = await page.getByLabel("Post id (optional)").inputValue();
    expect(postId).toMatch(/^[a-z0-9]+$/);
    await page.getByRole("button", { name: "Make video" }).click();
    await page.locator(".header-badge .status-succeeded").waitFor({ timeout: 20_000 });
    const job = (await (await h.call("GET", `/v1/videos/${page.url().split("/").at(-1)}`)).json()) as {
      request: { source: { postId: string } };
    };
    expect(job.request.source.postId).toBe(postId);
    expect(postTitle).toBeTruthy();
  });

  it("checks a schedule's cron and time zone, creates, runs and deletes it", async () => {
    await page.goto("/#/schedules");
    await page.getByText("No schedules yet.").waitFor();
    await page.getByLabel("Subreddits").fill("tifu");
    await page.getByLabel("When (cron)").fill("0 9 * *");
    await page.getByLabel("Time zone (optional)").fill("Mars/Olympus");
    await page.getByRole("button", { name: "Create schedule" }).click();
    await page.getByText("The cron expression needs 5 fields").first().waitFor();
    await page.getByText("“Mars/Olympus” is not a time zone").first().waitFor();
    // What only the API knows: a field out of range.
    await page.getByLabel("When (cron)").fill("61 9 * * *");
    await page.getByLabel("Time zone (optional)").fill("Europe/Paris");
    await page.getByRole("button", { name: "Create schedule" }).click();
    await page.locator('[data-path="cron"] .field-error').filter({ hasText: /\S/ }).waitFor();
    await screenshot(page, "schedules-problem-desktop");

    await page.getByLabel("Name (optional)").fill("Morning shorts");
    await page.getByLabel("When (cron)").fill("0 9 * * *");
    await page.getByRole("button", { name: "Create schedule" }).click();
    const card = page.locator(".schedule", { hasText: "Morning shorts" });
    await card.waitFor();
    expect(await card.textContent()).toMatch(/Next run.*\d/);
    await checkPage("schedules");

    await card.getByRole("button", { name: "Run now" }).click();
    await page
      .locator(".toast")
      .filter({ hasText: /Made a video|Nothing new/ })
      .waitFor();
    page.once("dialog", (dialog) => void dialog.accept());
    await card.getByRole("button", { name: "Delete" }).click();
    await page.getByText("No schedules yet.").waitFor();
    const list = (await (await h.call("GET", "/v1/schedules")).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });

  it("looks right in dark mode and signs out", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    for (const [name, hash] of [
      ["jobs", "#/jobs"],
      ["new-video", "#/new"],
    ] as const) {
      await page.goto(`/${hash}`);
      await page.locator("main h1").waitFor();
      await page.waitForLoadState("networkidle").catch(() => undefined);
      expect(await seriousViolations(page), `axe on dark ${name}`).toEqual([]);
      await screenshot(page, `${name}-dark-desktop`);
    }
    const jobs = (await (await h.call("GET", "/v1/videos?status=succeeded")).json()) as { data: { id: string }[] };
    await page.goto(`/#/jobs/${jobs.data[0]?.id}`);
    await page.locator("video").waitFor();
    await page.setViewportSize(PHONE);
    await screenshot(page, "job-done-dark-phone");
    await page.setViewportSize(DESKTOP);
    await page.emulateMedia({ colorScheme: "light" });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
