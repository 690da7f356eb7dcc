/** One block of FFmpeg's `-progress` output (key=value lines ending with `progress=continue|end`). */
export interface FfmpegProgress {
  /** Output timestamp reached, seconds; undefined while FFmpeg still reports N/A. */
  outTimeSeconds: number | undefined;
  frame: number | undefined;
  fps: number | undefined;
  /** True on the last block (`progress=end`). */
  done: boolean;
}

export interface ParsedProgress {
  /** Complete blocks found in the text, in order. */
  blocks: FfmpegProgress[];
  /** Text after the last complete block: prepend it to the next chunk. */
  rest: string;
}

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && value.trim() !== "" ? parsed : undefined;
}

/** `HH:MM:SS.micro` → seconds. */
function parseClock(value: string | undefined): number | undefined {
  const match = value?.match(/^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/);
  if (!match) return undefined;
  const [, sign, h, m, s] = match;
  const seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
  return sign === "-" ? -seconds : seconds;
}

/**
 * Parses FFmpeg's `-progress pipe:1` stream. Pure: the caller keeps `rest` between chunks, because
 * a chunk can end in the middle of a line or a block. `out_time_us` is preferred (`out_time_ms` is
 * also microseconds, a historical FFmpeg quirk); `out_time` is the fallback.
 * See https://ffmpeg.org/ffmpeg.html#Advanced-options (-progress).
 */
export function parseFfmpegProgress(chunk: string): ParsedProgress {
  const blocks: FfmpegProgress[] = [];
  let fields = new Map<string, string>();
  let consumed = 0;
  let offset = 0;
  while (true) {
    const newline = chunk.indexOf("\n", offset);
    if (newline === -1) break;
    const line = chunk.slice(offset, newline).trim();
    offset = newline + 1;
    const equals = line.indexOf("=");
    if (equals <= 0) continue;
    const key = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    fields.set(key, value);
    if (key === "progress") {
      const micros = toNumber(fields.get("out_time_us")) ?? toNumber(fields.get("out_time_ms"));
      const outTimeSeconds = micros !== undefined ? micros / 1_000_000 : parseClock(fields.get("out_time"));
      blocks.push({
        outTimeSeconds: outTimeSeconds !== undefined && outTimeSeconds >= 0 ? outTimeSeconds : undefined,
        frame: toNumber(fields.get("frame")),
        fps: toNumber(fields.get("fps")),
        done: value === "end",
      });
      fields = new Map();
      consumed = offset;
    }
  }
  return { blocks, rest: chunk.slice(consumed) };
}
