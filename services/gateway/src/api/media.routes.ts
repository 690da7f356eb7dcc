import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { MEDIA_KINDS, type MediaItem, mediaKindSchema, mediaNameSchema } from "@video-service/contracts";
import { AppError } from "@video-service/errors";
import { createMediaLibrary } from "../media/media-library.store.ts";
import { parseCredit, uploadMedia } from "../media/media-upload.service.ts";
import type { ApiDeps } from "./api.types.ts";
import type { ApiKeyVariables } from "./api-key.middleware.ts";
import { security } from "./video.openapi.ts";
import { problemSchema } from "./video.schemas.ts";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: problemSchema } },
});
const common = { 401: problem("Missing or invalid API key"), 422: problem("The request failed validation") };

// Schemas of @video-service/contracts are plain zod (no .openapi()); the parameters' names come from the keys.
const itemParams = z.object({ kind: z.enum(MEDIA_KINDS), name: mediaNameSchema });

export const mediaItemViewSchema = z
  .object({
    kind: mediaKindSchema,
    name: z.string(),
    credit: z.string(),
    durationSeconds: z.number(),
    sizeBytes: z.number().int(),
    uploadBytes: z.number().int(),
    createdAt: z.string(),
    source: z.object({
      formatName: z.string(),
      codec: z.string(),
      width: z.number().int().optional(),
      height: z.number().int().optional(),
    }),
    variants: z.array(z.string()),
    links: z.object({ self: z.string() }),
  })
  .openapi("MediaItem");

function view(item: MediaItem): z.infer<typeof mediaItemViewSchema> {
  return {
    kind: item.kind,
    name: item.name,
    credit: item.credit,
    durationSeconds: item.durationSeconds,
    sizeBytes: item.sizeBytes,
    uploadBytes: item.uploadBytes,
    createdAt: item.createdAt,
    source: item.source,
    variants: item.files.map((file) => file.variant),
    links: { self: `/v1/media/${item.kind}/${item.name}` },
  };
}

export const putMediaRoute = createRoute({
  method: "put",
  path: "/v1/media/{kind}/{name}",
  tags: ["media"],
  summary: "Upload a background video, background image or music track",
  description:
    "Send the file as the body (any content type). It is checked with ffprobe (a real stream of the kind, " +
    "1 s to 5 min of video, 1 s to 15 min of music, pictures up to 8192 px) and normalised once for renders. " +
    "The licence or credit line is required (`X-Media-Credit` header or `credit` query) and appears in the " +
    "description of every video that uses the item. An existing item of that name is replaced.",
  security,
  request: {
    params: itemParams,
    query: z.object({
      credit: z
        .string()
        .optional()
        .openapi({ param: { name: "credit", in: "query" }, description: "The credit line (or X-Media-Credit)" }),
    }),
    body: {
      required: true,
      content: { "application/octet-stream": { schema: z.string().openapi({ type: "string", format: "binary" }) } },
    },
  },
  responses: {
    201: { description: "Stored", content: { "application/json": { schema: mediaItemViewSchema } } },
    200: { description: "Replaced", content: { "application/json": { schema: mediaItemViewSchema } } },
    400: problem("The upload broke off"),
    413: problem("The upload is larger than MEDIA_MAX_BYTES"),
    503: problem("The renderer is busy; retry after Retry-After"),
    ...common,
  },
});

export const listMediaRoute = createRoute({
  method: "get",
  path: "/v1/media",
  tags: ["media"],
  summary: "The media library",
  security,
  request: {
    query: z.object({ kind: mediaKindSchema.optional().openapi({ param: { name: "kind", in: "query" } }) }),
  },
  responses: {
    200: {
      description: "Every item, by kind and name",
      content: { "application/json": { schema: z.object({ data: z.array(mediaItemViewSchema) }) } },
    },
    ...common,
  },
});

export const getMediaRoute = createRoute({
  method: "get",
  path: "/v1/media/{kind}/{name}",
  tags: ["media"],
  summary: "One media item",
  security,
  request: { params: itemParams },
  responses: {
    200: { description: "The item", content: { "application/json": { schema: mediaItemViewSchema } } },
    404: problem("No such item"),
    ...common,
  },
});

export const deleteMediaRoute = createRoute({
  method: "delete",
  path: "/v1/media/{kind}/{name}",
  tags: ["media"],
  summary: "Delete a media item and its files (videos already made keep their credit)",
  security,
  request: { params: itemParams },
  responses: { 204: { description: "Deleted" }, 404: problem("No such item"), ...common },
});

/** /v1/media: the library of backgrounds and music that jobs choose from by name. */
export function registerMediaRoutes(app: OpenAPIHono<{ Variables: ApiKeyVariables }>, deps: ApiDeps): void {
  const library = createMediaLibrary(deps.store);
  const notFound = (kind: string, name: string) =>
    new AppError("not-found", `no ${kind} called ${name}; GET /v1/media lists the library`);

  app.openapi(putMediaRoute, async (c) => {
    const { kind, name } = c.req.valid("param");
    const credit = parseCredit(c.req.valid("query").credit ?? c.req.header("x-media-credit"));
    const length = c.req.header("content-length");
    const { item, replaced } = await uploadMedia(
      {
        store: deps.store,
        renderer: deps.renderer,
        library,
        logger: deps.logger,
        scratchDir: deps.config.SCRATCH_DIR,
        maxBytes: deps.config.MEDIA_MAX_BYTES,
      },
      {
        kind,
        name,
        credit,
        body: c.req.raw.body,
        contentLength: length === undefined || !/^\d+$/.test(length) ? undefined : Number(length),
        signal: c.req.raw.signal,
      },
    );
    c.header("location", `/v1/media/${kind}/${name}`);
    return replaced ? c.json(view(item), 200) : c.json(view(item), 201);
  });

  app.openapi(listMediaRoute, async (c) => {
    const { kind } = c.req.valid("query");
    return c.json({ data: (await library.list(kind)).map(view) }, 200);
  });

  app.openapi(getMediaRoute, async (c) => {
    const { kind, name } = c.req.valid("param");
    const item = await library.get(kind, name);
    if (!item) throw notFound(kind, name);
    return c.json(view(item), 200);
  });

  app.openapi(deleteMediaRoute, async (c) => {
    const { kind, name } = c.req.valid("param");
    if (!(await library.remove(kind, name))) throw notFound(kind, name);
    return c.body(null, 204);
  });
}
