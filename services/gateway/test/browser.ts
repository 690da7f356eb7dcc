import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";

const run = promisify(execFile);

/** Debian's chromium package (make setup installs it); nothing here downloads a browser. */
export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, "../../../.tmp/screenshots");

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no ${CHROMIUM}: run make setup (it installs Debian's chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core run in the page (evaluated over the DevTools protocol, so the page's CSP, which allows
 * no inline script, is not loosened for it). Returns the serious and critical violations.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(await AXE_SOURCE);
  // A string: this project type-checks without the DOM library.
  const violations = (await page.evaluate(`axe.run(document).then((result) =>
    result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((n) => ({ target: n.target })) })))`)) as AxeViolation[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Saves a full-page screenshot as a test artefact (.tmp/screenshots/NAME.png). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** A small, real, playable MP4 (H.264 + AAC) and a JPEG thumbnail, made by FFmpeg. */
export async function makeSampleMedia(dir: string): Promise<{ video: Buffer; thumbnail: Buffer }> {
  const videoPath = path.join(dir, "sample.mp4");
  const thumbPath = path.join(dir, "sample.jpg");
  // biome-ignore format: one ffmpeg option per line pair is easier to read
  await run("ffmpeg", [
    "-hide_banner", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", "testsrc2=size=180x320:rate=15:duration=2",
    "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast",
    "-c:a", "aac", "-shortest", "-movflags", "+faststart", videoPath,
  ]);
  // biome-ignore format: as above
  await run("ffmpeg", [
    "-hide_banner", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", "testsrc2=size=640x360:duration=1", "-frames:v", "1", thumbPath,
  ]);
  return { video: await readFile(videoPath), thumbnail: await readFile(thumbPath) };
}

/**
 * Waits until a page expression is truthy. page.waitForFunction would evaluate it with eval in
 * the page, which the dashboard's CSP (rightly) refuses; page.evaluate goes over the protocol.
 */
export async function waitForExpression(page: Page, expression: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`still false after ${timeoutMs} ms: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
