import { redactUrlCredentials } from "@video-service/logger";
import { z } from "zod";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.issues = issues;
  }
}

/**
 * Parses the environment once, at start-up, against a service's schema. Every bad variable is
 * reported in one error, so a misconfigured container fails fast with the whole list.
 * `env` defaults to the process environment: the only place the project reads it.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  // biome-ignore lint/style/noProcessEnv: the one place the environment is read
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // An empty variable means "not set": compose's `${X:-}` and ECS task definitions pass optional
  // settings that way, and "" is never a meaningful value for our settings.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`),
  );
}

/** Names that hold secrets: never logged. */
const SECRET_NAME = /(SECRET|TOKEN|KEY|PASSWORD|CREDENTIAL)/i;

/** A copy safe to log: values of secret-looking names are replaced, and credentials inside URLs. */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([name, value]) => {
      if (SECRET_NAME.test(name) && value) return [name, "[redacted]"];
      return [name, typeof value === "string" ? redactUrlCredentials(value) : value];
    }),
  );
}

/** Helpers for environment variables, which are always strings. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback),
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  url: () => z.url(),
  bool: (fallback: boolean) =>
    z
      .enum(["true", "false", "1", "0", "yes", "no", ""])
      .default(fallback ? "true" : "false")
      .transform((value) => value === "true" || value === "1" || value === "yes"),
  list: () =>
    z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((item) => item.trim())
          .filter(Boolean),
      ),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
} as const;

export { z };

/** The variables every service reads the same way; spread into a service's schema. */
export function serviceEnvShape(defaultPort: number) {
  return {
    PORT: env.port(defaultPort),
    // Loopback by default; 0.0.0.0 in a container.
    HOST: z.string().default("127.0.0.1"),
    // Shared secret every call between our services carries in x-internal-token.
    INTERNAL_TOKEN: z.string().min(16, "must be at least 16 characters"),
    // OTLP/HTTP collector (the ADOT sidecar in ECS); unset turns tracing off.
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    LOG_LEVEL: env.logLevel(),
  };
}
