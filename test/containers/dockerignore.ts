/**
 * The .dockerignore matching of Docker's build context (moby/patternmatcher): patterns are
 * relative to the context root, `*` and `?` stay within one path segment, `**` spans any number
 * of segments (zero included), a pattern that matches a directory leaves out everything under
 * it, `!` lets a path back in, and the last matching pattern wins.
 */
export type IgnoreMatcher = (relativePath: string) => boolean;

interface IgnorePattern {
  regex: RegExp;
  exclude: boolean;
}

export function createIgnoreMatcher(dockerignoreText: string): IgnoreMatcher {
  const patterns = dockerignoreText
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map(toPattern)
    .filter((pattern) => pattern !== undefined);

  return (relativePath) => {
    const target = normalise(relativePath);
    // A path is left out when it, or a directory above it, matches; later patterns override.
    const candidates = ancestorsAndSelf(target);
    let ignored = false;
    for (const pattern of patterns) {
      if (candidates.some((candidate) => pattern.regex.test(candidate))) ignored = pattern.exclude;
    }
    return ignored;
  };
}

function toPattern(line: string): IgnorePattern | undefined {
  const exclude = !line.startsWith("!");
  const body = normalise(exclude ? line : line.slice(1).trim());
  if (body === "") return undefined;
  return { regex: globToRegex(body), exclude };
}

function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

/** "a/b/c" → ["a", "a/b", "a/b/c"] */
function ancestorsAndSelf(path: string): string[] {
  const parts = path.split("/");
  return parts.map((_, index) => parts.slice(0, index + 1).join("/"));
}

function globToRegex(glob: string): RegExp {
  let source = "";
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index] as string;
    if (char === "*" && glob[index + 1] === "*") {
      // "**/" matches zero or more whole directories; a trailing "**" matches the rest.
      if (glob[index + 2] === "/") {
        source += "(?:.*/)?";
        index += 2;
      } else {
        source += ".*";
        index += 1;
      }
    } else if (char === "*") {
      source += "[^/]*";
    } else if (char === "?") {
      source += "[^/]";
    } else if (char === "[") {
      const end = glob.indexOf("]", index + 1);
      if (end === -1) {
        source += "\\[";
      } else {
        const body = glob
          .slice(index + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        source += `[${body}]`;
        index = end;
      }
    } else if (char === "\\" && index + 1 < glob.length) {
      source += escapeRegex(glob[index + 1] as string);
      index += 1;
    } else {
      source += escapeRegex(char);
    }
  }
  return new RegExp(`^${source}$`);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
