import { describe, expect, it } from "vitest";
import { FfmpegError, parseFfmpegListing, probeCapabilities, runFfmpeg } from "../src/ffmpeg/ffmpeg.runner.ts";
import { parseFrameRate } from "../src/ffmpeg/probe.ts";
import { ffmpegChildren } from "./support/fixtures.ts";

describe("runFfmpeg", () => {
  it("rejects with a typed error carrying the exit code, argv and the end of stderr", async () => {
    const args = ["-hide_banner", "-i", "/nonexistent/input.png", "-f", "null", "-"];
    const error = await runFfmpeg({ args }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FfmpegError);
    const failure = error as FfmpegError;
    expect(failure.exitCode).not.toBe(0);
    expect(failure.signal).toBeNull();
    expect(failure.aborted).toBe(false);
    expect(failure.argv).toEqual(["ffmpeg", ...args]);
    expect(failure.stderrTail).toContain("/nonexistent/input.png");
  });

  it("reports progress and is killed by its AbortSignal", async () => {
    const controller = new AbortController();
    const frames: number[] = [];
    const running = runFfmpeg({
      args: [
        "-hide_banner",
        "-nostdin",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x360:d=600",
        "-f",
        "null",
        "-progress",
        "pipe:1",
        "-",
      ],
      signal: controller.signal,
      killGraceMs: 500,
      onProgress: (block) => {
        if (block.frame !== undefined) frames.push(block.frame);
        if (frames.length === 2) controller.abort();
      },
    });
    const error = (await running.catch((caught: unknown) => caught)) as FfmpegError;
    expect(error).toBeInstanceOf(FfmpegError);
    expect(error.aborted).toBe(true);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(await ffmpegChildren()).toEqual([]);
  });

  it("refuses to start when already aborted", async () => {
    const error = (await runFfmpeg({ args: ["-version"], signal: AbortSignal.abort() }).catch(
      (caught: unknown) => caught,
    )) as FfmpegError;
    expect(error.aborted).toBe(true);
  });
});

describe("probeCapabilities", () => {
  it("finds what renders need in this FFmpeg build", async () => {
    const capabilities = await probeCapabilities();
    expect(capabilities.missing).toEqual([]);
    expect(capabilities.ok).toBe(true);
    expect(capabilities.encoders.libx264).toBe(true);
    expect(capabilities.filters).toMatchObject({ ass: true, xfade: true, loudnorm: true, sidechaincompress: true });
  });
});

describe("parseFrameRate", () => {
  it("reads ffprobe's rational frame rates", () => {
    expect(parseFrameRate("30/1")).toBe(30);
    expect(parseFrameRate("30000/1001")).toBe(29.97);
    expect(parseFrameRate("0/0")).toBe(0);
    expect(parseFrameRate("N/A")).toBe(0);
    expect(parseFrameRate(undefined)).toBe(0);
  });
});

describe("parseFfmpegListing", () => {
  it("reads names from -filters and -encoders output, including variable-input filters", () => {
    const text = [
      "Filters:",
      "  T.. = Timeline support",
      "  ... = Multiple inputs",
      " ..C amix              N->A       Audio mixing.",
      " .S. xfade             VV->V      Cross fade one video with another video.",
      " V....D libx264              libx264 H.264 / AVC",
      " ------",
    ].join("\n");
    expect([...parseFfmpegListing(text)]).toEqual(["amix", "xfade", "libx264"]);
  });
});
