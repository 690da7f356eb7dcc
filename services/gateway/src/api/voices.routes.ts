import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Voice } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import type { VoiceCatalog } from "../voices/voice-catalog.ts";
import type { ApiKeyVariables } from "./api-key.middleware.ts";
import { security } from "./video.openapi.ts";
import { problemSchema } from "./video.schemas.ts";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problemSchema } },
});

export const voiceInfoViewSchema = z
  .object({
    engine: z.enum(["espeak", "polly"]).openapi({ description: "`voice.engine` of a video request" }),
    id: z.string().openapi({ description: "`voice.voice` of a video request", example: "Joanna" }),
    name: z.string(),
    language: z.string().openapi({ description: "Main language (BCP 47, as the engine names it)", example: "en-US" }),
    otherLanguages: z.array(z.string()),
    gender: z.enum(["female", "male"]).nullable(),
    engines: z
      .array(z.string())
      .optional()
      .openapi({ description: "Polly: the engines the voice has here, the one used first (most natural)" }),
  })
  .openapi("VoiceInfo");

export const voicesQuerySchema = z.object({
  engine: z
    .enum(["espeak", "polly"])
    .optional()
    .openapi({ param: { name: "engine", in: "query" } }),
  language: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a language code such as en, en-US or cmn")
    .optional()
    .openapi({
      param: { name: "language", in: "query" },
      description: "Voices of this language or its variants (en matches en-US, en-gb-x-rp…)",
    }),
});

export const voicesRoute = createRoute({
  method: "get",
  path: "/v1/voices",
  tags: ["voices"],
  summary: "The engines and voices this deployment can speak with",
  description:
    "espeak-ng's installed voices, and Amazon Polly's when the renderer has Polly enabled, with language and " +
    "gender. Use `engine` and `id` as `voice.engine` and `voice.voice` of `POST /v1/videos`.",
  security,
  request: { query: voicesQuerySchema },
  responses: {
    200: {
      description: "The voices",
      content: {
        "application/json": {
          schema: z
            .object({ engines: z.array(z.enum(["espeak", "polly"])), data: z.array(voiceInfoViewSchema) })
            .openapi("VoiceList"),
        },
      },
    },
    401: problem("Missing or invalid API key"),
    422: problem("Invalid query"),
    503: problem("The renderer could not list its voices"),
  },
});

/** The catalog's list, or a 503 that says to retry (the renderer, or Polly behind it, is down). */
async function listOrUnavailable(catalog: VoiceCatalog, signal: AbortSignal) {
  try {
    return await catalog.list(signal);
  } catch (error) {
    throw new AppError("unavailable", "the voices cannot be listed right now (the renderer did not answer); retry", {
      cause: error,
      headers: { "retry-after": "5" },
    });
  }
}

/** GET /v1/voices. */
export function registerVoiceRoutes(app: OpenAPIHono<{ Variables: ApiKeyVariables }>, catalog: VoiceCatalog): void {
  app.openapi(voicesRoute, async (c) => {
    const { engine, language } = c.req.valid("query");
    const list = await listOrUnavailable(catalog, c.req.raw.signal);
    const prefix = language?.toLowerCase();
    const data = list.voices.filter(
      (voice) =>
        (engine === undefined || voice.engine === engine) &&
        (prefix === undefined ||
          [voice.language, ...voice.otherLanguages].some((l) => {
            const code = l.toLowerCase();
            return code === prefix || code.startsWith(`${prefix}-`);
          })),
    );
    return c.json({ engines: list.engines, data }, 200);
  });
}

/**
 * A request's voice checked against the voices this deployment has: an unknown engine or voice is
 * a 422 that points at GET /v1/voices. When the list cannot be read, the job is accepted (the
 * narration stage reports a bad voice then): a renderer restart must not refuse every request.
 */
export async function checkVoice(
  catalog: VoiceCatalog,
  voice: Pick<Voice, "engine" | "voice">,
  signal?: AbortSignal,
): Promise<void> {
  let list: Awaited<ReturnType<VoiceCatalog["list"]>>;
  try {
    list = await catalog.list(signal);
  } catch {
    return;
  }
  if (!list.engines.includes(voice.engine)) {
    const message = `the ${voice.engine} engine is not enabled on this server (enabled: ${list.engines.join(", ")}); GET /v1/voices lists the voices`;
    throw new AppError("validation-failed", `body.voice.engine: ${message}`, {
      extensions: { errors: [{ path: "body.voice.engine", message }] },
    });
  }
  if (!(await catalog.find(voice, signal))) {
    const message = `${voice.engine} has no voice "${voice.voice}" here; GET /v1/voices lists the voices`;
    throw new AppError("validation-failed", `body.voice.voice: ${message}`, {
      extensions: { errors: [{ path: "body.voice.voice", message }] },
    });
  }
}
