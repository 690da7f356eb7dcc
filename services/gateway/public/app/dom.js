// Small DOM and formatting helpers. Text always goes in as text nodes: nothing the API returns is
// parsed as HTML.

/** h("a", { href, class: "x", onclick }, "text", child) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "3 minutes ago", "in 2 hours". */
export function fromNow(iso, now = Date.now()) {
  if (!iso) return "—";
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  // Clocks differ by a second or two: "just now" either way.
  if (abs < 45) return "just now";
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86_400), "day");
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export function formatDate(iso) {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

/** 75 → "1:15"; 3725 → "1:02:05". */
export function formatSeconds(seconds) {
  if (seconds === undefined || seconds === null) return "—";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Milliseconds as "850 ms", "4.2 s", "2 min 5 s". */
export function formatMs(ms) {
  if (ms === undefined || ms === null) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

export function formatCount(value) {
  return new Intl.NumberFormat("en", { notation: value >= 10_000 ? "compact" : "standard" }).format(value);
}

const STATUS_LABELS = {
  queued: "Queued",
  running: "Running",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
  pending: "Waiting",
  skipped: "Skipped",
};

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}` }, STATUS_LABELS[status] ?? status);
}

/** A labelled <progress> whose box never changes size while it fills. */
export function progressBar(value, label) {
  const bar = h("progress", { max: "1", "aria-label": label });
  bar.value = value;
  return bar;
}

/** What a job is about, from its request. */
export function jobTitle(job) {
  const source = job.request.source;
  if (source.type === "text") return source.title;
  return source.postId ? `r/${source.subreddit} · post ${source.postId}` : `r/${source.subreddit} · best trend`;
}

export function sourceLabel(job) {
  const source = job.request.source;
  return source.type === "text" ? "Text" : `Reddit r/${source.subreddit}`;
}

export const isActive = (status) => status === "queued" || status === "running";

let toastTimer;
/** A short message in the live region (read out by screen readers). */
export function toast(message, kind = "info") {
  const region = document.querySelector(".toasts");
  if (!region) return;
  fill(region, h("p", { class: `toast toast-${kind}` }, message));
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => region.replaceChildren(), 4000);
}

/** A problem as a block: title, detail, and each field error. */
export function problemBlock(error, heading = "That did not work") {
  const problem = error.problem ?? { title: error.message };
  return h(
    "div",
    { class: "alert alert-error", role: "alert" },
    h("p", { class: "alert-title" }, heading),
    h("p", {}, problem.detail ? `${problem.title}: ${problem.detail}` : problem.title),
    problem.errors?.length
      ? h(
          "ul",
          {},
          problem.errors.map((item) => h("li", {}, `${item.path}: ${item.message}`)),
        )
      : null,
  );
}

export function pageHeader(title, ...actions) {
  return h(
    "div",
    { class: "page-header" },
    h("h1", { tabindex: "-1" }, title),
    h("div", { class: "actions" }, actions),
  );
}
