import { api, loadStages, streamEvents } from "./api.js";
import {
  fill,
  formatBytes,
  formatDate,
  formatMs,
  formatSeconds,
  fromNow,
  h,
  isActive,
  jobTitle,
  problemBlock,
  progressBar,
  sourceLabel,
  statusBadge,
  toast,
} from "./dom.js";

const STAGE_LABELS = {
  source: "Source",
  script: "Script",
  narration: "Narration",
  visuals: "Visuals",
  render: "Render",
  publish: "Publish",
  notify: "Webhook",
};

/** Where to look when a stage fails. */
const STAGE_HELP = {
  source: "Check that the post still exists and its subreddit is public, or pick another post.",
  script: "The story may be empty once cleaned up: check its text.",
  narration: "Check the voice name and that the speech engine is up.",
  visuals: "Check that the image service is healthy (its /readyz).",
  render: "Look at the renderer's logs for the FFmpeg error.",
  publish: "Check the YouTube channel's credentials and upload quota.",
  notify: "Check that the webhook URL answers.",
};

/** What to do about a job's error. */
function advice(error) {
  const where = error.stage ? `${STAGE_HELP[error.stage]} ` : "";
  if (error.retryable) return `${where}It looks temporary: press Retry; the finished stages are kept.`;
  return `${where}Once the cause is fixed, press Retry (the finished stages are kept), or make a new video with a changed request.`;
}

/** #/jobs/{id}: the stages live, the video, the script, retry and cancel. */
export async function renderJobPage(id) {
  let job;
  const { stages: stageNames, weights } = await loadStages();
  try {
    job = await api(`/v1/videos/${id}`);
  } catch (error) {
    return { element: h("section", { class: "page" }, h("h1", {}, "Video"), problemBlock(error, "Could not load it")) };
  }

  const controller = new AbortController();
  const heading = h("h1", { tabindex: "-1" });
  const badge = h("span", { class: "header-badge" });
  const meta = h("p", { class: "muted meta" });
  const actions = h("div", { class: "actions" });
  const overall = progressBar(job.progress, "Overall progress");
  const overallText = h("span", { class: "percent" });
  const stageList = h("ol", { class: "timeline" });
  const errorBox = h("div", { class: "error-slot" });
  const media = h("div", { class: `media media-${job.request.format}` });
  const downloads = h("div", { class: "downloads" });
  const script = h("div", { class: "script" });

  const element = h(
    "section",
    { class: "page job-page" },
    h("p", { class: "back" }, h("a", { href: "#/jobs" }, "← All videos")),
    h("div", { class: "page-header" }, h("div", { class: "title-block" }, heading, meta), actions),
    h(
      "div",
      { class: "job-grid" },
      h("div", { class: "job-media" }, media, downloads),
      h(
        "div",
        { class: "job-stages card" },
        h("div", { class: "stage-head" }, h("h2", {}, "Progress"), badge),
        h("div", { class: "overall" }, overall, overallText),
        errorBox,
        stageList,
      ),
    ),
    h("div", { class: "card" }, h("h2", {}, "Narration"), script),
  );

  const stageRow = (name) => {
    const state = job.stages[name] ?? { status: "pending", attempts: 0 };
    const running = state.status === "running";
    let fraction = state.status === "succeeded" ? 1 : 0;
    if (running && job.stage === name) {
      const start = stageNames.slice(0, stageNames.indexOf(name)).reduce((sum, s) => sum + weights[s], 0);
      fraction = Math.max(0, Math.min(1, (job.progress - start) / weights[name]));
    }
    let timing = "";
    if (state.durationMs !== null && state.durationMs !== undefined) timing = formatMs(state.durationMs);
    else if (state.startedAt) timing = `started ${fromNow(state.startedAt)}`;
    return h(
      "li",
      { class: `stage stage-${state.status}`, dataset: { stage: name } },
      h("span", { class: "stage-dot", "aria-hidden": "true" }),
      h("span", { class: "stage-name" }, STAGE_LABELS[name] ?? name),
      h("span", { class: "stage-state" }, statusBadge(state.status)),
      h("span", { class: "stage-time muted small" }, timing, state.attempts > 1 ? ` · ${state.attempts} attempts` : ""),
      progressBar(fraction, `${STAGE_LABELS[name] ?? name} progress`),
    );
  };

  const renderActions = () => {
    const buttons = [];
    if (job.status === "failed" || job.status === "cancelled") {
      buttons.push(h("button", { type: "button", class: "button primary", onclick: retry }, "Retry"));
    }
    if (isActive(job.status)) {
      buttons.push(h("button", { type: "button", class: "button danger", onclick: cancel }, "Cancel"));
    }
    // Keep focus on an action that survives a re-render.
    const focused = actions.contains(document.activeElement) ? document.activeElement.textContent : undefined;
    fill(actions, buttons);
    if (focused) [...actions.querySelectorAll("button")].find((b) => b.textContent === focused)?.focus();
  };

  // Ended without a video (a succeeded job's outputs come with its final state, just after).
  const ended = () => job.status === "failed" || job.status === "cancelled";
  let shownVideo;
  let storyTitle;
  const renderMedia = () => {
    const outputs = job.outputs;
    if (outputs?.video && shownVideo !== outputs.video.key) {
      shownVideo = outputs.video.key;
      media.classList.remove("compact");
      const video = h("video", {
        controls: true,
        preload: "metadata",
        playsinline: true,
        src: outputs.video.url,
        poster: outputs.thumbnail?.url,
        "aria-label": `Video: ${jobTitle(job)}`,
      });
      fill(media, video);
      const links = [
        h("a", { class: "button", href: outputs.video.url, download: `${job.id}.mp4` }, "Download MP4"),
        outputs.thumbnail
          ? h("a", { class: "button ghost", href: outputs.thumbnail.url, download: `${job.id}.jpg` }, "Thumbnail")
          : null,
        outputs.youtube
          ? h(
              "a",
              { class: "button ghost", href: outputs.youtube.url, rel: "noopener", target: "_blank" },
              "On YouTube",
            )
          : null,
      ];
      fill(
        downloads,
        h("div", { class: "actions" }, links),
        h(
          "p",
          { class: "muted small" },
          `${formatSeconds(outputs.video.durationSeconds)} · ${outputs.video.width}×${outputs.video.height} · ${formatBytes(outputs.video.sizeBytes)}`,
        ),
      );
      loadScript(outputs.metadata?.url);
    } else if (!outputs?.video && (shownVideo !== "placeholder" || media.classList.contains("compact") !== ended())) {
      shownVideo = "placeholder";
      media.classList.toggle("compact", ended());
      fill(
        media,
        h(
          "div",
          { class: "placeholder" },
          h("p", {}, ended() ? "No video was made." : "The video appears here when it is ready."),
        ),
      );
      fill(downloads);
    }
  };

  const renderStory = () => {
    const source = job.request.source;
    if (source.type !== "text") {
      fill(script, h("p", { class: "muted" }, "The narration appears here once the video is rendered."));
      return;
    }
    fill(
      script,
      h("p", { class: "muted small" }, "The story as sent; the narration appears here once the video is rendered."),
      h("h3", {}, source.title),
      source.body ? source.body.split(/\n{2,}/).map((p) => h("p", {}, p)) : null,
      source.comments?.map((c) => h("blockquote", {}, h("p", {}, c.body), c.author ? h("cite", {}, c.author) : null)),
    );
  };

  const loadScript = async (url) => {
    if (!url) return;
    try {
      const response = await fetch(url, { signal: controller.signal });
      const metadata = await response.json();
      // A Reddit job's request has no title; the rendered story has.
      if (job.request.source.type === "reddit" && metadata.title) {
        storyTitle = metadata.title;
        fill(heading, storyTitle);
      }
      fill(
        script,
        h(
          "ol",
          { class: "segments" },
          metadata.segments.map((segment) =>
            h(
              "li",
              { class: `segment segment-${segment.kind}` },
              h("span", { class: "segment-kind" }, segment.kind, " · ", formatSeconds(segment.durationSeconds)),
              h("p", {}, segment.text),
            ),
          ),
        ),
      );
    } catch {
      // The metadata is a convenience; the story stays shown.
    }
  };

  const render = () => {
    fill(heading, storyTitle ?? jobTitle(job));
    fill(badge, statusBadge(job.status));
    fill(
      meta,
      `${sourceLabel(job)} · ${job.request.format} · created ${formatDate(job.createdAt)} · `,
      h("code", {}, job.id),
    );
    overall.value = job.progress;
    fill(overallText, `${Math.round(job.progress * 100)}%`);
    fill(stageList, stageNames.map(stageRow));
    fill(
      errorBox,
      job.error
        ? h(
            "div",
            { class: "alert alert-error", role: "alert" },
            h(
              "p",
              { class: "alert-title" },
              job.error.stage ? `${STAGE_LABELS[job.error.stage]} failed: ` : "",
              job.error.title,
            ),
            h("p", {}, job.error.detail),
            h("p", { class: "advice" }, h("strong", {}, "What to do: "), advice(job.error)),
          )
        : job.lastError && isActive(job.status)
          ? // A running attempt after a failed one: say what went wrong before, quietly.
            h(
              "div",
              { class: "alert alert-info", role: "status" },
              h(
                "p",
                {},
                "Trying again after: ",
                job.lastError.stage ? `${STAGE_LABELS[job.lastError.stage]} failed: ` : "",
                job.lastError.title,
              ),
            )
          : null,
    );
    renderActions();
    renderMedia();
  };

  const follow = async () => {
    while (!controller.signal.aborted && isActive(job.status)) {
      try {
        await streamEvents(
          id,
          (name, data) => {
            if (name === "state") job = data;
            else if (name === "progress") {
              job.progress = data.progress;
              if (data.stage) job.stage = data.stage;
            } else if (name === "stage") {
              const state = job.stages[data.stage] ?? {};
              job.stages[data.stage] = { ...state, status: data.status };
              if (data.status === "running") job.stage = data.stage;
            } else if (name === "status") job.status = data.status;
            render();
          },
          controller.signal,
        );
      } catch {
        if (controller.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
      // The stream ended: fetch the final state (timings, outputs with fresh links).
      if (controller.signal.aborted) return;
      job = await api(`/v1/videos/${id}`).catch(() => job);
      render();
    }
  };

  async function retry() {
    try {
      job = await api(`/v1/videos/${id}/retry`, { method: "POST" });
      toast("Queued again: finished stages are kept.");
      render();
      void follow();
    } catch (error) {
      fill(errorBox, problemBlock(error, "Could not retry"));
    }
  }

  async function cancel() {
    try {
      job = await api(`/v1/videos/${id}`, { method: "DELETE" });
      toast("Cancelled.");
      render();
    } catch (error) {
      fill(errorBox, problemBlock(error, "Could not cancel"));
    }
  }

  render();
  renderStory();
  void follow();
  return { element, cleanup: () => controller.abort() };
}
