import {
  DescribeVoicesCommand,
  type DescribeVoicesCommandOutput,
  type Engine,
  PollyClient as SdkPollyClient,
  SynthesizeSpeechCommand,
  type SynthesizeSpeechCommandInput,
} from "@aws-sdk/client-polly";
import type { Logger } from "@video-service/logger";
import { type RetryDecision, retry, withTimeout } from "@video-service/retry";

/** Polly's engines, most natural first: the order a voice's engine is chosen in. */
export const POLLY_ENGINES = ["generative", "long-form", "neural", "standard"] as const;
export type PollyEngineName = (typeof POLLY_ENGINES)[number];

export interface PollyVoice {
  id: string;
  name: string;
  /** BCP-47-like code as Polly gives it, e.g. "en-US", "cmn-CN". */
  languageCode: string;
  additionalLanguageCodes: string[];
  gender: "female" | "male" | null;
  engines: PollyEngineName[];
}

export interface PollyClientOptions {
  region: string;
  /** A local fake in tests; Polly's own endpoint when absent. */
  endpoint?: string | undefined;
  /** Static credentials for tests; the default AWS chain (the ECS task role) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  logger: Logger;
  /** One request's time limit, ms (default 30 s). */
  requestTimeoutMs?: number;
  /** Retries of throttled or failed requests after the first (default 4). */
  retries?: number;
  /** First backoff bound, ms (default 250). */
  backoffBaseMs?: number;
}

export interface SynthesizeRequest {
  ssml: string;
  voiceId: string;
  engine: PollyEngineName;
  signal?: AbortSignal | undefined;
}

/** The service answered with an error that another attempt will not fix (bad SSML, unsupported engine…). */
export class PollyRequestError extends Error {
  override readonly name = "PollyRequestError";
  /** Polly's error code, e.g. "InvalidSsmlException", "EngineNotSupportedException". */
  readonly code: string;
  readonly status: number | undefined;
  constructor(code: string, message: string, status: number | undefined, cause: unknown) {
    super(`Polly ${code}: ${message}`, { cause });
    this.code = code;
    this.status = status;
  }
}

/** Polly stayed unavailable or kept throttling us through every retry. */
export class PollyUnavailableError extends Error {
  override readonly name = "PollyUnavailableError";
}

export interface PollyClient {
  describeVoices(signal?: AbortSignal): Promise<PollyVoice[]>;
  /** 16-bit mono PCM at 16 kHz (Polly's highest PCM rate), and the characters billed. */
  synthesizePcm(request: SynthesizeRequest): Promise<{ pcm: Buffer; billedCharacters: number }>;
  /** Word and sentence speech marks (one JSON object per line), and the characters billed. */
  speechMarks(request: SynthesizeRequest): Promise<{ marks: SpeechMark[]; billedCharacters: number }>;
  close(): void;
}

export interface SpeechMark {
  time: number;
  type: "word" | "sentence" | string;
  /** UTF-8 byte offsets into the SSML sent. */
  start: number;
  end: number;
  value: string;
}

export const PCM_SAMPLE_RATE = 16_000;

// Throttling codes and transient HTTP statuses, as the SDK's own classification has them
// (smithy-typescript service-error-classification). Retried here, with our backoff: the SDK's
// retry strategy is switched off (maxAttempts 1) so there is one retry policy.
const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "SlowDown",
]);
const TRANSIENT_NETWORK = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ERR_HTTP2_STREAM_ERROR"]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

function classify(error: unknown): RetryDecision {
  if (error instanceof PollyRequestError) return { retry: false };
  if (error instanceof Error && error.name === "TimeoutError") return { retry: true };
  const e = error as SdkError;
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING.has(e.name ?? "") || e.$retryable?.throttling || status === 429) return { retry: true };
  if (status !== undefined && status >= 500) return { retry: true };
  if (status === undefined && TRANSIENT_NETWORK.has(e.code ?? e.name ?? "")) return { retry: true };
  return { retry: false };
}

/** The SDK's error as ours: throttling and 5xx are "unavailable", the rest a request error. */
function toPollyError(error: unknown): Error {
  if (error instanceof PollyRequestError || error instanceof PollyUnavailableError) return error;
  const e = error as SdkError;
  if (classify(error).retry) {
    return new PollyUnavailableError(`Polly is unavailable: ${e.name ?? "error"}: ${e.message ?? String(error)}`, {
      cause: error,
    });
  }
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return error instanceof Error ? error : new Error(String(error));
  return new PollyRequestError(e.name ?? "UnknownError", e.message ?? "", status, error);
}

/** The one wrapper of @aws-sdk/client-polly: timeouts, retries with backoff, errors mapped. */
export function createPollyClient(o: PollyClientOptions): PollyClient {
  const sdk = new SdkPollyClient({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    maxAttempts: 1,
  });
  const timeoutMs = o.requestTimeoutMs ?? 30_000;

  async function call<T>(what: string, signal: AbortSignal | undefined, send: (s: AbortSignal) => Promise<T>) {
    try {
      return await retry((_attempt) => withTimeout(timeoutMs, signal, `Polly ${what}`, send), {
        retries: o.retries ?? 4,
        baseMs: o.backoffBaseMs ?? 250,
        capMs: 8_000,
        signal,
        classify,
        onRetry: ({ attempt, delayMs, error }) =>
          o.logger.warn(
            { attempt, delayMs, error: (error as SdkError).name ?? String(error) },
            `Polly ${what} failed; retrying`,
          ),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw toPollyError(error);
    }
  }

  async function synthesize(input: SynthesizeSpeechCommandInput, signal: AbortSignal | undefined) {
    return call("SynthesizeSpeech", signal, async (s) => {
      const output = await sdk.send(new SynthesizeSpeechCommand(input), { abortSignal: s });
      if (!output.AudioStream) throw new PollyRequestError("EmptyResponse", "no audio stream", 200, undefined);
      const bytes = Buffer.from(await output.AudioStream.transformToByteArray());
      return { bytes, billedCharacters: output.RequestCharacters ?? 0 };
    });
  }

  return {
    async describeVoices(signal) {
      const voices: PollyVoice[] = [];
      let nextToken: string | undefined;
      do {
        const page: DescribeVoicesCommandOutput = await call("DescribeVoices", signal, (s) =>
          sdk.send(new DescribeVoicesCommand({ IncludeAdditionalLanguageCodes: true, NextToken: nextToken }), {
            abortSignal: s,
          }),
        );
        for (const voice of page.Voices ?? []) {
          if (!voice.Id) continue;
          voices.push({
            id: voice.Id,
            name: voice.Name ?? voice.Id,
            languageCode: voice.LanguageCode ?? "",
            additionalLanguageCodes: voice.AdditionalLanguageCodes ?? [],
            gender: voice.Gender === "Female" ? "female" : voice.Gender === "Male" ? "male" : null,
            engines: (voice.SupportedEngines ?? []).filter((e): e is PollyEngineName =>
              (POLLY_ENGINES as readonly string[]).includes(e),
            ),
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return voices;
    },

    async synthesizePcm({ ssml, voiceId, engine, signal }) {
      const { bytes, billedCharacters } = await synthesize(
        {
          Engine: engine as Engine,
          OutputFormat: "pcm",
          SampleRate: String(PCM_SAMPLE_RATE),
          Text: ssml,
          TextType: "ssml",
          VoiceId: voiceId as SynthesizeSpeechCommandInput["VoiceId"],
        },
        signal,
      );
      return { pcm: bytes, billedCharacters };
    },

    async speechMarks({ ssml, voiceId, engine, signal }) {
      const { bytes, billedCharacters } = await synthesize(
        {
          Engine: engine as Engine,
          OutputFormat: "json",
          SpeechMarkTypes: ["word", "sentence"],
          Text: ssml,
          TextType: "ssml",
          VoiceId: voiceId as SynthesizeSpeechCommandInput["VoiceId"],
        },
        signal,
      );
      return { marks: parseSpeechMarks(bytes.toString("utf8")), billedCharacters };
    },

    close() {
      sdk.destroy();
    },
  };
}

/** Polly's speech marks: one JSON object per line. */
export function parseSpeechMarks(body: string): SpeechMark[] {
  const marks: SpeechMark[] = [];
  for (const line of body.split("\n")) {
    if (!line.trim()) continue;
    const mark = JSON.parse(line) as Partial<SpeechMark>;
    if (typeof mark.time !== "number" || typeof mark.type !== "string") continue;
    marks.push({
      time: mark.time,
      type: mark.type,
      start: mark.start ?? 0,
      end: mark.end ?? 0,
      value: mark.value ?? "",
    });
  }
  return marks;
}
