/**
 * A local stand-in for Amazon Polly that speaks its REST-JSON protocol (awsRestJson1, as
 * @aws-sdk/client-polly sends it), over HTTP/2 cleartext because the SDK's default handler is
 * NodeHttp2Handler:
 *
 * - `GET /v1/voices?NextToken=` → `{"Voices":[…],"NextToken"}` (two pages, to exercise paging);
 * - `POST /v1/speech` with `{Engine, OutputFormat, SampleRate, SpeechMarkTypes, Text, TextType, VoiceId}`
 *   → raw 16-bit PCM (`audio/pcm`) or speech marks, one JSON object per line
 *   (`application/x-json-stream`), with `x-amzn-RequestCharacters`;
 * - errors as non-2xx with `x-amzn-ErrorType` and `{"message"}`: EngineNotSupportedException,
 *   InvalidSsmlException (the SSML is parsed as XML and must have a <speak> root),
 *   TextLengthExceededException (3,000 billed / 6,000 total characters), InvalidSampleRateException,
 *   MarksNotSupportedForFormatException, ThrottlingException (injected).
 *
 * The audio is real and agrees with the marks: each word is a sine tone of 60 ms per letter
 * (at least 80 ms), words are 70 ms apart, a sentence end adds 250 ms, all at whole milliseconds.
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { XMLValidator } from "fast-xml-parser";

export interface FakeVoice {
  Id: string;
  Name: string;
  LanguageCode: string;
  LanguageName: string;
  Gender: "Female" | "Male";
  SupportedEngines: string[];
  AdditionalLanguageCodes?: string[];
}

export const FAKE_VOICES: FakeVoice[] = [
  {
    Id: "Joanna",
    Name: "Joanna",
    LanguageCode: "en-US",
    LanguageName: "US English",
    Gender: "Female",
    SupportedEngines: ["generative", "long-form", "neural", "standard"],
  },
  {
    Id: "Matthew",
    Name: "Matthew",
    LanguageCode: "en-US",
    LanguageName: "US English",
    Gender: "Male",
    SupportedEngines: ["neural", "standard"],
  },
  {
    Id: "Mizuki",
    Name: "Mizuki",
    LanguageCode: "ja-JP",
    LanguageName: "Japanese",
    Gender: "Female",
    SupportedEngines: ["standard"],
  },
  {
    Id: "Takumi",
    Name: "Takumi",
    LanguageCode: "ja-JP",
    LanguageName: "Japanese",
    Gender: "Male",
    SupportedEngines: ["neural", "standard"],
  },
  {
    Id: "Zhiyu",
    Name: "Zhiyu",
    LanguageCode: "cmn-CN",
    LanguageName: "Chinese Mandarin",
    Gender: "Female",
    SupportedEngines: ["neural", "standard"],
  },
  {
    Id: "Tatyana",
    Name: "Tatyana",
    LanguageCode: "ru-RU",
    LanguageName: "Russian",
    Gender: "Female",
    SupportedEngines: ["standard"],
  },
];

export interface PlannedWord {
  word: string;
  startMs: number;
  endMs: number;
}

export interface FakeSpeechRequest {
  Engine?: string;
  OutputFormat: string;
  SampleRate?: string;
  SpeechMarkTypes?: string[];
  Text: string;
  TextType?: string;
  VoiceId: string;
}

export interface FakePolly {
  url: string;
  /** Every POST /v1/speech body, in order (including refused ones). */
  requests: FakeSpeechRequest[];
  /** Every audio answer: the plain text spoken, its words' tone intervals and the clip length. */
  audio: { text: string; words: PlannedWord[]; durationMs: number }[];
  describeCalls: number;
  /** The next `count` requests (speech or voices) are answered with this failure. */
  failNext(count: number, failure?: { status: number; type: string; message?: string }): void;
  /** Whether generative voices give speech marks (the docs do not list them; default: refused). */
  generativeMarks: boolean;
  /** Forgets requests, audio and pending failures; generative marks refused again. */
  reset(): void;
  close(): Promise<void>;
}

const MAX_BILLED = 3000;
const MAX_TOTAL = 6000;
const LEAD_IN_MS = 100;
const GAP_MS = 70;
const SENTENCE_PAUSE_MS = 250;

export async function startFakePolly(): Promise<FakePolly> {
  const failures: { status: number; type: string; message?: string }[] = [];
  const fake: Omit<FakePolly, "url" | "close" | "reset"> = {
    requests: [],
    audio: [],
    describeCalls: 0,
    generativeMarks: false,
    failNext(count, failure = { status: 400, type: "ThrottlingException", message: "Rate exceeded" }) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },
  };

  const server = http2.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const error = (status: number, type: string, message: string) => {
        res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": `${type}:` });
        res.end(JSON.stringify({ message }));
      };
      if (req.method === "GET" && url.pathname === "/v1/voices") {
        fake.describeCalls++;
        const failure = failures.shift();
        if (failure) {
          error(failure.status, failure.type, failure.message ?? failure.type);
          return;
        }
        const page = url.searchParams.get("NextToken") === "page-2" ? 1 : 0;
        const half = Math.ceil(FAKE_VOICES.length / 2);
        const voices = page === 0 ? FAKE_VOICES.slice(0, half) : FAKE_VOICES.slice(half);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ Voices: voices, ...(page === 0 ? { NextToken: "page-2" } : {}) }));
        return;
      }
      if (req.method !== "POST" || url.pathname !== "/v1/speech") {
        error(404, "UnknownOperationException", `no ${req.method} ${url.pathname}`);
        return;
      }
      let body: FakeSpeechRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as FakeSpeechRequest;
      } catch {
        error(400, "SerializationException", "body is not JSON");
        return;
      }
      fake.requests.push(body);
      const failure = failures.shift();
      if (failure) {
        error(failure.status, failure.type, failure.message ?? failure.type);
        return;
      }
      const answer = synthesize(body, fake.generativeMarks);
      if ("error" in answer) {
        error(400, answer.error, answer.message);
        return;
      }
      if (answer.audio) fake.audio.push(answer.audio);
      res.writeHead(200, {
        "content-type": answer.contentType,
        "x-amzn-requestcharacters": String(answer.billed),
        "x-amzn-requestid": `fake-${fake.requests.length}`,
      });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    reset() {
      fake.requests.length = 0;
      fake.audio.length = 0;
      failures.length = 0;
      fake.generativeMarks = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as FakePolly;
}

type Answer =
  | { error: string; message: string }
  | {
      body: Buffer;
      contentType: string;
      billed: number;
      audio?: { text: string; words: PlannedWord[]; durationMs: number };
    };

/** Text characters of the SSML (entities decoded), each with the byte range it came from. */
interface SourceChar {
  char: string;
  start: number;
  end: number;
}

const ENTITY_VALUES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function ssmlText(ssml: string): SourceChar[] {
  const out: SourceChar[] = [];
  let byte = 0;
  let i = 0;
  while (i < ssml.length) {
    const char = ssml[i] ?? "";
    if (char === "<") {
      const close = ssml.indexOf(">", i);
      byte += Buffer.byteLength(ssml.slice(i, close + 1));
      i = close + 1;
      continue;
    }
    if (char === "&") {
      const semi = ssml.indexOf(";", i);
      const entity = ssml.slice(i, semi + 1);
      const name = entity.slice(1, -1);
      const value = name.startsWith("#x")
        ? String.fromCodePoint(Number.parseInt(name.slice(2), 16))
        : name.startsWith("#")
          ? String.fromCodePoint(Number(name.slice(1)))
          : (ENTITY_VALUES[name] ?? "");
      out.push({ char: value, start: byte, end: byte + Buffer.byteLength(entity) });
      byte += Buffer.byteLength(entity);
      i = semi + 1;
      continue;
    }
    const codePoint = String.fromCodePoint(ssml.codePointAt(i) ?? 0);
    out.push({ char: codePoint, start: byte, end: byte + Buffer.byteLength(codePoint) });
    byte += Buffer.byteLength(codePoint);
    i += codePoint.length;
  }
  return out;
}

function synthesize(body: FakeSpeechRequest, generativeMarks: boolean): Answer {
  const voice = FAKE_VOICES.find((v) => v.Id === body.VoiceId);
  if (!voice) return { error: "ValidationException", message: `Unknown voice ${body.VoiceId}` };
  const engine = body.Engine ?? "standard";
  if (!voice.SupportedEngines.includes(engine)) {
    return { error: "EngineNotSupportedException", message: `${voice.Id} does not support the ${engine} engine` };
  }
  let chars: SourceChar[];
  if (body.TextType === "ssml") {
    const valid = XMLValidator.validate(body.Text);
    if (valid !== true) return { error: "InvalidSsmlException", message: `Invalid SSML: ${valid.err.msg}` };
    if (!/^<speak>/.test(body.Text) || !/<\/speak>$/.test(body.Text)) {
      return { error: "InvalidSsmlException", message: "SSML root must be <speak>" };
    }
    chars = ssmlText(body.Text);
  } else {
    chars = ssmlText(body.Text.replace(/[<&]/g, " "));
  }
  const billed = chars.length;
  if (billed > MAX_BILLED || body.Text.length > MAX_TOTAL) {
    return { error: "TextLengthExceededException", message: `${billed} billed / ${body.Text.length} total characters` };
  }
  const plan = planWords(chars);
  if (body.OutputFormat === "json") {
    if (!body.SpeechMarkTypes?.length) return { error: "ValidationException", message: "SpeechMarkTypes required" };
    if (engine === "generative" && !generativeMarks) {
      return { error: "ValidationException", message: "Speech marks are not supported by the generative engine" };
    }
    const lines: string[] = [];
    for (const sentence of plan.sentences) {
      if (body.SpeechMarkTypes.includes("sentence")) {
        lines.push(
          JSON.stringify({ time: sentence.startMs, type: "sentence", ...sentence.bytes, value: sentence.text }),
        );
      }
      if (body.SpeechMarkTypes.includes("word")) {
        for (const word of sentence.words) {
          lines.push(JSON.stringify({ time: word.startMs, type: "word", ...word.bytes, value: word.word }));
        }
      }
    }
    return { body: Buffer.from(lines.map((l) => `${l}\n`).join("")), contentType: "application/x-json-stream", billed };
  }
  if (body.OutputFormat !== "pcm") {
    return { error: "ValidationException", message: `the fake only makes pcm and json, not ${body.OutputFormat}` };
  }
  const rate = Number(body.SampleRate ?? "16000");
  if (rate !== 8000 && rate !== 16000) return { error: "InvalidSampleRateException", message: `pcm at ${rate} Hz` };
  const samples = new Int16Array(Math.round((plan.durationMs * rate) / 1000));
  for (const [index, word] of plan.sentences.flatMap((s) => s.words).entries()) {
    const frequency = 220 + (index % 5) * 60;
    const from = Math.round((word.startMs * rate) / 1000);
    const to = Math.round((word.endMs * rate) / 1000);
    for (let i = from; i < to; i++)
      samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * frequency * (i - from)) / rate));
  }
  return {
    body: Buffer.from(samples.buffer),
    contentType: "audio/pcm",
    billed,
    audio: {
      text: chars.map((c) => c.char).join(""),
      words: plan.sentences.flatMap((s) => s.words.map(({ word, startMs, endMs }) => ({ word, startMs, endMs }))),
      durationMs: plan.durationMs,
    },
  };
}

interface PlanWord extends PlannedWord {
  bytes: { start: number; end: number };
}

/** Words are runs of letters, digits and apostrophes; a word followed by . ! ? (or 。！？) ends a sentence. */
function planWords(chars: SourceChar[]) {
  const sentences: { text: string; startMs: number; bytes: { start: number; end: number }; words: PlanWord[] }[] = [];
  let at = LEAD_IN_MS;
  let current: (typeof sentences)[number] | undefined;
  let i = 0;
  const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}'’]/u.test(c);
  while (i < chars.length) {
    if (!isWordChar(chars[i]?.char)) {
      i++;
      continue;
    }
    const first = i;
    while (i < chars.length && isWordChar(chars[i]?.char)) i++;
    const word = chars
      .slice(first, i)
      .map((c) => c.char)
      .join("");
    const bytes = { start: chars[first]?.start ?? 0, end: chars[i - 1]?.end ?? 0 };
    if (!current) {
      current = { text: "", startMs: at, bytes: { ...bytes }, words: [] };
      sentences.push(current);
    }
    const lengthMs = Math.max(80, 60 * Array.from(word).length);
    current.words.push({ word, startMs: at, endMs: at + lengthMs, bytes });
    current.bytes.end = bytes.end;
    at += lengthMs + GAP_MS;
    let j = i;
    while (j < chars.length && !isWordChar(chars[j]?.char) && !/\s/.test(chars[j]?.char ?? "")) j++;
    const punctuation = chars
      .slice(i, j)
      .map((c) => c.char)
      .join("");
    if (/[.!?。！？]/.test(punctuation)) {
      at += SENTENCE_PAUSE_MS;
      current.text = current.words.map((w) => w.word).join(" ");
      current = undefined;
    }
  }
  if (current) current.text = current.words.map((w) => w.word).join(" ");
  return { sentences, durationMs: at + LEAD_IN_MS };
}
