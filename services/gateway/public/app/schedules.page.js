import { api, loadOpenApi } from "./api.js";
import { fill, formatDate, fromNow, h, pageHeader, problemBlock, toast } from "./dom.js";
import { clearErrors, field, showProblem } from "./form.js";

/** Why a cron expression cannot be right, before asking the API (which checks it fully). */
function cronProblem(cron) {
  const trimmed = cron.trim();
  if (trimmed.startsWith("@")) return undefined;
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) return `needs 5 fields (minute hour day-of-month month day-of-week), has ${fields.length}`;
  if (!fields.every((f) => /^[0-9A-Za-z*/,?#-]+$/.test(f))) return "has characters cron does not use";
  return undefined;
}

function timeZoneProblem(zone) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return undefined;
  } catch {
    return "is not a time zone; use an IANA name such as Europe/Paris or UTC";
  }
}

/** #/schedules: the cron schedules that make videos from trends. */
export async function renderSchedulesPage() {
  const doc = await loadOpenApi().catch(() => ({ components: { schemas: {} } }));
  const schema = doc.components.schemas.CreateSchedule?.properties ?? {};
  const list = h("div", { class: "schedules" });
  const listMessage = h("div");

  const name = field({
    label: "Name",
    path: "name",
    schema: schema.name,
    attributes: { placeholder: "Morning shorts" },
  });
  const subreddits = field({
    label: "Subreddits",
    path: "subreddits",
    required: true,
    hint: "Separated by commas.",
    attributes: { placeholder: "tifu, AmItheAsshole" },
  });
  const cron = field({
    label: "When (cron)",
    path: "cron",
    schema: schema.cron,
    required: true,
    hint: "minute hour day month weekday — “0 9,18 * * *” is 9:00 and 18:00 daily.",
  });
  const zoneList = h(
    "datalist",
    { id: "time-zones" },
    Intl.supportedValuesOf("timeZone").map((z) => h("option", { value: z })),
  );
  const timezone = field({
    label: "Time zone",
    path: "timezone",
    schema: schema.timezone,
    value: Intl.DateTimeFormat().resolvedOptions().timeZone,
    attributes: { list: "time-zones", autocomplete: "off" },
  });
  const format = field({ label: "Format", path: "format", schema: schema.format, required: true });
  const windowField = field({ label: "Trending window", path: "window", schema: schema.window });
  const summary = h("div", { class: "form-summary" });
  const submit = h("button", { type: "submit", class: "button primary" }, "Create schedule");
  const form = h(
    "form",
    { class: "card form", novalidate: true },
    h("h2", {}, "New schedule"),
    summary,
    h(
      "div",
      { class: "grid-2" },
      name.wrapper,
      subreddits.wrapper,
      cron.wrapper,
      timezone.wrapper,
      format.wrapper,
      windowField.wrapper,
    ),
    zoneList,
    h("div", { class: "form-actions" }, submit),
  );

  const localCheck = () => {
    const errors = [];
    const c = cronProblem(cron.input.value);
    if (!cron.input.value.trim()) errors.push({ path: "cron", message: "Enter when it runs, as a cron expression." });
    else if (c) errors.push({ path: "cron", message: `The cron expression ${c}.` });
    const z = timeZoneProblem(timezone.input.value.trim());
    if (z) errors.push({ path: "timezone", message: `“${timezone.input.value}” ${z}.` });
    if (!subreddits.input.value.trim()) errors.push({ path: "subreddits", message: "Name at least one subreddit." });
    return errors;
  };

  const row = (schedule) =>
    h(
      "article",
      { class: "card schedule", dataset: { id: schedule.id } },
      h(
        "div",
        { class: "schedule-main" },
        h("h3", {}, schedule.name ?? schedule.subreddits.map((s) => `r/${s}`).join(", ")),
        h(
          "p",
          { class: "muted small" },
          h("code", {}, schedule.cron),
          ` · ${schedule.timezone} · ${schedule.format} · r/${schedule.subreddits.join(", r/")}`,
        ),
        h(
          "dl",
          { class: "facts" },
          h(
            "div",
            {},
            h("dt", {}, "Next run"),
            h(
              "dd",
              {},
              schedule.nextRunAt ? `${formatDate(schedule.nextRunAt)} (${fromNow(schedule.nextRunAt)})` : "—",
            ),
          ),
          h("div", {}, h("dt", {}, "Last run"), h("dd", {}, lastRun(schedule.lastRun))),
        ),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "button", onclick: () => run(schedule) }, "Run now"),
        h("button", { type: "button", class: "button danger ghost", onclick: () => remove(schedule) }, "Delete"),
      ),
    );

  const lastRun = (run) => {
    if (!run) return "never";
    const when = fromNow(run.at);
    if (run.outcome === "created")
      return h("span", {}, `${when}: `, h("a", { href: `#/jobs/${run.jobId}` }, "made a video"));
    if (run.outcome === "nothing-new") return `${when}: nothing new to make`;
    return `${when}: failed (${run.error ?? "unknown error"})`;
  };

  const refresh = async () => {
    try {
      const { data } = await api("/v1/schedules");
      fill(listMessage);
      fill(list, data.length ? data.map(row) : h("p", { class: "empty" }, "No schedules yet. Create one below."));
    } catch (error) {
      fill(listMessage, problemBlock(error, "Could not load the schedules"));
    }
  };

  async function run(schedule) {
    try {
      const result = await api(`/v1/schedules/${schedule.id}/run`, { method: "POST" });
      if (result.outcome === "created") toast(`Made a video: job ${result.jobId}.`, "success");
      else if (result.outcome === "nothing-new") toast("Nothing new to make: every candidate was already used.");
      else toast(`The run failed: ${result.error ?? "unknown error"}`, "error");
      await refresh();
    } catch (error) {
      fill(listMessage, problemBlock(error, "Could not run it"));
    }
  }

  async function remove(schedule) {
    if (!window.confirm(`Delete the schedule “${schedule.name ?? schedule.cron}”? Videos it made are kept.`)) return;
    try {
      await api(`/v1/schedules/${schedule.id}`, { method: "DELETE" });
      toast("Schedule deleted.");
      await refresh();
      submit.focus();
    } catch (error) {
      fill(listMessage, problemBlock(error, "Could not delete it"));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    const local = localCheck();
    if (local.length) {
      showProblem(form, summary, { problem: { title: "Check the highlighted fields", errors: local } }, "Not saved");
      return;
    }
    submit.disabled = true;
    try {
      const created = await api("/v1/schedules", {
        method: "POST",
        body: {
          ...(name.input.value.trim() ? { name: name.input.value.trim() } : {}),
          cron: cron.input.value.trim(),
          timezone: timezone.input.value.trim(),
          subreddits: subreddits.input.value.split(/[,+\s]+/).filter(Boolean),
          format: format.input.value,
          window: windowField.input.value,
        },
      });
      toast(`Schedule created; next run ${fromNow(created.nextRunAt)}.`, "success");
      form.reset();
      timezone.input.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
      await refresh();
    } catch (error) {
      showProblem(form, summary, error, "Not saved");
    } finally {
      submit.disabled = false;
    }
  });

  await refresh();
  return {
    element: h(
      "section",
      { class: "page" },
      pageHeader("Schedules"),
      h(
        "p",
        { class: "muted lead" },
        "Each run takes the best unused trend of its subreddits and makes a video of it.",
      ),
      listMessage,
      list,
      form,
    ),
  };
}
