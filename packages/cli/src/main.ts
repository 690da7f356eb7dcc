#!/usr/bin/env node
// The `video-service` command: see `video-service --help` and packages/cli/README.md.
import { loadConfig } from "@video-service/config";
import { cliEnvSchema, runCli } from "./cli.ts";

const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new Error("interrupted")));
process.exitCode = await runCli(process.argv.slice(2), {
  env: loadConfig(cliEnvSchema),
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
