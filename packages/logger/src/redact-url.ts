/**
 * Credentials inside URLs (`redis://:password@host`, `https://user:token@host`) are secrets in
 * values that no path-based redaction can name, so log lines and configuration dumps are scanned
 * for them. The scheme and host stay readable.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;

export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, "$1[redacted]@");
}

const MAX_DEPTH = 6;

/**
 * A copy of a log object with every URL credential replaced; objects without any are returned as
 * they are (no copy). Errors are turned into plain objects only when their text needs it.
 */
export function redactCredentialsDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.includes("@") ? redactUrlCredentials(value) : value;
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  if (value instanceof Error) {
    const message = redactUrlCredentials(value.message);
    const stack = value.stack === undefined ? undefined : redactUrlCredentials(value.stack);
    if (message === value.message && stack === value.stack) return value;
    return { type: value.name, message, ...(stack === undefined ? {} : { stack }) };
  }
  if (Array.isArray(value)) {
    let changed = false;
    const copy = value.map((item) => {
      const next = redactCredentialsDeep(item, depth + 1);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? copy : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const next = redactCredentialsDeep(item, depth + 1);
    if (next !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = next;
    }
  }
  return copy ?? value;
}
