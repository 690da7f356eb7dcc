import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const KIB256 = 256 * 1024;

export interface FakeSession {
  id: string;
  metadata: { snippet: Record<string, unknown>; status: Record<string, unknown> };
  total: number;
  contentType: string;
  /** The bytes the fake has kept, in order (what a status query confirms). */
  bytes: Buffer[];
  committed: number;
  expired: boolean;
  video?: Record<string, unknown>;
}

export interface FakeYoutubeRequest {
  method: string;
  path: string;
  session?: string;
  contentRange?: string;
  status: number;
}

/** Faults to inject; each counter is decremented when it fires. */
export interface FakeYoutubeFaults {
  /** Chunk PUTs answered 503 (the body is read and thrown away). */
  chunk503: number;
  /** Chunk PUTs whose connection is destroyed after the first 256 KiB arrived (those are kept). */
  dropConnection: number;
  /** Chunk PUTs whose bytes are kept but never answered (the client's request timeout must fire). */
  hangAfterChunk: number;
  /** Chunk PUTs of which only the first 256 KiB are kept and confirmed in the 308's Range. */
  partialConfirm: number;
  /** After this many stored chunks the session expires (later PUTs answer 404); -1 never. */
  expireAfterChunks: number;
  /** Session starts answered 403 quotaExceeded with Google's error JSON. */
  quotaExceeded: number;
  /** Requests answered 401 although their token is valid (the client must refresh and retry). */
  reject401: number;
  /** Answer thumbnails.set with 403 forbidden (channel not verified for custom thumbnails). */
  thumbnailForbidden: boolean;
  /** The token endpoint answers this late (ms). */
  tokenDelayMs?: number;
}

export interface FakeYoutube {
  url: string;
  tokenUrl: string;
  uploadUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  faults: FakeYoutubeFaults;
  sessions: Map<string, FakeSession>;
  requests: FakeYoutubeRequest[];
  tokenGrants: number;
  /** Bytes of chunk PUTs that started below what the session had confirmed (re-sent confirmed bytes). */
  resentBytes: number;
  thumbnails: Map<string, Buffer>;
  /** Called after a chunk's bytes were kept, with the count of chunks the fake kept so far. */
  onChunkStored?: (count: number) => void;
  /** sha256 (hex) of what the session assembled. */
  sha256(sessionId: string): string;
  videos(): Record<string, unknown>[];
  close(): Promise<void>;
}

const googleError = (code: number, reason: string, message: string) => ({
  error: { code, message, errors: [{ message, domain: "youtube.quota", reason }] },
});

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * A protocol fake of the YouTube Data API's upload endpoints on a real port: Google's token
 * endpoint (refresh_token grant), videos.insert resumable sessions keyed by upload_id (308 with
 * Range, status queries, 201 with the video resource), thumbnails.set. It assembles the bytes, so
 * tests compare hashes, and checks the protocol's rules (256 KiB multiples, Content-Range, headers).
 */
export async function startFakeYoutube(): Promise<FakeYoutube> {
  const clientId = "fake-client-id.apps.googleusercontent.com";
  const clientSecret = "fake-client-secret";
  const refreshToken = "1//fake-refresh-token";
  const tokens = new Set<string>();
  let chunksStored = 0;
  let videoCounter = 0;
  const fake = {
    faults: {
      chunk503: 0,
      dropConnection: 0,
      hangAfterChunk: 0,
      partialConfirm: 0,
      expireAfterChunks: -1,
      quotaExceeded: 0,
      reject401: 0,
      thumbnailForbidden: false,
    } satisfies FakeYoutubeFaults,
    sessions: new Map<string, FakeSession>(),
    requests: [] as FakeYoutubeRequest[],
    tokenGrants: 0,
    resentBytes: 0,
    thumbnails: new Map<string, Buffer>(),
  } as Omit<FakeYoutube, "url" | "tokenUrl" | "uploadUrl" | "apiUrl" | "close" | "sha256" | "videos"> & {
    onChunkStored?: (count: number) => void;
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
    res.end(JSON.stringify(body));
  };

  const authorized = (req: IncomingMessage, res: ServerResponse): boolean => {
    const header = req.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!tokens.has(token) || fake.faults.reject401 > 0) {
      if (tokens.has(token)) fake.faults.reject401 -= 1;
      json(res, 401, googleError(401, "authError", "Invalid Credentials"));
      return false;
    }
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, base: string) => {
    const url = new URL(req.url ?? "/", base);
    const record: FakeYoutubeRequest = { method: req.method ?? "", path: url.pathname, status: 0 };
    fake.requests.push(record);
    const writeHead = res.writeHead.bind(res);
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      record.status = status;
      return (writeHead as (...args: unknown[]) => ServerResponse)(status, ...rest);
    }) as typeof res.writeHead;

    if (req.method === "POST" && url.pathname === "/token") {
      const form = new URLSearchParams((await readBody(req)).toString("utf8"));
      if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
        return json(res, 401, { error: "invalid_client", error_description: "The OAuth client was not found." });
      }
      if (form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== refreshToken) {
        return json(res, 400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
      }
      if (fake.faults.tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, fake.faults.tokenDelayMs));
      fake.tokenGrants += 1;
      const token = `ya29.${randomBytes(12).toString("hex")}`;
      tokens.add(token);
      return json(res, 200, {
        access_token: token,
        expires_in: 3599,
        scope: "https://www.googleapis.com/auth/youtube.upload",
        token_type: "Bearer",
      });
    }

    if (req.method === "POST" && url.pathname === "/upload/youtube/v3/videos") {
      if (!authorized(req, res)) return;
      const body = await readBody(req);
      if (url.searchParams.get("uploadType") !== "resumable" || url.searchParams.get("part") !== "snippet,status") {
        return json(
          res,
          400,
          googleError(400, "invalidParameter", "uploadType=resumable&part=snippet,status expected"),
        );
      }
      if (!/^application\/json/.test(req.headers["content-type"] ?? "")) {
        return json(res, 400, googleError(400, "badContent", "metadata must be JSON"));
      }
      const total = Number(req.headers["x-upload-content-length"]);
      const contentType = String(req.headers["x-upload-content-type"] ?? "");
      if (!Number.isInteger(total) || total <= 0 || !/^video\//.test(contentType)) {
        return json(res, 400, googleError(400, "badContent", "X-Upload-Content-Length/Type missing"));
      }
      const metadata = JSON.parse(body.toString("utf8")) as FakeSession["metadata"];
      const title = String(metadata.snippet?.title ?? "");
      const description = String(metadata.snippet?.description ?? "");
      if (!title || title.length > 100 || /[<>]/.test(title)) {
        return json(
          res,
          400,
          googleError(400, "invalidTitle", "The request metadata specifies an invalid video title."),
        );
      }
      if (description.length > 5000 || /[<>]/.test(description)) {
        return json(res, 400, googleError(400, "invalidDescription", "invalid video description"));
      }
      if (fake.faults.quotaExceeded > 0) {
        fake.faults.quotaExceeded -= 1;
        return json(
          res,
          403,
          googleError(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota."),
        );
      }
      const id = randomBytes(8).toString("hex");
      fake.sessions.set(id, { id, metadata, total, contentType, bytes: [], committed: 0, expired: false });
      record.session = id;
      res.writeHead(200, {
        location: `${base}/upload/youtube/v3/videos?uploadType=resumable&upload_id=${id}`,
        "content-length": "0",
      });
      return res.end();
    }

    if (req.method === "PUT" && url.pathname === "/upload/youtube/v3/videos") {
      const id = url.searchParams.get("upload_id") ?? "";
      record.session = id;
      const contentRange = String(req.headers["content-range"] ?? "");
      record.contentRange = contentRange;
      const session = fake.sessions.get(id);
      if (!authorized(req, res)) return;
      if (!session || session.expired) {
        await readBody(req);
        return json(res, 404, googleError(404, "notFound", "upload session not found"));
      }
      const incomplete = () => {
        res.writeHead(308, {
          ...(session.committed > 0 ? { range: `bytes=0-${session.committed - 1}` } : {}),
          "content-length": "0",
        });
        res.end();
      };
      const status = /^bytes \*\/(\d+)$/.exec(contentRange);
      if (status) {
        await readBody(req);
        if (session.video) return json(res, 201, session.video);
        return incomplete();
      }
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange);
      if (!range || Number(range[3]) !== session.total) {
        await readBody(req);
        return json(res, 400, googleError(400, "badContent", `bad Content-Range: ${contentRange}`));
      }
      const first = Number(range[1]);
      const last = Number(range[2]);
      const length = last - first + 1;
      if (Number(req.headers["content-length"]) !== length) {
        await readBody(req);
        return json(res, 400, googleError(400, "badContent", "Content-Length does not match Content-Range"));
      }
      if (last + 1 < session.total && length % KIB256 !== 0) {
        await readBody(req);
        return json(res, 400, googleError(400, "badContent", "chunks must be multiples of 256 KiB"));
      }
      if (first > session.committed) {
        await readBody(req);
        return json(res, 400, googleError(400, "badContent", `a gap: the session has ${session.committed} bytes`));
      }
      if (first < session.committed) fake.resentBytes += Math.min(session.committed, last + 1) - first;

      if (fake.faults.dropConnection > 0 && length > KIB256) {
        fake.faults.dropConnection -= 1;
        // Keep what arrived in the first 256 KiB, then drop the connection mid-body.
        const socket = req.socket;
        const kept: Buffer[] = [];
        let got = 0;
        for await (const part of req) {
          kept.push(part as Buffer);
          got += (part as Buffer).length;
          if (got >= KIB256) break;
        }
        const head = Buffer.concat(kept).subarray(0, KIB256);
        store(session, first, head);
        record.status = -1;
        socket.destroy();
        return;
      }

      const body = await readBody(req);
      if (body.length !== length) return json(res, 400, googleError(400, "badContent", "short body"));
      if (fake.faults.chunk503 > 0) {
        fake.faults.chunk503 -= 1;
        return json(res, 503, googleError(503, "backendError", "Backend Error"));
      }
      let keep = body;
      if (fake.faults.partialConfirm > 0 && body.length > KIB256) {
        fake.faults.partialConfirm -= 1;
        keep = body.subarray(0, KIB256);
      }
      store(session, first, keep);
      chunksStored += 1;
      if (fake.faults.hangAfterChunk > 0) {
        fake.faults.hangAfterChunk -= 1;
        record.status = -2;
        return; // no answer: the connection stays open until the client gives up
      }
      if (fake.faults.expireAfterChunks >= 0 && chunksStored >= fake.faults.expireAfterChunks) {
        fake.faults.expireAfterChunks = -1;
        session.expired = true;
      }
      fake.onChunkStored?.(chunksStored);
      if (session.committed === session.total) {
        videoCounter += 1;
        session.video = {
          kind: "youtube#video",
          id: `vid${String(videoCounter).padStart(8, "0")}`,
          snippet: session.metadata.snippet,
          status: { ...session.metadata.status, uploadStatus: "uploaded" },
        };
        return json(res, 201, session.video);
      }
      return incomplete();
    }

    if (req.method === "POST" && url.pathname === "/upload/youtube/v3/thumbnails/set") {
      if (!authorized(req, res)) return;
      const body = await readBody(req);
      const videoId = url.searchParams.get("videoId") ?? "";
      if (fake.faults.thumbnailForbidden) {
        return json(res, 403, googleError(403, "forbidden", "The thumbnail can't be set for the specified video."));
      }
      if (req.headers["content-type"] !== "image/jpeg" || body.length === 0) {
        return json(res, 400, googleError(400, "mediaBodyRequired", "a JPEG body is required"));
      }
      if (![...fake.sessions.values()].some((s) => s.video?.id === videoId)) {
        return json(res, 404, googleError(404, "videoNotFound", "no such video"));
      }
      fake.thumbnails.set(videoId, body);
      return json(res, 200, {
        kind: "youtube#thumbnailSetResponse",
        items: [{ default: { url: "https://i.ytimg.com/x.jpg" } }],
      });
    }

    json(res, 404, googleError(404, "notFound", `no route ${req.method} ${url.pathname}`));
  };

  /** Keeps bytes from `first` (overlapping bytes the session already has are ignored). */
  function store(session: FakeSession, first: number, data: Buffer) {
    const skip = session.committed - first;
    if (skip >= data.length) return;
    const fresh = data.subarray(Math.max(0, skip));
    session.bytes.push(Buffer.from(fresh));
    session.committed += fresh.length;
  }

  const server = createServer((req, res) => {
    handle(req, res, base).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, googleError(500, "internalError", String(err)));
      else res.destroy();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(fake, {
    url: base,
    tokenUrl: `${base}/token`,
    uploadUrl: `${base}/upload/youtube/v3`,
    apiUrl: `${base}/youtube/v3`,
    clientId,
    clientSecret,
    refreshToken,
    sha256(sessionId: string) {
      const session = fake.sessions.get(sessionId);
      if (!session) throw new Error(`no session ${sessionId}`);
      return createHash("sha256").update(Buffer.concat(session.bytes)).digest("hex");
    },
    videos() {
      return [...fake.sessions.values()].flatMap((session) => (session.video ? [session.video] : []));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
