/**
 * Docker Compose's variable interpolation, enough to check docker-compose.yml without Docker:
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `${VAR:+alternative}`, `${VAR+alternative}` and `$$` for a literal `$`. Nested expressions
 * inside defaults are not supported.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface VariableUse {
  name: string;
  /** "" for a plain reference. */
  operator: "" | ":-" | "-" | ":?" | "?" | ":+" | "+";
  operand: string;
}

export class InterpolationError extends Error {
  override readonly name = "InterpolationError";
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`required variable ${variable} is missing a value: ${message}`);
    this.variable = variable;
  }
}

const EXPRESSION = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export function findVariables(text: string): VariableUse[] {
  const uses: VariableUse[] = [];
  for (const match of text.matchAll(EXPRESSION)) {
    const [, escaped, braced, operator, operand, bare] = match;
    if (escaped) continue;
    uses.push({
      name: (braced ?? bare) as string,
      operator: (operator ?? "") as VariableUse["operator"],
      operand: operand ?? "",
    });
  }
  return uses;
}

export function interpolate(text: string, env: Environment): string {
  return text.replace(
    EXPRESSION,
    (_whole, escaped?: string, braced?: string, operator?: string, operand?: string, bare?: string) => {
      if (escaped) return "$";
      const name = (braced ?? bare) as string;
      const value = env[name];
      const isSet = value !== undefined;
      const isNonEmpty = isSet && value !== "";
      switch (operator) {
        case ":-":
          return isNonEmpty ? value : (operand ?? "");
        case "-":
          return isSet ? value : (operand ?? "");
        case ":?":
          if (!isNonEmpty) throw new InterpolationError(name, operand ?? "");
          return value;
        case "?":
          if (!isSet) throw new InterpolationError(name, operand ?? "");
          return value;
        case ":+":
          return isNonEmpty ? (operand ?? "") : "";
        case "+":
          return isSet ? (operand ?? "") : "";
        default:
          return value ?? "";
      }
    },
  );
}

/** Interpolates every string value (not the keys) of a parsed Compose document, as Compose does. */
export function interpolateDocument(value: unknown, env: Environment): unknown {
  if (typeof value === "string") return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateDocument(item, env));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDocument(item, env)]));
  }
  return value;
}

/** Every variable referenced by a string value of a parsed Compose document. */
export function variablesOfDocument(value: unknown): VariableUse[] {
  if (typeof value === "string") return findVariables(value);
  if (Array.isArray(value)) return value.flatMap(variablesOfDocument);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(variablesOfDocument);
  return [];
}

/** The names a dotenv file assigns, including commented-out examples (`# NAME=value`). */
export function parseEnvExample(text: string): { assigned: Map<string, string>; documented: Set<string> } {
  const assigned = new Map<string, string>();
  const documented = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const active = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (active) {
      assigned.set(active[1] as string, (active[2] as string).trim());
      documented.add(active[1] as string);
      continue;
    }
    const commented = /^\s*#\s*([A-Za-z_][A-Za-z0-9_]*)=/.exec(line);
    if (commented) documented.add(commented[1] as string);
  }
  return { assigned, documented };
}
