import { FORMATS, renderRequestSchema } from "@video-service/contracts";
import { describe, expect, it } from "vitest";
import { backgroundClipFrame, buildAudioPartCommand, buildVideoPartCommand, chunkScenes } from "./chunk-command.ts";
import { buildJoinCommand, chunkTilingProblem, concatList, quoteConcatPath } from "./chunk-join.ts";

const request = renderRequestSchema.parse({
  format: "standard",
  outputKey: "videos/temp/job123/chunk-1.ts",
  scenes: [
    { imageKey: "images/temp/job123/title.png", duration: 4, motion: "zoom-in" },
    { imageKey: "images/temp/job123/c1.png", duration: 3.5, motion: "pan-left" },
    { imageKey: "images/temp/job123/c2.png", duration: 3 },
  ],
  transitionSeconds: 0.5,
  narration: [{ audioKey: "audio/temp/job123/0.wav", start: 0.2 }],
  captions: { mode: "word", words: [{ text: "hi", start: 0.2, end: 0.5 }] },
});

describe("chunkScenes", () => {
  it("lists the scenes a range shows, with the frames skipped and shown", () => {
    // Scenes: 0..119, 105..209, 195..284 (crossfades 105..119 and 195..209).
    expect(chunkScenes(request, 30, { start: 60, count: 90 })).toEqual([
      { index: 0, skipFrames: 60, frames: 60, sceneFrames: 120 },
      { index: 1, skipFrames: 0, frames: 45, sceneFrames: 105 },
    ]);
    expect(chunkScenes(request, 30, { start: 210, count: 75 })).toEqual([
      { index: 2, skipFrames: 15, frames: 75, sceneFrames: 90 },
    ]);
  });

  it("refuses a range that splits a crossfade or runs past the end", () => {
    expect(() => chunkScenes(request, 30, { start: 110, count: 50 })).toThrow(/splits a crossfade/);
    expect(() => chunkScenes(request, 30, { start: 0, count: 200 })).toThrow(/splits a crossfade/);
    expect(() => chunkScenes(request, 30, { start: 250, count: 50 })).toThrow(/run past/);
  });
});

describe("part and join commands", () => {
  it("a video part: motion from the scene's own first frame, captions at whole-timeline times, TS, no audio", () => {
    const command = buildVideoPartCommand({
      request,
      frames: { start: 60, count: 90 },
      images: ["/w/s0.png", "/w/s1.png"],
      assPath: "/w/captions.ass",
      outputPath: "/w/chunk.ts",
      filterScriptPath: "/w/graph.txt",
      preset: FORMATS.standard,
    });
    expect(command.totalFrames).toBe(90);
    expect(command.filterGraph).toMatchInlineSnapshot(`
      "[0:v]scale=1920:1080:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=59:size=1:start=0,setpts=N/FRAME_RATE/TB,scale=w=trunc(1920*(1+0.08*((n+60)/119))/4)*4:h=trunc(1080*(1+0.08*((n+60)/119))/4)*4:eval=frame:flags=bilinear,crop=w=1920:h=1080:x=(trunc(1920*(1+0.08*((n+60)/119))/4)*4-1920)/2:y=(trunc(1080*(1+0.08*((n+60)/119))/4)*4-1080)/2,setsar=1[s0];
      [1:v]scale=2074:1166:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=44:size=1:start=0,setpts=N/FRAME_RATE/TB,crop=w=1920:h=1080:x=(in_w-out_w)*(1-(n/104)):y=(in_h-out_h)/2,setsar=1[s1];
      [s0][s1]xfade=transition=fade:duration=0.5:offset=1.5[vx];
      [vx]settb=1/30,setpts=N+60,ass=filename=/w/captions.ass,setpts=PTS-STARTPTS[vout]"
    `);
    expect(command.args.join(" ")).toMatchInlineSnapshot(
      `"-hide_banner -nostdin -nostats -y -framerate 30 -i /w/s0.png -framerate 30 -i /w/s1.png -filter_complex_script /w/graph.txt -map [vout] -an -c:v libx264 -preset medium -crf 22 -maxrate 8M -bufsize 16M -pix_fmt yuv420p -color_range tv -colorspace bt709 -color_primaries bt709 -color_trc bt709 -r 30 -flags +cgop -frames:v 90 -f mpegts -muxdelay 0 -muxpreload 0 -progress pipe:1 /w/chunk.ts"`,
    );
  });

  it("the audio part: the whole audio graph, AAC, no video", () => {
    const command = buildAudioPartCommand({
      request,
      inputs: { narration: ["/w/n0.wav"], music: undefined },
      outputPath: "/w/audio.m4a",
      filterScriptPath: "/w/graph.txt",
      preset: FORMATS.standard,
    });
    expect(command.args.join(" ")).toBe(
      "-hide_banner -nostdin -nostats -y -i /w/n0.wav -filter_complex_script /w/graph.txt -map [aout] -vn -c:a aac -b:a 192k -ar 48000 -ac 2 -t 9.5 -f mp4 -progress pipe:1 /w/audio.m4a",
    );
    expect(command.filterGraph).toContain("[0:a]aresample=48000");
    expect(command.filterGraph).toContain("loudnorm=I=-14");
  });

  it("the join: concat list with exact durations and quoted paths, stream copy, faststart", () => {
    expect(quoteConcatPath("/tmp/it's here/a.ts")).toBe("'/tmp/it'\\''s here/a.ts'");
    expect(
      concatList(
        [
          { path: "/w/c0.ts", frames: 45 },
          { path: "/w/c1.ts", frames: 46 },
        ],
        30,
      ),
    ).toBe("ffconcat version 1.0\nfile '/w/c0.ts'\nduration 1.5\nfile '/w/c1.ts'\nduration 1.533333\n");
    const command = buildJoinCommand({
      listPath: "/w/l",
      audioPath: "/w/a.m4a",
      outputPath: "/w/o.mp4",
      totalFrames: 91,
      fps: 30,
    });
    expect(command.args.join(" ")).toContain(
      "-f concat -safe 0 -i /w/l -i /w/a.m4a -map 0:v:0 -map 1:a:0 -c copy -movflags +faststart",
    );
    expect(
      chunkTilingProblem([{ frames: { start: 0, count: 5 } }, { frames: { start: 5, count: 5 } }]),
    ).toBeUndefined();
    expect(chunkTilingProblem([{ frames: { start: 1, count: 5 } }])).toMatch(/chunk 0 starts at frame 1/);
    expect(chunkTilingProblem([{ frames: { start: 0, count: 5 } }, { frames: { start: 4, count: 5 } }])).toMatch(
      /chunk 1/,
    );
  });
});

describe("a chunk over a library background video", () => {
  const withBackground = renderRequestSchema.parse({
    ...request,
    background: { kind: "video", key: "media/background-video/sea/v1/landscape.mp4", startSeconds: 2 },
  });
  const part = (start: number, count: number, clipFrames: number) =>
    buildVideoPartCommand({
      request: withBackground,
      frames: { start, count },
      images: chunkScenes(withBackground, 30, { start, count }).map((_, index) => `/w/s${index}.png`),
      assPath: undefined,
      outputPath: "/w/chunk.ts",
      filterScriptPath: "/w/graph.txt",
      preset: FORMATS.standard,
      background: { path: "/w/bg.mp4", clipFrames },
    });

  it("finds the clip frame the whole render shows: seeked to startSeconds, looping from the clip's start", () => {
    expect(backgroundClipFrame({ startSeconds: 2, timelineFrame: 0, clipFrames: 300, fps: 30 })).toBe(60);
    expect(backgroundClipFrame({ startSeconds: 2, timelineFrame: 239, clipFrames: 300, fps: 30 })).toBe(299);
    expect(backgroundClipFrame({ startSeconds: 2, timelineFrame: 240, clipFrames: 300, fps: 30 })).toBe(0);
    expect(backgroundClipFrame({ startSeconds: 2, timelineFrame: 545, clipFrames: 300, fps: 30 })).toBe(5);
  });

  it("seeks to the keyframe second before the chunk's clip frame and drops the rest in the graph", () => {
    // Frame 210 of the video is clip frame 270: the keyframe at 9 s, nothing to drop (one still: input 1).
    const late = part(210, 75, 600);
    expect(late.args.join(" ")).toContain("-ss 9 -stream_loop -1 -i /w/bg.mp4");
    expect(late.filterGraph).toContain("[1:v]setpts=N/(30*TB),trim=end_frame=75,format=yuv420p,setsar=1[bg]");
    // Frame 105 is clip frame 165: the keyframe at 5 s, then 15 frames to drop.
    const mid = part(105, 90, 600);
    expect(mid.args.join(" ")).toContain("-ss 5 -stream_loop -1");
    expect(mid.filterGraph).toContain("trim=start_frame=15:end_frame=105,setpts=PTS-STARTPTS");
    // Cards keep their alpha and go over the background, as in a whole render.
    expect(mid.filterGraph).toContain("format=yuva420p");
    expect(mid.filterGraph).toContain("[bg][vx]overlay=x=0:y=0:format=yuv420:eof_action=pass[vbg]");
  });

  it("decodes the clip from its start when it loops within the chunk (no seek to trip FFmpeg's loop)", () => {
    // A 100-frame clip: the chunk at frame 210 starts at clip frame (60 + 210) % 100 = 70 and loops.
    const looping = part(210, 75, 100);
    expect(looping.args.join(" ")).not.toContain("-ss");
    expect(looping.args.join(" ")).toContain("-stream_loop -1 -i /w/bg.mp4");
    expect(looping.filterGraph).toContain("trim=start_frame=70:end_frame=145");
  });
});
