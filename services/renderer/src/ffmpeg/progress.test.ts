import { describe, expect, it } from "vitest";
import { parseFfmpegProgress } from "./progress.ts";

const BLOCK = [
  "frame=42",
  "fps=24.50",
  "stream_0_0_q=28.0",
  "bitrate=1234.5kbits/s",
  "total_size=123456",
  "out_time_us=1400000",
  "out_time_ms=1400000",
  "out_time=00:00:01.400000",
  "dup_frames=0",
  "drop_frames=0",
  "speed=0.98x",
  "progress=continue",
  "",
].join("\n");

describe("parseFfmpegProgress", () => {
  it("reads one complete block", () => {
    const { blocks, rest } = parseFfmpegProgress(BLOCK);
    expect(blocks).toEqual([{ outTimeSeconds: 1.4, frame: 42, fps: 24.5, done: false }]);
    expect(rest).toBe("");
  });

  it("keeps an incomplete block as rest and completes it with the next chunk", () => {
    const cut = BLOCK.indexOf("out_time_ms");
    const first = parseFfmpegProgress(BLOCK.slice(0, cut + 5));
    expect(first.blocks).toEqual([]);
    const second = parseFfmpegProgress(first.rest + BLOCK.slice(cut + 5));
    expect(second.blocks).toHaveLength(1);
    expect(second.blocks[0]?.outTimeSeconds).toBe(1.4);
  });

  it("marks the last block done and handles N/A times", () => {
    const text =
      "frame=0\nfps=0.00\nout_time_us=N/A\nout_time=N/A\nprogress=continue\nframe=90\nout_time_us=3000000\nprogress=end\n";
    const { blocks } = parseFfmpegProgress(text);
    expect(blocks).toEqual([
      { outTimeSeconds: undefined, frame: 0, fps: 0, done: false },
      { outTimeSeconds: 3, frame: 90, fps: undefined, done: true },
    ]);
  });

  it("falls back to out_time when the microsecond fields are missing, and ignores negative times", () => {
    expect(parseFfmpegProgress("out_time=01:02:03.500000\nprogress=continue\n").blocks[0]?.outTimeSeconds).toBe(3723.5);
    expect(parseFfmpegProgress("out_time_us=-23220\nprogress=continue\n").blocks[0]?.outTimeSeconds).toBeUndefined();
  });

  it("ignores garbage lines", () => {
    const { blocks, rest } = parseFfmpegProgress("hello\n=oops\nframe=x\nprogress=continue\npartial=1");
    expect(blocks).toEqual([{ outTimeSeconds: undefined, frame: undefined, fps: undefined, done: false }]);
    expect(rest).toBe("partial=1");
  });
});
