import { checkKey, session, whenUnauthorized } from "./api.js";
import { fill, h, problemBlock } from "./dom.js";
import { renderJobPage } from "./job.page.js";
import { renderJobsPage } from "./jobs.page.js";
import { renderNewVideoPage } from "./new-video.page.js";
import { renderSchedulesPage } from "./schedules.page.js";
import { renderTrendsPage } from "./trends.page.js";

const main = document.getElementById("main");
const nav = document.querySelector(".nav");
const signOutButton = document.querySelector(".sign-out");

/** Routes of the hash (#/jobs/abc?x=1): the page and its parameters. */
const ROUTES = [
  { pattern: /^\/jobs\/([A-Za-z0-9_-]+)$/, nav: "jobs", title: "Video", render: (m) => renderJobPage(m[1]) },
  { pattern: /^\/(jobs)?$/, nav: "jobs", title: "Videos", render: (_m, q) => renderJobsPage(q) },
  { pattern: /^\/new$/, nav: "new", title: "New video", render: (_m, q) => renderNewVideoPage(q) },
  { pattern: /^\/trends$/, nav: "trends", title: "Trends", render: (_m, q) => renderTrendsPage(q) },
  { pattern: /^\/schedules$/, nav: "schedules", title: "Schedules", render: () => renderSchedulesPage() },
];

let cleanup;

function stopPage() {
  cleanup?.();
  cleanup = undefined;
}

function showSignIn(message) {
  stopPage();
  nav.hidden = true;
  signOutButton.hidden = true;
  document.title = "Sign in · video-service";
  const error = h("div", { class: "field-error", id: "key-error", role: "alert" }, message ?? "");
  const input = h("input", {
    id: "api-key",
    name: "api-key",
    type: "password",
    autocomplete: "current-password",
    required: true,
    spellcheck: "false",
    "aria-describedby": "key-hint key-error",
  });
  const button = h("button", { type: "submit", class: "button primary" }, "Sign in");
  const form = h(
    "form",
    { class: "card sign-in", novalidate: true },
    h("h1", {}, "Sign in"),
    h("p", { class: "muted" }, "Make, follow and schedule narrated videos."),
    h(
      "div",
      { class: "field" },
      h("label", { for: "api-key" }, "API key"),
      input,
      h("p", { class: "hint", id: "key-hint" }, "One of the gateway's API_KEYS. It stays in this tab only."),
      error,
    ),
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      fill(error, "Enter your API key.");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    button.disabled = true;
    fill(error);
    try {
      if (await checkKey(key)) {
        session.set(key);
        if (!location.hash || location.hash === "#/") location.hash = "#/jobs";
        route();
        return;
      }
      fill(error, "That API key was not accepted. Check it for typos, or ask whoever runs the gateway for one.");
      input.setAttribute("aria-invalid", "true");
      input.select();
    } catch (problem) {
      fill(error, problemBlock(problem, "Could not check the key"));
    } finally {
      button.disabled = false;
    }
  });
  fill(main, h("div", { class: "center" }, form));
  input.focus();
}

async function route() {
  if (!session.key) return showSignIn();
  nav.hidden = false;
  signOutButton.hidden = false;
  const [path, queryString = ""] = (location.hash.slice(1) || "/jobs").split("?");
  const query = new URLSearchParams(queryString);
  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  stopPage();
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.nav === match?.r.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!match) {
    document.title = "Not found · video-service";
    fill(main, h("div", { class: "empty" }, h("h1", {}, "No such page"), h("a", { href: "#/jobs" }, "Back to videos")));
    return;
  }
  document.title = `${match.r.title} · video-service`;
  fill(main, h("p", { class: "loading" }, "Loading…"));
  let page;
  try {
    page = await match.r.render(match.m, query);
  } catch (error) {
    page = {
      element: h(
        "section",
        { class: "page" },
        h("h1", {}, match.r.title),
        problemBlock(error, "This page could not load"),
      ),
    };
  }
  // The user may have moved on while the page loaded.
  if (!location.hash.startsWith(`#${path}`) && !(path === "/jobs" && !location.hash)) {
    page.cleanup?.();
    return;
  }
  fill(main, page.element);
  cleanup = page.cleanup;
  main.querySelector("h1")?.focus({ preventScroll: true });
}

whenUnauthorized(() => {
  session.clear();
  showSignIn("Your API key is no longer accepted. Sign in again.");
});

signOutButton.addEventListener("click", () => {
  session.clear();
  location.hash = "#/jobs";
  showSignIn();
});

// Routes are "#/…"; any other fragment (an in-page link) is not a page change.
window.addEventListener("hashchange", () => {
  if (location.hash === "" || location.hash.startsWith("#/")) route();
});

// The skip link moves the keyboard to the content without touching the route.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
route();
