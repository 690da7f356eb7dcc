import { AppError } from "@video-service/errors";

/**
 * Opaque list cursors: base64url JSON of the last id seen and the filter it was made for (a
 * cursor from one filter makes no sense with another).
 */
export function encodeCursor(after: string, status: string | undefined): string {
  return Buffer.from(JSON.stringify({ a: after, s: status ?? null })).toString("base64url");
}

export function decodeCursor(cursor: string, status: string | undefined): string {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { a?: unknown; s?: unknown };
    if (typeof decoded.a === "string" && /^[A-Za-z0-9_-]{6,64}$/.test(decoded.a) && decoded.s === (status ?? null)) {
      return decoded.a;
    }
  } catch {
    // fall through: any undecodable cursor is the same client mistake
  }
  throw new AppError("validation-failed", "query.cursor: not a cursor of this listing (use nextCursor as given)", {
    extensions: { errors: [{ path: "query.cursor", message: "invalid cursor" }] },
  });
}
