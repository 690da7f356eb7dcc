import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  listing,
  type RedditFixtures,
  redditFixtures,
  type T3Data,
  type Thing,
} from "../fixtures/reddit/reddit-fixtures.ts";

/** What a scripted fault does to the request it hits. */
export type FakeRedditFault =
  /** Any status with a JSON body (default Reddit's `{"message": …, "error": status}`). */
  | { type: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  /** 429 with X-Ratelimit-Remaining 0 and X-Ratelimit-Reset `resetSeconds` (and Retry-After when asked). */
  | { type: "rate-limited"; resetSeconds: number; retryAfterSeconds?: number }
  /** The connection is destroyed before any answer (ECONNRESET / "other side closed"). */
  | { type: "drop" }
  /** No answer at all until the client gives up (its timeout) or the fake closes. */
  | { type: "hang" }
  /** 401 as for an expired bearer token (whatever token was sent). */
  | { type: "expired-token" }
  /** 200 with a body that is not JSON. */
  | { type: "not-json" }
  /** 200 with JSON in the wrong shape. */
  | { type: "wrong-shape" };

export interface FaultOptions {
  /** Which requests it may hit: "api" (default), "token", or a regular expression on the path. */
  match?: "api" | "token" | "any" | RegExp;
  /** How many requests it hits before it is spent; default 1. */
  times?: number;
}

export interface FakeRedditRequest {
  method: string;
  /** Without the query string, e.g. "/r/tifu/hot.json". */
  path: string;
  query: Record<string, string>;
  kind: "token" | "api";
  userAgent: string | undefined;
  authorization: string | undefined;
  /** Form body of token requests. */
  body: string;
  /** The status answered; 0 when the connection was dropped. */
  status: number;
}

export interface FakeRedditOptions {
  /** Epoch milliseconds; also dates the default fixtures. Tests with an injected clock pass the same one to the client. */
  now?: () => number;
  fixtures?: RedditFixtures;
  clientId?: string;
  clientSecret?: string;
  /** expires_in of issued tokens; default 3600. */
  tokenTtlSeconds?: number;
  /** Reddit's window: `limit` API requests per `windowSeconds` (default 100 per 600 s); then 429s until it resets. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Refuse (401) API requests without a bearer token even on the public ".json" paths. */
  requireOAuth?: boolean;
}

export interface FakeReddit {
  /** Serves both the token endpoint and the API: pass it as authUrl and apiUrl. */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Every request, in order. */
  requests: FakeRedditRequest[];
  /** API requests only (not the token endpoint). */
  apiRequests(): FakeRedditRequest[];
  /** Token requests only. */
  tokenRequests(): FakeRedditRequest[];
  /** Queues a fault; faults hit matching requests in the order they were added. */
  addFault(fault: FakeRedditFault, options?: FaultOptions): void;
  /** Replaces every queued fault with this one (or none). */
  setFault(fault: FakeRedditFault | null, options?: FaultOptions): void;
  /** Every token issued so far now answers 401, as after its expiry. */
  expireTokens(): void;
  /** Changes a subreddit's access (or adds an empty subreddit). */
  setAccess(subreddit: string, access: "public" | "private" | "quarantined" | "banned"): void;
  /** The fixtures served (mutable: tests may add posts). */
  fixtures: RedditFixtures;
  close(): Promise<void>;
}

const WINDOWS: Record<string, number> = {
  hour: 3600,
  day: 86_400,
  week: 604_800,
  month: 2_678_400,
  year: 31_536_000,
};

const LISTING_PATH = /^\/r\/([A-Za-z0-9_]+)\/(hot|rising|top|new)(\.json)?\/?$/;
const COMMENTS_PATH = /^(?:\/r\/([A-Za-z0-9_]+))?\/comments\/([a-z0-9]+)(?:\/[^/.]*)?(\.json)?\/?$/;

/**
 * A protocol fake of Reddit's Data API on 127.0.0.1: `POST /api/v1/access_token` (HTTP Basic,
 * client_credentials), listings `/r/{sub}/{hot|rising|top}[.json]` with limit/after/t and real
 * `after` pagination, comments `[/r/{sub}]/comments/{id}[.json]` as the two-Listing array with
 * sort/limit/depth, X-Ratelimit-* headers on every answer (and 429 once the window is spent), 403
 * for private and quarantined subreddits, 404 for unknown ones and unknown posts, and scripted
 * faults (401 expired token, 429 with reset, 5xx, dropped connections, bad bodies).
 */
export async function startFakeReddit(options: FakeRedditOptions = {}): Promise<FakeReddit> {
  const now = options.now ?? Date.now;
  const clientId = options.clientId ?? "fake-client-id";
  const clientSecret = options.clientSecret ?? "fake-client-secret";
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const rateLimit = options.rateLimit ?? { limit: 100, windowSeconds: 600 };
  const fixtures = options.fixtures ?? redditFixtures(now());
  const requests: FakeRedditRequest[] = [];
  const tokens = new Map<string, number>(); // token → expiry (ms)
  let faults: { fault: FakeRedditFault; match: NonNullable<FaultOptions["match"]>; remaining: number }[] = [];
  let windowIndex = -1;
  let used = 0;

  function rateHeaders(countIt: boolean): { headers: Record<string, string>; exceeded: boolean } {
    const windowMs = rateLimit.windowSeconds * 1000;
    const index = Math.floor(now() / windowMs);
    if (index !== windowIndex) {
      windowIndex = index;
      used = 0;
    }
    const exceeded = countIt && used >= rateLimit.limit;
    if (countIt && !exceeded) used += 1;
    const reset = Math.max(1, Math.ceil(((index + 1) * windowMs - now()) / 1000));
    return {
      exceeded,
      headers: {
        "x-ratelimit-used": String(used),
        "x-ratelimit-remaining": (rateLimit.limit - used).toFixed(1),
        "x-ratelimit-reset": String(reset),
      },
    };
  }

  function takeFault(kind: "token" | "api", path: string): FakeRedditFault | undefined {
    const index = faults.findIndex(({ match }) =>
      match === "any" ? true : match instanceof RegExp ? match.test(path) : match === kind,
    );
    const entry = faults[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) faults.splice(index, 1);
    return entry.fault;
  }

  function findSubreddit(name: string) {
    return fixtures.subreddits.find((sub) => sub.name.toLowerCase() === name.toLowerCase());
  }

  function findPost(id: string): T3Data | undefined {
    for (const sub of fixtures.subreddits) {
      const found = sub.posts.find((post) => post.id === id);
      if (found) return found;
    }
    return undefined;
  }

  /** 403/404 for a subreddit that cannot be read, as Reddit answers them; undefined when it can. */
  function accessDenied(name: string): { status: number; body: unknown } | undefined {
    const sub = findSubreddit(name);
    if (!sub) return { status: 404, body: { message: "Not Found", error: 404 } };
    if (sub.access === "private") return { status: 403, body: { reason: "private", message: "Forbidden", error: 403 } };
    if (sub.access === "quarantined") {
      return {
        status: 403,
        body: {
          reason: "quarantined",
          quarantine_message: "This community is quarantined.",
          message: "Forbidden",
          error: 403,
        },
      };
    }
    if (sub.access === "banned") return { status: 404, body: { reason: "banned", message: "Not Found", error: 404 } };
    return undefined;
  }

  function listingBody(name: string, sort: string, query: URLSearchParams): { status: number; body: unknown } {
    const denied = accessDenied(name);
    if (denied) return denied;
    const sub = findSubreddit(name);
    let posts = [...(sub?.posts ?? [])];
    const nowSeconds = now() / 1000;
    if (sort === "top") {
      const window = WINDOWS[query.get("t") ?? "day"];
      if (window !== undefined) posts = posts.filter((post) => nowSeconds - post.created_utc <= window);
      posts.sort((a, b) => b.score - a.score);
    } else if (sort === "rising") {
      // Young posts gaining votes fast: under a day old, by votes per hour of age.
      posts = posts
        .filter((post) => !post.stickied && nowSeconds - post.created_utc <= 86_400)
        .sort((a, b) => perHour(b, nowSeconds) - perHour(a, nowSeconds));
    } else if (sort === "new") {
      posts.sort((a, b) => b.created_utc - a.created_utc);
    }
    const limit = Math.min(100, Math.max(1, Number.parseInt(query.get("limit") ?? "25", 10) || 25));
    const after = query.get("after");
    let start = 0;
    if (after) {
      const index = posts.findIndex((post) => post.name === after);
      start = index === -1 ? posts.length : index + 1;
    }
    const page = posts.slice(start, start + limit);
    const last = page.at(-1);
    const nextAfter = last && start + limit < posts.length ? last.name : null;
    return {
      status: 200,
      body: listing(
        page.map((data) => ({ kind: "t3", data })),
        nextAfter,
      ),
    };
  }

  function commentsBody(
    subName: string | undefined,
    id: string,
    query: URLSearchParams,
  ): { status: number; body: unknown } {
    if (subName) {
      const denied = accessDenied(subName);
      if (denied) return denied;
    }
    const post = findPost(id);
    if (!post) return { status: 404, body: { message: "Not Found", error: 404 } };
    const home = findSubreddit(post.subreddit);
    const denied = home ? accessDenied(home.name) : undefined;
    if (denied) return denied;
    if (subName && subName.toLowerCase() !== post.subreddit.toLowerCase()) {
      return { status: 200, body: [listing([], null), listing([], null)] };
    }
    const children = fixtures.comments[id] ?? [];
    let comments = children.filter((child) => child.kind === "t1");
    const stubs = children.filter((child) => child.kind === "more");
    if (query.get("sort") === "top") {
      // Pinned comments stay on top whatever the sort, as on Reddit.
      const score = (thing: Thing) => (thing.kind === "t1" ? thing.data.score : 0);
      const pinned = (thing: Thing) => (thing.kind === "t1" && thing.data.stickied === true ? 1 : 0);
      comments = [...comments].sort((a, b) => pinned(b) - pinned(a) || score(b) - score(a));
    }
    const limitParam = query.get("limit");
    const limit = limitParam ? Math.max(1, Number.parseInt(limitParam, 10) || 1) : comments.length;
    const shown = comments.slice(0, limit);
    const hidden = comments.slice(limit);
    const depth = Number.parseInt(query.get("depth") ?? "10", 10);
    const out: Thing[] = shown.map((thing) => (depth <= 1 ? cutReplies(thing) : thing));
    const moreIds = [
      ...hidden.map((thing) => thing.data.id),
      ...stubs.flatMap((stub) => (stub.kind === "more" ? stub.data.children : [])),
    ];
    if (moreIds.length > 0) {
      out.push({
        kind: "more",
        data: {
          count: moreIds.length,
          name: `t1_${moreIds[0]}`,
          id: moreIds[0] ?? "_",
          parent_id: `t3_${id}`,
          depth: 0,
          children: moreIds,
        },
      });
    }
    const postListing = listing([{ kind: "t3", data: { ...post, num_duplicates: 0 } }], null);
    postListing.data.dist = 1;
    const commentListing = listing(out, null);
    commentListing.data.dist = null;
    return { status: 200, body: [postListing, commentListing] };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake-reddit");
    const path = url.pathname;
    const body = await readBody(req);
    const kind: "token" | "api" = path === "/api/v1/access_token" ? "token" : "api";
    const record: FakeRedditRequest = {
      method: req.method ?? "GET",
      path,
      query: Object.fromEntries(url.searchParams),
      kind,
      userAgent: header(req, "user-agent"),
      authorization: header(req, "authorization"),
      body,
      status: 0,
    };
    requests.push(record);

    const rate = rateHeaders(kind === "api");
    const send = (status: number, payload: unknown, extra: Record<string, string> = {}, raw?: string) => {
      record.status = status;
      const text = raw ?? JSON.stringify(payload);
      res.writeHead(status, {
        "content-type": raw === undefined ? "application/json; charset=UTF-8" : "text/html; charset=UTF-8",
        "content-length": String(Buffer.byteLength(text)),
        ...rate.headers,
        ...extra,
      });
      res.end(text);
    };

    const fault = takeFault(kind, path);
    if (fault) {
      switch (fault.type) {
        case "drop":
          req.socket.destroy();
          return;
        case "hang":
          return;
        case "status":
          return send(
            fault.status,
            fault.body ?? { message: statusText(fault.status), error: fault.status },
            fault.headers,
          );
        case "rate-limited": {
          const headers: Record<string, string> = {
            ...rate.headers,
            "x-ratelimit-remaining": "0.0",
            "x-ratelimit-reset": String(fault.resetSeconds),
          };
          if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
          return send(429, { message: "Too Many Requests", error: 429 }, headers);
        }
        case "expired-token":
          return send(
            401,
            { message: "Unauthorized", error: 401 },
            {
              "www-authenticate": 'Bearer realm="reddit", error="invalid_token"',
            },
          );
        case "not-json":
          return send(200, undefined, {}, "<html><body>upstream hiccup</body></html>");
        case "wrong-shape":
          return send(200, { kind: "Listing", data: { children: [{ kind: "t3", data: { id: 42 } }] } });
      }
    }

    if (kind === "token") return handleToken(req, record, send);

    if (req.method !== "GET") return send(405, { message: "Method Not Allowed", error: 405 });
    const authorization = record.authorization;
    if (authorization !== undefined) {
      const match = /^bearer (\S+)$/i.exec(authorization);
      const expiry = match?.[1] ? tokens.get(match[1]) : undefined;
      if (expiry === undefined || expiry <= now()) {
        return send(
          401,
          { message: "Unauthorized", error: 401 },
          {
            "www-authenticate": 'Bearer realm="reddit", error="invalid_token"',
          },
        );
      }
    } else {
      const isJsonPath = path.endsWith(".json") || path.endsWith(".json/");
      if (options.requireOAuth || !isJsonPath) return send(401, { message: "Unauthorized", error: 401 });
    }
    if (!record.userAgent) return send(429, { message: "Too Many Requests", error: 429 });
    if (rate.exceeded) return send(429, { message: "Too Many Requests", error: 429 });

    const listingMatch = LISTING_PATH.exec(path);
    if (listingMatch) {
      const { status, body: payload } = listingBody(listingMatch[1] ?? "", listingMatch[2] ?? "hot", url.searchParams);
      return send(status, payload);
    }
    const commentsMatch = COMMENTS_PATH.exec(path);
    if (commentsMatch) {
      const { status, body: payload } = commentsBody(commentsMatch[1], commentsMatch[2] ?? "", url.searchParams);
      return send(status, payload);
    }
    return send(404, { message: "Not Found", error: 404 });
  }

  function handleToken(
    req: IncomingMessage,
    record: FakeRedditRequest,
    send: (status: number, payload: unknown, extra?: Record<string, string>) => void,
  ): void {
    if (req.method !== "POST") {
      send(405, { message: "Method Not Allowed", error: 405 });
      return;
    }
    if (!record.userAgent) {
      send(429, { message: "Too Many Requests", error: 429 });
      return;
    }
    const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
    if (record.authorization !== expected) {
      send(401, { message: "Unauthorized", error: 401 });
      return;
    }
    const form = new URLSearchParams(record.body);
    const contentType = header(req, "content-type") ?? "";
    if (
      !contentType.startsWith("application/x-www-form-urlencoded") ||
      form.get("grant_type") !== "client_credentials"
    ) {
      // Reddit answers a bad grant with 200 and an error field.
      send(200, { error: "unsupported_grant_type" });
      return;
    }
    const accessToken = `fake-${randomBytes(12).toString("hex")}`;
    tokens.set(accessToken, now() + tokenTtlSeconds * 1000);
    send(200, { access_token: accessToken, token_type: "bearer", expires_in: tokenTtlSeconds, scope: "*" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: String(err), error: 500 }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    requests,
    apiRequests: () => requests.filter((request) => request.kind === "api"),
    tokenRequests: () => requests.filter((request) => request.kind === "token"),
    addFault(fault, { match = "api", times = 1 } = {}) {
      faults.push({ fault, match, remaining: times });
    },
    setFault(fault, { match = "api", times = 1 } = {}) {
      faults = fault ? [{ fault, match, remaining: times }] : [];
    },
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    setAccess(subreddit, access) {
      const sub = findSubreddit(subreddit);
      if (sub) sub.access = access;
      else fixtures.subreddits.push({ name: subreddit, access, posts: [] });
    },
    fixtures,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replies beyond depth 1 become a "continue this thread" stub, as with `depth=1`. */
function cutReplies(thing: Thing): Thing {
  if (thing.kind !== "t1" || thing.data.replies === "") return thing;
  const count = thing.data.replies.data.children.length;
  return {
    kind: "t1",
    data: {
      ...thing.data,
      replies: listing(
        [
          {
            kind: "more",
            data: { count, name: "t1__", id: "_", parent_id: `t1_${thing.data.id}`, depth: 1, children: [] },
          },
        ],
        null,
      ),
    },
  };
}

function perHour(post: T3Data, nowSeconds: number): number {
  const hours = Math.max(0.25, (nowSeconds - post.created_utc) / 3600);
  return (post.score + post.num_comments) / hours;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function statusText(status: number): string {
  return (
    {
      400: "Bad Request",
      403: "Forbidden",
      404: "Not Found",
      500: "Internal Server Error",
      502: "Bad Gateway",
      503: "Service Unavailable",
      504: "Gateway Timeout",
    }[status] ?? "Error"
  );
}
