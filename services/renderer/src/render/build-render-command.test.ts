import { FORMATS, type Format, type RenderRequestInput, renderRequestSchema } from "@video-service/contracts";
import { describe, expect, it } from "vitest";
import { type BuildRenderCommandOptions, buildRenderCommand } from "./build-render-command.ts";

function options(format: Format, overrides: Partial<RenderRequestInput> = {}): BuildRenderCommandOptions {
  const request = renderRequestSchema.parse({
    format,
    outputKey: `videos/${format}/job123.mp4`,
    scenes: [
      { imageKey: "images/temp/job123/title.png", duration: 4, motion: "zoom-in" },
      { imageKey: "images/temp/job123/c1.png", duration: 3.5, motion: "pan-left" },
      { imageKey: "images/temp/job123/c2.png", duration: 3 },
    ],
    transitionSeconds: 0.5,
    narration: [
      { audioKey: "audio/temp/job123/0.wav", start: 0.2 },
      { audioKey: "audio/temp/job123/1.wav", start: 4.1 },
    ],
    captions: { mode: "word", words: [{ text: "hi", start: 0.2, end: 0.5 }] },
    music: { audioKey: "music/calm.mp3", volume: 0.2 },
    ...overrides,
  });
  return {
    request,
    inputs: {
      images: request.scenes.map((_, index) => `/scratch/render-x/s${index}.png`),
      narration: request.narration.map((_, index) => `/scratch/render-x/n${index}.wav`),
      music: request.music ? "/scratch/render-x/music.mp3" : undefined,
    },
    assPath: "/scratch/render-x/captions.ass",
    outputPath: "/scratch/render-x/output.mp4",
    filterScriptPath: "/scratch/render-x/graph.txt",
    preset: FORMATS[format],
  };
}

describe("buildRenderCommand: golden commands per format", () => {
  it("short", () => {
    const command = buildRenderCommand(options("short"));
    expect(command.durationSeconds).toBe(9.5);
    expect(command.totalFrames).toBe(285);
    expect(command.args.join(" ")).toMatchInlineSnapshot(
      `"-hide_banner -nostdin -nostats -y -framerate 30 -i /scratch/render-x/s0.png -framerate 30 -i /scratch/render-x/s1.png -framerate 30 -i /scratch/render-x/s2.png -i /scratch/render-x/n0.wav -i /scratch/render-x/n1.wav -stream_loop -1 -i /scratch/render-x/music.mp3 -filter_complex_script /scratch/render-x/graph.txt -map [vout] -map [aout] -c:v libx264 -preset faster -crf 23 -maxrate 8M -bufsize 16M -pix_fmt yuv420p -color_range tv -colorspace bt709 -color_primaries bt709 -color_trc bt709 -r 30 -c:a aac -b:a 128k -ar 48000 -ac 2 -frames:v 285 -t 9.5 -movflags +faststart -progress pipe:1 /scratch/render-x/output.mp4"`,
    );
    expect(command.filterGraph).toMatchInlineSnapshot(`
      "[0:v]scale=1080:1920:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=119:size=1:start=0,setpts=N/FRAME_RATE/TB,scale=w=trunc(1080*(1+0.08*(n/119))/4)*4:h=trunc(1920*(1+0.08*(n/119))/4)*4:eval=frame:flags=bilinear,crop=w=1080:h=1920:x=(trunc(1080*(1+0.08*(n/119))/4)*4-1080)/2:y=(trunc(1920*(1+0.08*(n/119))/4)*4-1920)/2,setsar=1[s0];
      [1:v]scale=1166:2074:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=104:size=1:start=0,setpts=N/FRAME_RATE/TB,crop=w=1080:h=1920:x=(in_w-out_w)*(1-(n/104)):y=(in_h-out_h)/2,setsar=1[s1];
      [2:v]scale=1080:1920:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=89:size=1:start=0,setpts=N/FRAME_RATE/TB,setsar=1[s2];
      [s0][s1]xfade=transition=fade:duration=0.5:offset=3.5[x1];
      [x1][s2]xfade=transition=fade:duration=0.5:offset=6.5[vx];
      [vx]settb=1/30,setpts=N,ass=filename=/scratch/render-x/captions.ass[vout];
      [3:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=delays=200:all=1[n0];
      [4:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=delays=4100:all=1[n1];
      [n0][n1]amix=inputs=2:duration=longest:normalize=0,apad=whole_dur=9.5,atrim=end=9.5[speech];
      [5:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,volume=0.2,atrim=end=9.5[music];
      [speech]asplit=2[speechmix][speechkey];
      [music][speechkey]sidechaincompress=threshold=0.02:ratio=10:attack=15:release=350[ducked];
      [speechmix][ducked]amix=inputs=2:duration=first:normalize=0[mixed];
      [mixed]loudnorm=I=-14:TP=-1.5:LRA=11,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[aout]"
    `);
  });

  it("standard", () => {
    const command = buildRenderCommand(options("standard"));
    expect(command.args.join(" ")).toMatchInlineSnapshot(
      `"-hide_banner -nostdin -nostats -y -framerate 30 -i /scratch/render-x/s0.png -framerate 30 -i /scratch/render-x/s1.png -framerate 30 -i /scratch/render-x/s2.png -i /scratch/render-x/n0.wav -i /scratch/render-x/n1.wav -stream_loop -1 -i /scratch/render-x/music.mp3 -filter_complex_script /scratch/render-x/graph.txt -map [vout] -map [aout] -c:v libx264 -preset medium -crf 22 -maxrate 8M -bufsize 16M -pix_fmt yuv420p -color_range tv -colorspace bt709 -color_primaries bt709 -color_trc bt709 -r 30 -c:a aac -b:a 192k -ar 48000 -ac 2 -frames:v 285 -t 9.5 -movflags +faststart -progress pipe:1 /scratch/render-x/output.mp4"`,
    );
    expect(command.filterGraph).toMatchInlineSnapshot(`
      "[0:v]scale=1920:1080:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=119:size=1:start=0,setpts=N/FRAME_RATE/TB,scale=w=trunc(1920*(1+0.08*(n/119))/4)*4:h=trunc(1080*(1+0.08*(n/119))/4)*4:eval=frame:flags=bilinear,crop=w=1920:h=1080:x=(trunc(1920*(1+0.08*(n/119))/4)*4-1920)/2:y=(trunc(1080*(1+0.08*(n/119))/4)*4-1080)/2,setsar=1[s0];
      [1:v]scale=2074:1166:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=104:size=1:start=0,setpts=N/FRAME_RATE/TB,crop=w=1920:h=1080:x=(in_w-out_w)*(1-(n/104)):y=(in_h-out_h)/2,setsar=1[s1];
      [2:v]scale=1920:1080:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=89:size=1:start=0,setpts=N/FRAME_RATE/TB,setsar=1[s2];
      [s0][s1]xfade=transition=fade:duration=0.5:offset=3.5[x1];
      [x1][s2]xfade=transition=fade:duration=0.5:offset=6.5[vx];
      [vx]settb=1/30,setpts=N,ass=filename=/scratch/render-x/captions.ass[vout];
      [3:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=delays=200:all=1[n0];
      [4:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=delays=4100:all=1[n1];
      [n0][n1]amix=inputs=2:duration=longest:normalize=0,apad=whole_dur=9.5,atrim=end=9.5[speech];
      [5:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,volume=0.2,atrim=end=9.5[music];
      [speech]asplit=2[speechmix][speechkey];
      [music][speechkey]sidechaincompress=threshold=0.02:ratio=10:attack=15:release=350[ducked];
      [speechmix][ducked]amix=inputs=2:duration=first:normalize=0[mixed];
      [mixed]loudnorm=I=-14:TP=-1.5:LRA=11,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[aout]"
    `);
  });

  it("long", () => {
    const command = buildRenderCommand(options("long"));
    expect(command.args.join(" ")).toMatchInlineSnapshot(
      `"-hide_banner -nostdin -nostats -y -framerate 30 -i /scratch/render-x/s0.png -framerate 30 -i /scratch/render-x/s1.png -framerate 30 -i /scratch/render-x/s2.png -i /scratch/render-x/n0.wav -i /scratch/render-x/n1.wav -stream_loop -1 -i /scratch/render-x/music.mp3 -filter_complex_script /scratch/render-x/graph.txt -map [vout] -map [aout] -c:v libx264 -preset slow -crf 20 -maxrate 8M -bufsize 16M -pix_fmt yuv420p -color_range tv -colorspace bt709 -color_primaries bt709 -color_trc bt709 -r 30 -c:a aac -b:a 256k -ar 48000 -ac 2 -frames:v 285 -t 9.5 -movflags +faststart -progress pipe:1 /scratch/render-x/output.mp4"`,
    );
    expect(command.filterGraph).toMatchInlineSnapshot(`
      "[0:v]scale=1920:1080:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=119:size=1:start=0,setpts=N/FRAME_RATE/TB,scale=w=trunc(1920*(1+0.08*(n/119))/4)*4:h=trunc(1080*(1+0.08*(n/119))/4)*4:eval=frame:flags=bilinear,crop=w=1920:h=1080:x=(trunc(1920*(1+0.08*(n/119))/4)*4-1920)/2:y=(trunc(1080*(1+0.08*(n/119))/4)*4-1080)/2,setsar=1[s0];
      [1:v]scale=2074:1166:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=104:size=1:start=0,setpts=N/FRAME_RATE/TB,crop=w=1920:h=1080:x=(in_w-out_w)*(1-(n/104)):y=(in_h-out_h)/2,setsar=1[s1];
      [2:v]scale=1920:1080:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=89:size=1:start=0,setpts=N/FRAME_RATE/TB,setsar=1[s2];
      [s0][s1]xfade=transition=fade:duration=0.5:offset=3.5[x1];
      [x1][s2]xfade=transition=fade:duration=0.5:offset=6.5[vx];
      [vx]settb=1/30,setpts=N,ass=filename=/scratch/render-x/captions.ass[vout];
      [3:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=delays=200:all=1[n0];
      [4:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,adelay=delays=4100:all=1[n1];
      [n0][n1]amix=inputs=2:duration=longest:normalize=0,apad=whole_dur=9.5,atrim=end=9.5[speech];
      [5:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,volume=0.2,atrim=end=9.5[music];
      [speech]asplit=2[speechmix][speechkey];
      [music][speechkey]sidechaincompress=threshold=0.02:ratio=10:attack=15:release=350[ducked];
      [speechmix][ducked]amix=inputs=2:duration=first:normalize=0[mixed];
      [mixed]loudnorm=I=-14:TP=-1.5:LRA=11,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[aout]"
    `);
  });
});

describe("buildRenderCommand: policy", () => {
  it.each(["short", "standard", "long"] as const)("%s: encoder settings from FORMATS", (format) => {
    const { args } = buildRenderCommand(options(format));
    const spec = FORMATS[format];
    const pairs = args.slice(0, -1).map((arg, index) => `${arg} ${args[index + 1]}`);
    expect(pairs).toEqual(
      expect.arrayContaining([
        "-c:v libx264",
        `-preset ${spec.preset}`,
        `-crf ${spec.crf}`,
        "-maxrate 8M",
        "-bufsize 16M",
        "-pix_fmt yuv420p",
        "-color_range tv",
        "-r 30",
        "-c:a aac",
        `-b:a ${spec.audioBitrate}`,
        "-ar 48000",
        "-ac 2",
        "-movflags +faststart",
        "-progress pipe:1",
      ]),
    );
    expect(args.at(-1)).toBe("/scratch/render-x/output.mp4");
  });

  it("decodes each still once: single-frame inputs, never -loop 1", () => {
    const { args, filterGraph } = buildRenderCommand(options("short"));
    expect(args).not.toContain("-loop");
    expect(args.filter((arg) => arg === "-framerate")).toHaveLength(3);
    expect(filterGraph).not.toContain("zoompan");
    // Each chain converts before it repeats.
    for (const chain of filterGraph.split(";\n").filter((line) => /^\[\d:v\]/.test(line))) {
      expect(chain.indexOf("format=yuv420p")).toBeLessThan(chain.indexOf("loop="));
    }
  });

  it("a static scene is the cheapest chain: one scale, no per-frame work", () => {
    const { filterGraph } = buildRenderCommand(
      options("short", { scenes: [{ imageKey: "a.png", duration: 2, motion: "none" }], captions: { mode: "none" } }),
    );
    expect(filterGraph.split(";\n")[0]).toBe(
      "[0:v]scale=1080:1920:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=59:size=1:start=0,setpts=N/FRAME_RATE/TB,setsar=1[s0]",
    );
  });

  it("crossfades with xfade at frame-exact offsets, or concatenates when transitions are 0", () => {
    const faded = buildRenderCommand(options("short")).filterGraph;
    expect(faded).toContain("[s0][s1]xfade=transition=fade:duration=0.5:offset=3.5[x1]");
    expect(faded).toContain("[x1][s2]xfade=transition=fade:duration=0.5:offset=6.5[vx]");
    const cut = buildRenderCommand(options("short", { transitionSeconds: 0 })).filterGraph;
    expect(cut).toContain("[s0][s1][s2]concat=n=3:v=1:a=0[vx]");
    expect(cut).not.toContain("xfade");
  });

  it("places narration with adelay, ducks music under it and normalises loudness", () => {
    const { filterGraph } = buildRenderCommand(options("short"));
    expect(filterGraph).toContain("adelay=delays=200:all=1[n0]");
    expect(filterGraph).toContain("adelay=delays=4100:all=1[n1]");
    expect(filterGraph).toContain("[music][speechkey]sidechaincompress=");
    expect(filterGraph).toContain("volume=0.2");
    expect(filterGraph).toContain("loudnorm=I=-14:");
    expect(filterGraph).toMatch(/aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo\[aout\]$/);
  });

  it("without narration or music the audio is silence of the video's length", () => {
    const { filterGraph, args } = buildRenderCommand(options("short", { narration: [], music: undefined }));
    expect(filterGraph).toContain("anullsrc=r=48000:cl=stereo,atrim=end=9.5[speech]");
    expect(filterGraph).not.toContain("sidechaincompress");
    expect(args).not.toContain("-stream_loop");
  });

  it("music without ducking is mixed as is", () => {
    const { filterGraph } = buildRenderCommand(
      options("short", { music: { audioKey: "m.mp3", volume: 0.5, duck: false } }),
    );
    expect(filterGraph).not.toContain("sidechaincompress");
    expect(filterGraph).toContain("[speech][music]amix=inputs=2:duration=first:normalize=0[mixed]");
  });

  it("burns captions only when there is a captions file, escaping its path for the graph", () => {
    const base = options("short");
    const withHostilePath = buildRenderCommand({ ...base, assPath: "/tmp/it's a:b,c;d[e]\\f/captions.ass" });
    expect(withHostilePath.filterGraph).toContain(
      "[vx]settb=1/30,setpts=N,ass=filename=/tmp/it\\\\\\'s a\\\\:b\\,c\\;d\\[e\\]\\\\\\\\f/captions.ass[vout]",
    );
    const without = buildRenderCommand({ ...base, assPath: undefined });
    expect(without.filterGraph).not.toContain("ass=");
    expect(without.args).toEqual(expect.arrayContaining(["-map", "[vx]"]));
  });

  it("a single scene maps its own chain", () => {
    const { args } = buildRenderCommand({
      ...options("short", { scenes: [{ imageKey: "a.png", duration: 2, motion: "none" }] }),
      assPath: undefined,
    });
    expect(args).toEqual(expect.arrayContaining(["-map", "[s0]"]));
  });

  it("is pure: the same options give the same command", () => {
    expect(buildRenderCommand(options("long"))).toEqual(buildRenderCommand(options("long")));
  });
});

describe("buildRenderCommand: a library background", () => {
  const withBackground = (background: RenderRequestInput["background"]) => {
    const base = options("short", { background });
    return { ...base, inputs: { ...base.inputs, background: "/scratch/render-x/bg.mp4" } };
  };

  it("decodes the clip once: one seeked, looped input, cut to the video, cards with alpha over it", () => {
    const command = buildRenderCommand(
      withBackground({ kind: "video", key: "media/background-video/sea/v1/portrait.mp4", startSeconds: 7 }),
    );
    const args = command.args.join(" ");
    expect(args.split("/scratch/render-x/bg.mp4").length - 1).toBe(1);
    expect(args).toContain("-ss 7 -stream_loop -1 -i /scratch/render-x/bg.mp4");
    // Input 6: after three stills, two narration clips and the music.
    expect(command.filterGraph).toContain("[6:v]setpts=N/(30*TB),trim=end_frame=285,format=yuv420p,setsar=1[bg]");
    expect(command.filterGraph).toContain("[bg][vx]overlay=x=0:y=0:format=yuv420:eof_action=pass[vbg]");
    expect(command.filterGraph).toContain("[vbg]settb=1/30,setpts=N,ass=");
    expect(command.filterGraph.match(/format=yuva420p/g)).toHaveLength(3);
  });

  it("dims and blurs the background when asked, at a quarter of the size", () => {
    const command = buildRenderCommand(
      withBackground({ kind: "video", key: "media/background-video/sea/v1/portrait.mp4", dim: 0.4, blur: 20 }),
    );
    expect(command.filterGraph).toContain(
      "scale=270:480:flags=bilinear,gblur=sigma=5,scale=1080:1920:flags=bilinear,lutyuv=y=16+(val-16)*0.6:u=128+(val-128)*0.6:v=128+(val-128)*0.6",
    );
  });

  it("repeats an image background like a still: converted once, then looped", () => {
    const command = buildRenderCommand(
      withBackground({ kind: "image", key: "media/background-image/sky/v1/portrait.png" }),
    );
    expect(command.args.join(" ")).toContain("-framerate 30 -i /scratch/render-x/bg.mp4");
    expect(command.filterGraph).toContain(
      "[6:v]scale=1080:1920:out_color_matrix=bt709:out_range=tv,format=yuv420p,loop=loop=284:size=1:start=0,setpts=N/FRAME_RATE/TB,setsar=1[bg]",
    );
  });
});
