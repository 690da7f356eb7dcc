import { api, loadOpenApi } from "./api.js";
import { fill, formatCount, h, pageHeader, problemBlock } from "./dom.js";
import { clearErrors, field, showProblem } from "./form.js";

const LAST_QUERY = "video-service.trends";

/** #/trends: ranked candidate posts of some subreddits, each one click from a video. */
export async function renderTrendsPage(query) {
  const doc = await loadOpenApi().catch(() => undefined);
  const parameters = doc?.paths["/v1/trends"]?.get?.parameters ?? [];
  const param = (name) => parameters.find((p) => p.name === name)?.schema ?? {};
  const saved = JSON.parse(sessionStorage.getItem(LAST_QUERY) ?? "{}");

  const subreddits = field({
    label: "Subreddits",
    path: "subreddits",
    schema: param("subreddits"),
    required: true,
    value: query.get("subreddits") ?? saved.subreddits ?? "tifu",
    hint: "Separated by commas: tifu, AmItheAsshole",
  });
  const windowField = field({ label: "Window", path: "window", schema: param("window"), value: saved.window });
  const summary = h("div", { class: "form-summary" });
  const submit = h("button", { type: "submit", class: "button primary" }, "Find trends");
  const form = h(
    "form",
    { class: "card search", novalidate: true },
    h(
      "div",
      { class: "search-fields" },
      subreddits.wrapper,
      windowField.wrapper,
      h("div", { class: "field field-button" }, submit),
    ),
  );
  const results = h("div", { class: "results", "aria-live": "polite" });

  const search = async () => {
    clearErrors(form, summary);
    submit.disabled = true;
    const params = new URLSearchParams({
      subreddits: subreddits.input.value.trim(),
      window: windowField.input.value,
      limit: "25",
    });
    sessionStorage.setItem(
      LAST_QUERY,
      JSON.stringify({ subreddits: subreddits.input.value.trim(), window: windowField.input.value }),
    );
    fill(results, h("p", { class: "loading" }, "Reading Reddit…"));
    try {
      const { data } = await api(`/v1/trends?${params}`);
      fill(
        results,
        data.length
          ? table(data)
          : h("p", { class: "empty" }, "No posts match. Try a longer window or other subreddits."),
      );
    } catch (error) {
      fill(results);
      if (error.problem?.errors?.length) showProblem(form, summary, error, "Those trends could not be read");
      else fill(summary, problemBlock(error, "Those trends could not be read"));
    } finally {
      submit.disabled = false;
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void search();
  });

  const table = (data) =>
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "trends-table" },
        h("caption", { class: "visually-hidden" }, "Candidate posts, best first"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["#", "Post", "Score", "Comments", "Age", "Trend", ""].map((name, i) =>
              h(
                "th",
                { scope: "col", class: i >= 2 && i <= 5 ? "num" : undefined },
                name || h("span", { class: "visually-hidden" }, "Action"),
              ),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          data.map((post, index) =>
            h(
              "tr",
              { class: post.used ? "used" : undefined },
              h("td", { "data-label": "Rank", class: "rank" }, String(index + 1)),
              h(
                "td",
                { "data-label": "Post", class: "cell-title" },
                h(
                  "a",
                  { href: `https://www.reddit.com${post.permalink}`, rel: "noopener noreferrer", target: "_blank" },
                  post.title,
                ),
                h(
                  "span",
                  { class: "muted small" },
                  `r/${post.subreddit} · u/${post.author}`,
                  post.used ? h("span", { class: "badge status-skipped" }, "Already made") : null,
                ),
              ),
              h("td", { "data-label": "Score", class: "num" }, formatCount(post.score)),
              h("td", { "data-label": "Comments", class: "num" }, formatCount(post.numComments)),
              h("td", { "data-label": "Age", class: "num" }, `${post.ageHours.toFixed(post.ageHours < 10 ? 1 : 0)} h`),
              h("td", { "data-label": "Trend", class: "num" }, post.trendScore.toFixed(1)),
              h(
                "td",
                { class: "cell-action" },
                h(
                  "a",
                  {
                    class: "button small",
                    href: `#/new?subreddit=${encodeURIComponent(post.subreddit)}&postId=${encodeURIComponent(post.id)}`,
                    "aria-label": `Make a video of “${post.title}”`,
                  },
                  "Make a video",
                ),
              ),
            ),
          ),
        ),
      ),
    );

  void search();
  return {
    element: h(
      "section",
      { class: "page" },
      pageHeader("Trends"),
      h("p", { class: "muted lead" }, "What is rising on Reddit, ranked by score and comments for its age."),
      summary,
      form,
      results,
    ),
  };
}
