import { AppError } from "@video-service/errors";
import { singleFlight } from "@video-service/retry";
import { parseGoogleError, youtubeError } from "./youtube-errors.ts";

export const YOUTUBE_UPLOAD_SCOPE = "https://www.googleapis.com/auth/youtube.upload";

export interface YoutubeAuth {
  /** A valid access token: the cached one, or a fresh one when it expires within a minute. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** Forgets the cached token (after a 401), so the next call refreshes. */
  invalidate(): void;
}

export interface YoutubeAuthOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenUrl: string;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Refresh this long before the token's announced expiry, so a request never starts with a dying token. */
const EXPIRY_MARGIN_MS = 60_000;
const TOKEN_TIMEOUT_MS = 30_000;

/**
 * OAuth 2.0 refresh-token grant against Google's token endpoint (RFC 6749 §6). The access token is
 * cached until shortly before `expires_in`; concurrent callers share one refresh, which runs under
 * its own deadline: a caller's signal only ends that caller's wait, so one job's cancel never aborts
 * the refresh other jobs are waiting for.
 */
export function createYoutubeAuth(options: YoutubeAuthOptions): YoutubeAuth {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let cached: { token: string; expiresAt: number } | undefined;

  const refresh = async (signal: AbortSignal): Promise<string> => {
    let response: Response;
    try {
      response = await doFetch(options.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: options.refreshToken,
          client_id: options.clientId,
          client_secret: options.clientSecret,
        }),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new AppError("bad-gateway", `the Google token endpoint is unreachable: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const text = await response.text();
    if (response.status >= 500) {
      throw new AppError("bad-gateway", `the Google token endpoint answered ${response.status}`);
    }
    if (!response.ok) throw youtubeError("token refresh", parseGoogleError(response.status, text));
    const body = JSON.parse(text) as { access_token?: string; expires_in?: number };
    if (!body.access_token)
      throw new AppError("bad-gateway", "the Google token endpoint answered without access_token");
    cached = { token: body.access_token, expiresAt: now() + (body.expires_in ?? 3600) * 1000 };
    return body.access_token;
  };

  const sharedRefresh = singleFlight(refresh, { timeoutMs: TOKEN_TIMEOUT_MS, what: "the YouTube token refresh" });

  return {
    async accessToken(signal) {
      if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now()) return cached.token;
      return sharedRefresh(signal);
    },
    invalidate() {
      cached = undefined;
    },
  };
}
