/**
 * Removes from a production node_modules what Node never loads, to keep the images small:
 * TypeScript sources and declarations (Node does not strip types under node_modules), source
 * maps, Markdown, tests and examples, and the ES module builds (`module`, `esnext` fields) of
 * packages without an `exports` map, for which Node only ever reads `main`. Symlinks (our own
 * workspaces) are neither followed nor removed.
 * Usage: node prune-node-modules.ts <node_modules>...
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const DEAD_FILE = /(\.d\.[cm]?ts|(?<!\.d)\.[cm]?ts|\.map|\.md|\.markdown|\.tsbuildinfo)$/i;
const DEAD_DIRECTORY = new Set([
  "__tests__",
  "test",
  "tests",
  "example",
  "examples",
  ".github",
  "benchmark",
  "benchmarks",
]);

interface Manifest {
  main?: string;
  module?: string;
  esnext?: string;
  exports?: unknown;
}

let removed = 0;

function remove(path: string): void {
  removed += 1;
  rmSync(path, { recursive: true, force: true });
}

/** `build/esm/index.js` → `build/esm`: the directory a manifest field's file lives in. */
function topDirectory(file: string): string {
  return normalize(dirname(file)).replace(/^\.\/?/, "");
}

/** The `module`/`esnext` builds of a package without `exports` (Node resolves `main` alone). */
function pruneUnusedBuilds(packageDir: string): void {
  const manifestPath = join(packageDir, "package.json");
  if (!existsSync(manifestPath)) return;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  if (manifest.exports !== undefined || !manifest.main) return;
  const main = normalize(manifest.main).replace(/^\.\//, "");
  for (const field of [manifest.module, manifest.esnext]) {
    if (!field) continue;
    const directory = topDirectory(field);
    if (directory === "" || directory === "." || main.startsWith(`${directory}/`)) continue;
    const path = join(packageDir, directory);
    if (existsSync(path) && lstatSync(path).isDirectory()) remove(path);
  }
}

/** `holder`: the directory's entries are packages (node_modules, or a @scope in it), never pruned by name. */
function walk(directory: string, holder: boolean): void {
  if (!holder) pruneUnusedBuilds(directory);
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      if (!holder && DEAD_DIRECTORY.has(entry.name)) remove(path);
      else walk(path, entry.name === "node_modules" || (holder && entry.name.startsWith("@")));
    } else if (entry.isFile() && DEAD_FILE.test(entry.name)) {
      remove(path);
    }
  }
}

// Each argument is a node_modules directory; missing ones (an unmatched shell glob) are skipped.
const roots = process.argv.slice(2);
if (roots.length === 0) {
  console.error("usage: node prune-node-modules.ts <node_modules directory>...");
  process.exit(2);
}
for (const root of roots) if (existsSync(root)) walk(root, true);
console.log(`prune-node-modules: removed ${removed} files and directories`);
