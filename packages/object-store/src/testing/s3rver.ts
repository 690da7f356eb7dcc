import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";

export interface RunningS3rver {
  endpoint: string;
  /** A client configured like production (checksums only when required), path-style. */
  client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

const S3RVER_CLI = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");

/**
 * A real S3-protocol server (s3rver) on a free port, storing into its own temp directory.
 *
 * It runs as a child process with --openssl-legacy-provider: s3rver 3.7.1 encrypts
 * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node ≥ 17) only offers through the
 * legacy provider, and without it every truncated listing answers 500 InternalError.
 */
export async function startS3rver({ buckets = ["test"] }: { buckets?: string[] } = {}): Promise<RunningS3rver> {
  const directory = await mkdtemp(path.join(tmpdir(), "s3rver-"));
  const child = spawn(
    process.execPath,
    [
      "--openssl-legacy-provider",
      S3RVER_CLI,
      "--directory",
      directory,
      "--address",
      "127.0.0.1",
      "--port",
      "0",
      "--silent",
      ...buckets.flatMap((name) => ["--configure-bucket", name]),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let port: number;
  try {
    port = await listeningPort(child);
  } catch (err) {
    child.kill("SIGKILL");
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    endpoint,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Waits for the CLI's "S3rver listening on 127.0.0.1:PORT" line. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [^\s:]+:(\d+)/.exec(output);
      if (match) {
        child.stdout?.off("data", onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`s3rver exited with code ${code}: ${output}`)));
    child.once("error", reject);
  });
}
