import { api } from "./api.js";
import {
  fill,
  formatSeconds,
  fromNow,
  h,
  isActive,
  jobTitle,
  pageHeader,
  problemBlock,
  progressBar,
  sourceLabel,
  statusBadge,
} from "./dom.js";

const FILTERS = [
  ["", "All"],
  ["running", "Running"],
  ["queued", "Queued"],
  ["succeeded", "Done"],
  ["failed", "Failed"],
  ["cancelled", "Cancelled"],
];
const POLL_MS = 1500;

/** #/jobs?status=…: every job, newest first, refreshed while some are still moving. */
export async function renderJobsPage(query) {
  const status = query.get("status") ?? "";
  const filters = h(
    "nav",
    { class: "filters", "aria-label": "Filter by status" },
    FILTERS.map(([value, label]) =>
      h(
        "a",
        { href: value ? `#/jobs?status=${value}` : "#/jobs", "aria-current": value === status ? "true" : undefined },
        label,
      ),
    ),
  );
  const body = h("tbody");
  const table = h(
    "table",
    { class: "jobs-table" },
    h("caption", { class: "visually-hidden" }, "Video jobs, newest first"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Video", "Status", "Format", "Progress", "Length", "Created"].map((name) => h("th", { scope: "col" }, name)),
      ),
    ),
    body,
  );
  const more = h("button", { type: "button", class: "button", hidden: true }, "Load more");
  const message = h("div", { class: "list-message" });
  const element = h(
    "section",
    { class: "page" },
    pageHeader("Videos", h("a", { class: "button primary", href: "#/new" }, "New video")),
    filters,
    message,
    h("div", { class: "table-wrap" }, table),
    h("div", { class: "more" }, more),
  );

  const rows = new Map();
  let cursor = null;
  let shown = 0;
  let timer;
  let stopped = false;

  const cells = (job) => {
    const row = h(
      "tr",
      { dataset: { id: job.id } },
      h(
        "td",
        { class: "cell-title", "data-label": "Video" },
        h("a", { href: `#/jobs/${job.id}` }, jobTitle(job)),
        h("span", { class: "muted small" }, sourceLabel(job)),
      ),
      h("td", { "data-label": "Status", class: "cell-status" }, statusBadge(job.status)),
      h("td", { "data-label": "Format", class: "cell-format" }, job.request.format),
      h(
        "td",
        { "data-label": "Progress", class: "cell-progress" },
        h(
          "div",
          { class: "progress-line" },
          progressBar(job.progress, `Progress of ${jobTitle(job)}`),
          h("span", { class: "percent" }, `${Math.round(job.progress * 100)}%`),
        ),
      ),
      h("td", { "data-label": "Length", class: "cell-length" }, formatSeconds(job.outputs?.video.durationSeconds)),
      h(
        "td",
        { "data-label": "Created", class: "cell-age" },
        h("time", { datetime: job.createdAt }, fromNow(job.createdAt)),
      ),
    );
    return row;
  };

  /** Updates a row in place (no re-render: focus and layout stay put). */
  const update = (row, job) => {
    fill(row.querySelector(".cell-status"), statusBadge(job.status));
    row.querySelector("progress").value = job.progress;
    fill(row.querySelector(".percent"), `${Math.round(job.progress * 100)}%`);
    fill(row.querySelector(".cell-length"), formatSeconds(job.outputs?.video.durationSeconds));
    fill(row.querySelector(".cell-age time"), fromNow(job.createdAt));
  };

  const show = (jobs, append) => {
    for (const job of jobs) {
      const existing = rows.get(job.id);
      if (existing) update(existing, job);
      else {
        const row = cells(job);
        rows.set(job.id, row);
        if (append) body.append(row);
        else body.prepend(row);
      }
    }
  };

  const load = async (after) => {
    const params = new URLSearchParams({ limit: "20" });
    if (status) params.set("status", status);
    if (after) params.set("cursor", after);
    return api(`/v1/videos?${params}`);
  };

  const refresh = async () => {
    if (stopped) return;
    try {
      const params = new URLSearchParams({ limit: String(Math.min(100, Math.max(20, shown))) });
      if (status) params.set("status", status);
      const page = await api(`/v1/videos?${params}`);
      // Newest first: the reversed page prepends new jobs above the ones shown.
      show([...page.data].reverse(), false);
      fill(message);
      schedule(page.data);
    } catch (error) {
      fill(message, problemBlock(error, "Could not refresh the list"));
      schedule([{ status: "running" }]);
    }
  };

  const schedule = (jobs) => {
    clearTimeout(timer);
    if (!stopped && jobs.some((job) => isActive(job.status))) timer = setTimeout(refresh, POLL_MS);
  };

  try {
    const page = await load();
    show(page.data, true);
    shown = page.data.length;
    cursor = page.nextCursor;
    more.hidden = !cursor;
    if (page.data.length === 0) {
      fill(
        message,
        h(
          "div",
          { class: "empty" },
          h("p", {}, status ? "No videos with this status." : "No videos yet."),
          h("a", { class: "button primary", href: "#/new" }, "Make your first video"),
        ),
      );
      table.hidden = true;
    }
    schedule(page.data);
  } catch (error) {
    fill(message, problemBlock(error, "Could not load the videos"));
    table.hidden = true;
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await load(cursor);
      show(page.data, true);
      shown += page.data.length;
      cursor = page.nextCursor;
      more.hidden = !cursor;
    } catch (error) {
      fill(message, problemBlock(error, "Could not load more"));
    } finally {
      more.disabled = false;
    }
  });

  return {
    element,
    cleanup: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
