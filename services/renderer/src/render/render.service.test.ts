import { FORMATS, type MediaInfo, renderRequestSchema } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import { describe, expect, it } from "vitest";
import { FfmpegError } from "../ffmpeg/ffmpeg.runner.ts";
import { checkRenderOutput, RenderOutputError, renderErrorEvent, validateTimeline } from "./render.service.ts";

const GOOD: MediaInfo = {
  durationSeconds: 9.52,
  sizeBytes: 1000,
  video: { codec: "h264", pixelFormat: "yuv420p", colorRange: "tv", width: 1080, height: 1920, fps: 30 },
  audio: { codec: "aac", sampleRate: 48_000, channels: 2 },
};

describe("checkRenderOutput", () => {
  it("accepts a file that meets the spec", () => {
    expect(checkRenderOutput(GOOD, FORMATS.short, 9.5)).toEqual([]);
  });

  it("names every deviation", () => {
    const bad: MediaInfo = {
      ...GOOD,
      durationSeconds: 12,
      video: { codec: "hevc", pixelFormat: "yuvj420p", colorRange: "pc", width: 1920, height: 1080, fps: 25 },
      audio: null,
    };
    const problems = checkRenderOutput(bad, FORMATS.short, 9.5);
    expect(problems).toHaveLength(7);
    expect(problems.join("; ")).toContain("yuvj420p");
  });
});

describe("validateTimeline", () => {
  const request = (input: object) =>
    renderRequestSchema.parse({
      format: "short",
      outputKey: "videos/short/a.mp4",
      scenes: [{ imageKey: "a.png", duration: 2 }],
      ...input,
    });

  it("refuses crossfades as long as a scene, timelines over the cap and narration after the end", () => {
    const two = [
      { imageKey: "a.png", duration: 2 },
      { imageKey: "b.png", duration: 0.5 },
    ];
    expect(() => validateTimeline(request({ scenes: two, transitionSeconds: 0.5 }), FORMATS.short)).toThrow(AppError);
    expect(() => validateTimeline(request({ scenes: two, transitionSeconds: 0.4 }), FORMATS.short)).not.toThrow();
    expect(() => validateTimeline(request({ scenes: [{ imageKey: "a.png", duration: 181 }] }), FORMATS.short)).toThrow(
      /at most 180 s/,
    );
    expect(() => validateTimeline(request({ narration: [{ audioKey: "n.wav", start: 2 }] }), FORMATS.short)).toThrow(
      /narration/,
    );
  });
});

describe("renderErrorEvent", () => {
  const failure = (aborted: boolean) =>
    new FfmpegError({
      message: "ffmpeg exited with code 1: boom",
      exitCode: 1,
      signal: null,
      stderrTail: "line 1\nline 2\nError initializing filter 'ass'",
      argv: ["ffmpeg", "-i", "/secret/path"],
      aborted,
    });

  it("puts FFmpeg's last words in detail but never its argv", () => {
    const event = renderErrorEvent(failure(false));
    expect(event.problem.status).toBe(500);
    expect(event.problem.detail).toContain("Error initializing filter 'ass'");
    expect(JSON.stringify(event)).not.toContain("/secret/path");
  });

  it("a cancelled render is a 503 (retryable)", () => {
    expect(renderErrorEvent(failure(true)).problem.status).toBe(503);
    expect(renderErrorEvent(new Error("x"), { cancelled: true }).problem.status).toBe(503);
  });

  it("validation failures and unknown errors", () => {
    expect(renderErrorEvent(new RenderOutputError(["size 1x1"])).problem.detail).toContain("size 1x1");
    expect(renderErrorEvent(new AppError("validation-failed", "bad")).problem).toMatchObject({
      status: 422,
      detail: "bad",
    });
    expect(renderErrorEvent(new TypeError("internal detail")).problem.detail).not.toContain("internal detail");
  });
});
