import { AppError } from "@video-service/errors";

/** Google's error body: `{error: {code, message, errors: [{reason, message, domain}]}}` (or OAuth's `{error, error_description}`). */
export interface GoogleErrorInfo {
  status: number;
  reason: string | undefined;
  message: string | undefined;
}

export function parseGoogleError(status: number, text: string): GoogleErrorInfo {
  let reason: string | undefined;
  let message: string | undefined;
  try {
    const body = JSON.parse(text) as {
      error?: string | { message?: string; status?: string; errors?: { reason?: string; message?: string }[] };
      error_description?: string;
    };
    if (typeof body.error === "string") {
      reason = body.error;
      message = body.error_description;
    } else if (body.error) {
      reason = body.error.errors?.[0]?.reason ?? body.error.status;
      message = body.error.message ?? body.error.errors?.[0]?.message;
    }
  } catch {
    message = text.trim().slice(0, 300) || undefined;
  }
  return { status, reason, message };
}

/** What each reason means for an operator, so the job's error says what to do. */
const EXPLANATIONS: Readonly<Record<string, string>> = {
  quotaExceeded:
    "the Google Cloud project's daily YouTube Data API quota is used up (it resets at midnight Pacific Time); lower YOUTUBE_DAILY_UPLOADS or request more quota",
  uploadLimitExceeded: "the channel reached YouTube's 24-hour upload limit; retry the job tomorrow",
  forbidden: "the OAuth grant does not allow uploading to this channel",
  rateLimitExceeded: "too many requests to the YouTube API in a short time",
  invalid_grant:
    "the refresh token was revoked or expired; run `make youtube-auth` and set YOUTUBE_REFRESH_TOKEN again",
  invalid_client: "YOUTUBE_CLIENT_ID or YOUTUBE_CLIENT_SECRET is wrong",
  authError: "the access token was refused even after a refresh; check the OAuth client and refresh token",
};

/**
 * A permanent YouTube failure as an AppError (the job's error shows the reason; not retryable,
 * since retrying the same request cannot help). `reason` is Google's, for example quotaExceeded.
 */
export function youtubeError(operation: string, info: GoogleErrorInfo): AppError {
  const reason = info.reason ?? `HTTP ${info.status}`;
  const explanation = info.reason ? EXPLANATIONS[info.reason] : undefined;
  const detail = [
    `YouTube ${operation} failed: ${reason}`,
    explanation,
    info.message && info.message !== explanation ? `(Google: ${info.message})` : undefined,
  ]
    .filter(Boolean)
    .join(" — ");
  const code =
    info.status === 401
      ? "unauthorized"
      : info.reason === "quotaExceeded" || info.reason === "uploadLimitExceeded" || info.reason === "rateLimitExceeded"
        ? "too-many-requests"
        : info.status === 403
          ? "forbidden"
          : "bad-request";
  return new AppError(code, detail, { extensions: { youtubeReason: reason, youtubeStatus: info.status } });
}

/** 5xx from Google that did not go away after every retry: the job may be retried later (it resumes the session). */
export function youtubeUnavailable(operation: string, detail: string): AppError {
  return new AppError("bad-gateway", `YouTube ${operation} kept failing: ${detail}`);
}
