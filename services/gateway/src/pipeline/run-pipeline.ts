import type { Format } from "@video-service/contracts";
import { withSpan } from "@video-service/telemetry";
import { WaitingChildrenError } from "bullmq";
import type { JobOutputs, JobRecord } from "../jobs/job.store.ts";
import type { StageName, StageState } from "../jobs/job.types.ts";
import { deleteTempObjects, notifyWebhook } from "../jobs/job-cleanup.ts";
import { createMediaLibrary } from "../media/media-library.store.ts";
import { usesLibraryBackground } from "../media/render-media.ts";
import type { Script, Story } from "../script/index.ts";
import { createVoiceCatalog, DEFAULT_VOICE } from "../voices/voice-catalog.ts";
import { DeferredError } from "./deferred-error.ts";
import type { PipelineDeps } from "./pipeline.types.ts";
import { createProgressTracker, progressAtStart } from "./progress.ts";
import { type NarrationOutput, narrate } from "./stages/narration.stage.ts";
import { type PublishOutput, publishVideo } from "./stages/publish.stage.ts";
import { type RenderOutput, renderVideo } from "./stages/render.stage.ts";
import type { RenderFlow } from "./stages/render-chunks.stage.ts";
import { writeScript } from "./stages/script.stage.ts";
import { loadStory } from "./stages/source.stage.ts";
import { renderVisuals, type VisualsOutput } from "./stages/visuals.stage.ts";

/** Thrown out of a stage so the worker knows which stage failed. */
export class StageError extends Error {
  override readonly name = "StageError";
  readonly stage: StageName;
  constructor(stage: StageName, cause: unknown) {
    super(`stage ${stage} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.stage = stage;
  }
}

/** Raised before a stage starts when the worker is shutting down: the job goes back to the queue. */
export class DrainingError extends Error {
  override readonly name = "DrainingError";
}

export interface RunPipelineOptions {
  record: JobRecord;
  signal: AbortSignal;
  deps: PipelineDeps;
  /** True once the worker is shutting down: no new stage starts. */
  shouldDrain?: () => boolean;
  /** The BullMQ job as parent of chunk jobs (chunked rendering); absent: renders in one piece. */
  flow?: RenderFlow | undefined;
}

/**
 * Runs the stages of one job in order. A stage that already succeeded (an earlier run, before a
 * retry or a worker restart) is not run again: its recorded output is reused, unless the objects
 * it made are gone. Returns the outputs; the caller writes the final status.
 */
export async function runPipeline({
  record,
  signal,
  deps,
  shouldDrain = () => false,
  flow,
}: RunPipelineOptions): Promise<JobOutputs> {
  const { jobs, events } = deps;
  const { id, request } = record;
  const format: Format = request.format;
  const progress = createProgressTracker({ id, jobs, events, initial: record.progress });
  const stages = { ...record.stages };

  const setStage = async (name: StageName, state: StageState) => {
    stages[name] = state;
    await jobs.setStageState(id, name, state);
  };

  async function stage<T>(
    name: StageName,
    run: (onProgress: (fraction: number) => void) => Promise<T>,
    stillValid: (output: T) => Promise<boolean> = async () => true,
  ): Promise<T> {
    signal.throwIfAborted();
    if (stages[name].status === "succeeded" || stages[name].status === "skipped") {
      const previous = (await jobs.getStageOutput(id, name)) as T | undefined;
      if (previous !== undefined && (await stillValid(previous))) return previous;
    }
    if (shouldDrain()) throw new StageError(name, new DrainingError(`worker shutting down before stage ${name}`));
    const startedAt = new Date();
    await setStage(name, {
      status: "running",
      startedAt: startedAt.toISOString(),
      finishedAt: null,
      durationMs: null,
      attempts: stages[name].attempts + 1,
    });
    await jobs.setProgress(id, { stage: name, progress: Math.max(record.progress, progressAtStart(name)) });
    await events.publish(id, { type: "stage", stage: name, status: "running" });
    try {
      const output = await withSpan(`stage.${name}`, { "video.id": id, "video.stage": name }, () =>
        run((fraction) => progress.report(name, fraction)),
      );
      await jobs.setStageOutput(id, name, output);
      const finishedAt = new Date();
      const skipped = typeof output === "object" && output !== null && "skipped" in output;
      const status = skipped ? "skipped" : "succeeded";
      await setStage(name, {
        ...stages[name],
        status,
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
      });
      progress.report(name, 1);
      await progress.flush();
      await events.publish(id, { type: "stage", stage: name, status });
      return output;
    } catch (err) {
      // Waiting for its chunk jobs: the stage is still running; the job resumes when they finish.
      if (err instanceof WaitingChildrenError) throw err;
      const finishedAt = new Date();
      // A deferred stage (waiting for the YouTube upload budget, or handed back at shutdown) has not
      // failed: it will run later.
      const deferred = err instanceof DeferredError || (signal.aborted && signal.reason instanceof DrainingError);
      await setStage(name, {
        ...stages[name],
        status: deferred ? "pending" : "failed",
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
      });
      await progress.flush();
      if (!deferred) await events.publish(id, { type: "stage", stage: name, status: "failed" });
      throw signal.aborted ? err : new StageError(name, err);
    }
  }

  const objectsExist = async (keys: string[]) =>
    (await Promise.all(keys.map((key) => deps.store.head(key)))).every((info) => info !== undefined);

  const story = await stage<Story>("source", () =>
    loadStory({ source: request.source, sources: deps.sources, signal }),
  );
  const voices = deps.voices ?? createVoiceCatalog({ source: deps.renderer });
  const script = await stage<Script>("script", async () =>
    writeScript({
      story,
      format,
      wordsPerMinute: request.voice?.rate,
      voices: await voices.scriptVoices(request.voice, signal),
    }),
  );
  const narration = await stage<NarrationOutput>(
    "narration",
    (onProgress) =>
      narrate({ jobId: id, script, format, voice: request.voice, renderer: deps.renderer, signal, onProgress }),
    // Temp audio is removed when a job is cancelled: a retry then speaks again.
    (output) => objectsExist(Object.values(output.narrations).map((n) => n.key)),
  );
  const visuals = await stage<VisualsOutput>(
    "visuals",
    (onProgress) =>
      renderVisuals({
        script: narration.script,
        story,
        format,
        theme: request.style.theme,
        transparent: usesLibraryBackground(request),
        imagegen: deps.imagegen,
        signal,
        onProgress,
      }),
    (output) => objectsExist([...Object.values(output.cardKeys), output.thumbnailKey]),
  );
  const rendered = await stage<RenderOutput>(
    "render",
    (onProgress) =>
      renderVideo({
        jobId: id,
        format,
        script: narration.script,
        narrations: narration.narrations,
        cardKeys: visuals.cardKeys,
        thumbnailCacheKey: visuals.thumbnailKey,
        request,
        story,
        createdAt: record.createdAt,
        renderer: deps.renderer,
        store: deps.store,
        library: createMediaLibrary(deps.store),
        signal,
        onProgress,
        run: record.run,
        flow,
        chunkPolicy: deps.chunkPolicy,
      }),
    (output) => objectsExist([output.video.key]),
  );
  const published = await stage<PublishOutput>("publish", (onProgress) =>
    publishVideo({
      jobId: id,
      request,
      story,
      format,
      videoKey: rendered.video.key,
      thumbnailKey: rendered.thumbnailKey,
      credits: rendered.credits ?? [],
      youtube: deps.youtube,
      jobs,
      signal,
      onProgress,
    }),
  );

  const outputs: JobOutputs = {
    video: rendered.video,
    thumbnail: { key: rendered.thumbnailKey },
    metadata: { key: rendered.metadataKey },
    ...("youtube" in published ? { youtube: published.youtube } : {}),
    narration: {
      engine: request.voice?.engine ?? DEFAULT_VOICE.engine,
      voice: request.voice?.voice ?? DEFAULT_VOICE.voice,
      ...(narration.usage ?? {}),
    },
  };
  await deps.jobs.setOutputs(id, outputs);

  await stage("notify", async () => {
    await deleteTempObjects({ store: deps.store, jobId: id, logger: deps.logger });
    if (!request.webhook) return { skipped: true, tempDeleted: true };
    const started = await notifyWebhook({
      jobs: deps.jobs,
      store: deps.store,
      webhooks: deps.webhooks,
      jobId: id,
      status: "succeeded",
      signedUrlTtlSeconds: deps.signedUrlTtlSeconds,
      logger: deps.logger,
    });
    // Queued: a delivery worker sends it and records its attempts on the job (`webhooks`).
    return { webhookStarted: started, tempDeleted: true };
  });
  return outputs;
}
