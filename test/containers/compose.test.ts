/**
 * docker-compose.yml checked without Docker: it parses, validates against the Compose
 * specification's JSON schema (after interpolation, as `docker compose` does), and keeps our own
 * rules: secrets come only from .env, internal services are never published, and each service's
 * ports, URLs, health checks and storage agree with its Dockerfile and with the others.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig } from "@video-service/config";
import { beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { z } from "zod";
import { gatewayConfigSchema } from "../../services/gateway/src/config.ts";
import { imagegenConfigSchema } from "../../services/imagegen/src/config.ts";
import { rendererConfigSchema } from "../../services/renderer/src/config.ts";
import {
  type Environment,
  InterpolationError,
  interpolate,
  interpolateDocument,
  parseEnvExample,
  variablesOfDocument,
} from "./compose-interpolation.ts";
import { composeValidator as validator } from "./compose-schema.ts";
import { parseDockerfile, parseStages } from "./dockerfile-lint.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

const APP_PORTS = { gateway: 3000, imagegen: 3001, renderer: 3002 } as const;
type AppName = keyof typeof APP_PORTS;
const APPS = Object.keys(APP_PORTS) as AppName[];
const CONFIG_SCHEMAS: Record<AppName, z.ZodType> = {
  gateway: gatewayConfigSchema,
  imagegen: imagegenConfigSchema,
  renderer: rendererConfigSchema,
};
/** Variables read by something other than the service's config: Node itself and the OpenTelemetry SDK. */
const READ_ELSEWHERE = new Set(["NODE_ENV", "OTEL_SERVICE_NAME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"]);
const REQUIRED_SECRETS = ["INTERNAL_TOKEN", "API_KEYS", "STORAGE_SIGNING_SECRET"];
/** The names config treats as secrets (packages/config redactConfig). */
const SECRET_NAME = /(SECRET|TOKEN|KEY|PASSWORD|CREDENTIAL)/i;

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[];
  ports?: (string | number | { host_ip?: string; published?: number; target?: number })[];
  expose?: (string | number)[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type: string; source?: string; target?: string })[];
  tmpfs?: string | string[];
  read_only?: boolean;
  healthcheck?: Healthcheck;
  depends_on?: string[] | Record<string, { condition: string }>;
  restart?: string;
  stop_grace_period?: string;
  deploy?: { resources?: { limits?: { memory?: string } } };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = read("docker-compose.yml");
const envExample = parseEnvExample(read(".env.example"));
/**
 * What a user's .env holds after following .env.example: its active lines, with the secrets it
 * leaves empty filled in; the commented-out optional settings keep their compose defaults.
 */
const sampleEnv: Environment = Object.fromEntries(
  [...envExample.assigned].map(([name, value]) => [name, value || `sample-${name.toLowerCase()}-0123456789`]),
);
const secretsOnly: Environment = Object.fromEntries(REQUIRED_SECRETS.map((name) => [name, sampleEnv[name]]));

let raw: ComposeFile;
let compose: ComposeFile;

beforeAll(() => {
  const document = parseDocument(composeText, { merge: true, prettyErrors: true });
  expect(document.errors).toEqual([]);
  expect(document.warnings).toEqual([]);
  raw = document.toJS() as ComposeFile;
  compose = interpolateDocument(raw, sampleEnv) as ComposeFile;
});

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function environmentOf(svc: Service): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split("=")[0], entry.slice(entry.indexOf("=") + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value ?? "")]));
}

function seconds(duration: string): number {
  const units: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)) {
    total += Number(amount) * (units[unit as string] as number);
  }
  return total;
}

/** Short syntax `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]` or the long syntax. */
function portMapping(entry: string | number | { host_ip?: string; published?: number; target?: number }) {
  if (typeof entry === "object") return { hostIp: entry.host_ip, target: entry.target };
  const parts = String(entry)
    .replace(/\/\w+$/, "")
    .split(":");
  return { hostIp: parts.length === 3 ? parts[0] : undefined, target: Number(parts.at(-1)) };
}

/** The EXPOSE port and HEALTHCHECK of a service's Dockerfile. */
function dockerfileFacts(app: AppName) {
  const stages = parseStages(parseDockerfile(read(`services/${app}/Dockerfile`)));
  const final = stages.at(-1)?.instructions ?? [];
  const expose = final.find((instruction) => instruction.keyword === "EXPOSE")?.args;
  const healthcheck = final.find((instruction) => instruction.keyword === "HEALTHCHECK")?.args ?? "";
  return { expose: Number(expose), healthcheck };
}

/** The variable names a service's config schema reads (the object inside refinements and transforms). */
function configNames(schema: unknown): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodPipe) return configNames(schema.in);
  throw new Error("config schema is neither an object nor a pipe from one");
}

/** The ENV of a service's runtime stage: the container's environment before compose adds its own. */
function dockerfileEnv(app: AppName): Record<string, string> {
  const stages = parseStages(parseDockerfile(read(`services/${app}/Dockerfile`)));
  const env: Record<string, string> = {};
  for (const instruction of stages.at(-1)?.instructions ?? []) {
    if (instruction.keyword !== "ENV") continue;
    for (const [, name, value] of instruction.args.matchAll(/(\w+)=(\S+)/g)) env[name as string] = value as string;
  }
  return env;
}

describe("docker-compose.yml against the Compose specification", () => {
  it("validates against the schema once interpolated with the variables of .env.example", () => {
    const validate = validator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("the validator rejects what the schema forbids (so the check above can fail)", () => {
    const validate = validator();
    expect(validate({ services: { gateway: { imagee: "typo" } } })).toBe(false);
    expect(validate({ services: { gateway: { image: "x", stop_grace_period: "two minutes" } } })).toBe(false);
    expect(validate({ version: "3", services: {}, unknown: true })).toBe(false);
  });

  it("has no version key (obsolete in the Compose specification)", () => {
    expect(raw).not.toHaveProperty("version");
  });
});

describe("variables and secrets", () => {
  it("lists every variable docker-compose.yml uses in .env.example", () => {
    const used = new Set(variablesOfDocument(raw).map((use) => use.name));
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => !envExample.documented.has(name))).toEqual([]);
  });

  it.each(REQUIRED_SECRETS)("refuses to start without %s, naming .env in the message", (secret) => {
    const env = { ...secretsOnly, [secret]: "" };
    expect(() => interpolateDocument(raw, env)).toThrow(InterpolationError);
    expect(() => interpolateDocument(raw, env)).toThrow(new RegExp(`${secret}.*\\.env`));
  });

  it("takes every secret-looking setting from .env: required ones without a default, optional ones defaulting to empty", () => {
    const secretSettings = Object.entries(raw.services).flatMap(([name, svc]) =>
      Object.entries(environmentOf(svc))
        .filter(([key]) => SECRET_NAME.test(key))
        .map(([key, value]) => ({ service: name, key, value })),
    );
    expect(secretSettings.map((setting) => setting.key)).toEqual(expect.arrayContaining(REQUIRED_SECRETS));
    for (const setting of secretSettings) {
      const pattern = REQUIRED_SECRETS.includes(setting.key)
        ? `^\\$\\{${setting.key}:\\?[^}]+\\}$`
        : `^\\$\\{${setting.key}:-\\}$`;
      expect(setting.value, `${setting.service}.${setting.key}`).toMatch(new RegExp(pattern));
    }
  });

  it("ships no secret values in .env.example", () => {
    const secretNames = [...envExample.assigned.keys()].filter((name) => SECRET_NAME.test(name));
    expect(secretNames).toEqual(expect.arrayContaining(REQUIRED_SECRETS));
    for (const name of secretNames) expect(envExample.assigned.get(name), name).toBe("");
  });

  // biome-ignore-start lint/suspicious/noTemplateCurlyInString: Compose's ${VAR} syntax, not JavaScript's
  it("interpolation follows Compose's operators", () => {
    const env = { SET: "value", EMPTY: "" };
    expect(interpolate("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $SET $$SET", env)).toBe("value d  d value $SET");
    expect(interpolate("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}", env)).toBe("alt||alt");
    expect(() => interpolate("${EMPTY:?needed}", env)).toThrow(/EMPTY.*needed/);
    expect(interpolate("${EMPTY?needed}", env)).toBe("");
  });
  // biome-ignore-end lint/suspicious/noTemplateCurlyInString: Compose's ${VAR} syntax, not JavaScript's
});

describe("services", () => {
  it("runs redis, the collector and the three apps", () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      "gateway",
      "imagegen",
      "otel-collector",
      "redis",
      "renderer",
    ]);
  });

  it.each(APPS)("%s is built from its Dockerfile with the repository as context", (app) => {
    const build = service(app).build;
    expect(build).toEqual({
      context: ".",
      dockerfile: `services/${app}/Dockerfile`,
      // The Dockerfile's own default unless NODE_IMAGE is set (scripts/containers picks a local base).
      args: { NODE_IMAGE: "node:24-bookworm-slim" },
    });
    expect(existsSync(`${root}services/${app}/Dockerfile`)).toBe(true);
  });

  it("gives every built service a health check", () => {
    const built = Object.entries(compose.services).filter(([, svc]) => svc.build !== undefined);
    expect(built.length).toBe(APPS.length);
    for (const [name, svc] of built) {
      expect(svc.healthcheck?.test, name).toBeDefined();
      expect(svc.healthcheck?.disable, name).not.toBe(true);
    }
  });

  it("publishes only the gateway, and only on the loopback interface", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (name !== "gateway") expect(svc.ports, name).toBeUndefined();
    }
    const ports = (service("gateway").ports ?? []).map(portMapping);
    expect(ports).toEqual([{ hostIp: "127.0.0.1", target: APP_PORTS.gateway }]);
  });

  it.each(APPS)(
    "%s listens on all interfaces on the port its Dockerfile exposes and its health check probes",
    (app) => {
      const svc = service(app);
      const env = environmentOf(svc);
      const dockerfile = dockerfileFacts(app);
      expect(env.HOST).toBe("0.0.0.0");
      expect(Number(env.PORT)).toBe(APP_PORTS[app]);
      expect(dockerfile.expose).toBe(APP_PORTS[app]);
      const probe = `fetch('http://127.0.0.1:${APP_PORTS[app]}/healthz')`;
      expect(dockerfile.healthcheck).toContain(probe);
      expect(JSON.stringify(svc.healthcheck?.test)).toContain(probe);
      if (app !== "gateway") expect(svc.expose).toEqual([String(APP_PORTS[app])]);
    },
  );

  it.each(APPS)("%s starts with the environment compose and its Dockerfile give it", (app) => {
    const env = { ...dockerfileEnv(app), ...environmentOf(service(app)) };
    expect(() => loadConfig(CONFIG_SCHEMAS[app], env)).not.toThrow();
  });

  it.each(APPS)("%s reads every variable compose and its Dockerfile set (no typos)", (app) => {
    const names = new Set(configNames(CONFIG_SCHEMAS[app]));
    const set = Object.keys({ ...dockerfileEnv(app), ...environmentOf(service(app)) });
    expect(set.filter((name) => !names.has(name) && !READ_ELSEWHERE.has(name))).toEqual([]);
  });

  it("points the gateway at the other services by their compose names and ports", () => {
    const env = environmentOf(service("gateway"));
    expect(env.IMAGEGEN_URL).toBe(`http://imagegen:${APP_PORTS.imagegen}`);
    expect(env.RENDERER_URL).toBe(`http://renderer:${APP_PORTS.renderer}`);
    const redis = new URL(env.REDIS_URL ?? "");
    expect(redis.protocol).toBe("redis:");
    expect(redis.hostname).toBe("redis");
    expect(redis.port).toBe("6379");
  });

  it("sends every app's traces to the collector's OTLP/HTTP receiver", () => {
    const collector = parseDocument(read("infra/otel/collector.yaml")).toJS() as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
    };
    const port = collector.receivers.otlp.protocols.http.endpoint.split(":").at(-1);
    for (const app of APPS) {
      expect(environmentOf(service(app)).OTEL_EXPORTER_OTLP_ENDPOINT, app).toBe(`http://otel-collector:${port}`);
    }
    const volumes = (service("otel-collector").volumes ?? []).map(String);
    expect(volumes).toContain("./infra/otel/collector.yaml:/etc/otelcol-contrib/config.yaml:ro");
  });

  it("starts each service after what it needs: healthy when it has a health check, started otherwise", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      const dependsOn = svc.depends_on ?? {};
      expect(Array.isArray(dependsOn), `${name}: use the long form with conditions`).toBe(false);
      for (const [dependency, { condition }] of Object.entries(dependsOn as Record<string, { condition: string }>)) {
        const target = service(dependency);
        const expected = target.healthcheck || target.build ? "service_healthy" : "service_started";
        expect(condition, `${name} → ${dependency}`).toBe(expected);
      }
    }
    expect(Object.keys(service("gateway").depends_on ?? {}).sort()).toEqual([
      "imagegen",
      "otel-collector",
      "redis",
      "renderer",
    ]);
  });

  it("keeps the store in one named volume at /data/storage, shared by the three apps", () => {
    expect(compose.volumes).toHaveProperty("storage");
    for (const app of APPS) {
      const svc = service(app);
      expect(svc.volumes, app).toContain("storage:/data/storage");
      expect(environmentOf(svc).STORAGE_DIR, app).toBe("/data/storage");
    }
  });

  it("runs the apps read-only with a /tmp tmpfs, restarts everything, and limits memory", () => {
    for (const app of APPS) {
      const svc = service(app);
      expect(svc.read_only, app).toBe(true);
      const tmpfs = [svc.tmpfs ?? []].flat();
      expect(
        tmpfs.some((mount) => mount === "/tmp" || mount.startsWith("/tmp:")),
        app,
      ).toBe(true);
    }
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.restart, name).toBe("unless-stopped");
      expect(svc.deploy?.resources?.limits?.memory, name).toMatch(/^\d+[kmg]$/);
    }
  });

  it("gives the renderer two minutes to finish its renders when stopped", () => {
    const renderer = service("renderer");
    const grace = seconds(renderer.stop_grace_period ?? "0s");
    expect(grace).toBeGreaterThanOrEqual(120);
    // renderer main.ts: drain for RENDER_DRAIN_MS, then up to 20 s to abort, close and flush.
    const drainSeconds = Number(environmentOf(renderer).RENDER_DRAIN_MS) / 1000;
    expect(drainSeconds).toBeGreaterThanOrEqual(60);
    expect(drainSeconds + 20).toBeLessThan(grace);
    for (const app of APPS) expect(seconds(service(app).stop_grace_period ?? "0s"), app).toBeGreaterThan(10);
  });

  it("pins every image it pulls to a tag", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build) continue;
      expect(svc.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(svc.image, name).not.toMatch(/:latest$/);
    }
  });
});
