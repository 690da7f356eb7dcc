import { api, loadOpenApi } from "./api.js";
import { h, pageHeader, problemBlock, toast } from "./dom.js";
import { clearErrors, field, radios, schemaAt, showProblem } from "./form.js";

const FORMAT_LABELS = {
  short: "Short — vertical, 15–60 s",
  standard: "Standard — 16:9, 1–5 min",
  long: "Long — 16:9, 5–15 min",
};
const CAPTION_LABELS = { word: "Word by word", sentence: "Sentence by sentence", none: "No captions" };

/** #/new?subreddit=…&postId=…: the form of POST /v1/videos, its limits from /openapi.json. */
export async function renderNewVideoPage(query) {
  let doc;
  try {
    doc = await loadOpenApi();
  } catch (error) {
    return { element: h("section", { class: "page" }, h("h1", {}, "New video"), problemBlock(error)) };
  }
  const root = doc.components.schemas.CreateVideoRequest;
  const at = (path) => schemaAt(doc, root, path);
  const text = doc.components.schemas.TextSource;
  const reddit = doc.components.schemas.RedditSource;
  const prefill = query.get("subreddit");

  const sourceType = radios({
    legend: "Where the story comes from",
    path: "source.type",
    choices: [
      ["text", "My own text"],
      ["reddit", "A Reddit post"],
    ],
    value: prefill ? "reddit" : "text",
  });
  const title = field({ label: "Title", path: "source.title", schema: text.properties.title, required: true });
  const body = field({
    label: "Story",
    path: "source.body",
    schema: text.properties.body,
    type: "textarea",
    hint: "Plain text or Markdown; paragraphs are kept.",
    attributes: { rows: 8 },
  });
  const comments = field({
    label: "Comments",
    path: "source.comments",
    schema: { maxLength: 10_000 },
    type: "textarea",
    hint: "Read after the story: one comment per line, optionally “author: text”.",
    attributes: { rows: 3 },
  });
  const subreddit = field({
    label: "Subreddit",
    path: "source.subreddit",
    schema: reddit.properties.subreddit,
    required: true,
    value: prefill ?? undefined,
    hint: "One name, or several joined with +: tifu+AmItheAsshole",
  });
  const postId = field({
    label: "Post id",
    path: "source.postId",
    schema: reddit.properties.postId,
    value: query.get("postId") ?? undefined,
    hint: "Leave empty to take the best trend not made into a video yet.",
  });
  const windowField = field({ label: "Trending window", path: "source.window", schema: reddit.properties.window });
  const maxComments = field({
    label: "Comments to read",
    path: "source.maxComments",
    schema: reddit.properties.maxComments,
  });

  const textGroup = h(
    "div",
    { class: "group", dataset: { source: "text" } },
    title.wrapper,
    body.wrapper,
    comments.wrapper,
  );
  const redditGroup = h(
    "div",
    { class: "group grid-2", dataset: { source: "reddit" } },
    subreddit.wrapper,
    postId.wrapper,
    windowField.wrapper,
    maxComments.wrapper,
  );

  const formatSchema = at("format");
  const format = field({
    label: "Format",
    path: "format",
    schema: formatSchema,
    required: true,
    options: formatSchema.enum.map((v) => [v, FORMAT_LABELS[v] ?? v]),
  });
  const theme = radios({
    legend: "Theme",
    path: "style.theme",
    choices: at("style.theme").enum.map((v) => [v, v[0].toUpperCase() + v.slice(1)]),
    value: at("style.theme").default,
  });
  const captionsSchema = at("style.captions");
  const captions = field({
    label: "Captions",
    path: "style.captions",
    schema: captionsSchema,
    options: captionsSchema.enum.map((v) => [v, CAPTION_LABELS[v] ?? v]),
  });
  const voiceSchema = at("voice");
  const engine = field({ label: "Voice engine", path: "voice.engine", schema: voiceSchema.properties.engine });
  const voice = field({
    label: "Voice",
    path: "voice.voice",
    schema: voiceSchema.properties.voice,
    hint: "en-us for espeak-ng, Joanna for Polly",
  });
  const rate = field({ label: "Speed (words per minute)", path: "voice.rate", schema: voiceSchema.properties.rate });

  const musicKey = field({
    label: "Music object key",
    path: "music.key",
    hint: "An object already in storage, e.g. music/calm.mp3",
  });
  const musicVolume = field({
    label: "Music volume",
    path: "music.volume",
    schema: at("music.volume"),
    type: "number",
  });

  const youtube = at("publish.youtube");
  const publish = field({
    label: "Publish to YouTube when rendered",
    path: "publish.youtube",
    type: "checkbox",
    value: false,
  });
  const privacy = field({ label: "Privacy", path: "publish.youtube.privacy", schema: youtube.properties.privacy });
  const publishAt = field({
    label: "Publish at",
    path: "publish.youtube.publishAt",
    type: "datetime-local",
    hint: "Optional: stays private until then (needs privacy “private”).",
  });
  const ytTitle = field({
    label: "YouTube title",
    path: "publish.youtube.title",
    schema: youtube.properties.title,
    hint: "Default: the story's title.",
  });
  const tags = field({ label: "Tags", path: "publish.youtube.tags", hint: "Comma-separated." });
  const publishGroup = h(
    "div",
    { class: "group grid-2", hidden: true },
    privacy.wrapper,
    publishAt.wrapper,
    ytTitle.wrapper,
    tags.wrapper,
  );
  publish.input.addEventListener("change", () => {
    publishGroup.hidden = !publish.input.checked;
  });

  const webhook = field({
    label: "Webhook URL",
    path: "webhook.url",
    type: "url",
    schema: at("webhook").properties?.url,
    hint: "Called (signed) when the job ends.",
    attributes: { placeholder: "https://example.com/hooks/video" },
  });

  const summary = h("div", { class: "form-summary" });
  const submit = h("button", { type: "submit", class: "button primary" }, "Make video");
  const form = h(
    "form",
    { class: "form", novalidate: true },
    summary,
    h("fieldset", { class: "card" }, h("legend", {}, "Story"), sourceType, textGroup, redditGroup),
    h(
      "fieldset",
      { class: "card" },
      h("legend", {}, "Look and sound"),
      h("div", { class: "grid-2" }, format.wrapper, captions.wrapper),
      theme,
      h("div", { class: "grid-3" }, engine.wrapper, voice.wrapper, rate.wrapper),
    ),
    h(
      "details",
      { class: "card" },
      h("summary", {}, "Music, publishing and webhook"),
      h("div", { class: "grid-2" }, musicKey.wrapper, musicVolume.wrapper),
      publish.wrapper,
      publishGroup,
      webhook.wrapper,
    ),
    h("div", { class: "form-actions" }, submit, h("a", { class: "button ghost", href: "#/jobs" }, "Cancel")),
  );

  const selectedSource = () => form.querySelector('input[name="source.type"]:checked').value;
  const showSource = () => {
    textGroup.hidden = selectedSource() !== "text";
    redditGroup.hidden = selectedSource() !== "reddit";
  };
  sourceType.addEventListener("change", showSource);
  showSource();

  const number = (input) => (input.value === "" ? undefined : Number(input.value));
  const text_ = (input) => input.value.trim() || undefined;

  const request = () => {
    const source =
      selectedSource() === "text"
        ? {
            type: "text",
            title: title.input.value.trim(),
            body: text_(body.input),
            comments: comments.input.value
              .split("\n")
              .map((line) => line.trim())
              .filter(Boolean)
              .map((line) => {
                const match = /^([A-Za-z0-9_-]{1,64}):\s+(.+)$/.exec(line);
                return match ? { author: match[1], body: match[2] } : { body: line };
              }),
          }
        : {
            type: "reddit",
            subreddit: subreddit.input.value.trim(),
            postId: text_(postId.input),
            window: windowField.input.value,
            maxComments: number(maxComments.input),
          };
    const theme_ = form.querySelector('input[name="style.theme"]:checked')?.value;
    const body_ = {
      source,
      format: format.input.value,
      style: { theme: theme_, captions: captions.input.value },
      voice: { engine: engine.input.value, voice: voice.input.value.trim(), rate: number(rate.input) },
    };
    if (text_(musicKey.input)) body_.music = { key: musicKey.input.value.trim(), volume: number(musicVolume.input) };
    if (publish.input.checked) {
      body_.publish = {
        youtube: {
          privacy: privacy.input.value,
          publishAt: publishAt.input.value ? new Date(publishAt.input.value).toISOString() : undefined,
          title: text_(ytTitle.input),
          tags: text_(tags.input)
            ?.split(",")
            .map((t) => t.trim())
            .filter(Boolean),
        },
      };
    }
    if (text_(webhook.input)) body_.webhook = { url: webhook.input.value.trim() };
    return body_;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, summary);
    submit.disabled = true;
    try {
      const accepted = await api("/v1/videos", {
        method: "POST",
        body: request(),
        headers: { "idempotency-key": crypto.randomUUID() },
      });
      toast("Video queued.");
      location.hash = `#/jobs/${accepted.id}`;
    } catch (error) {
      showProblem(form, summary, error, "The video was not created");
    } finally {
      submit.disabled = false;
    }
  });

  return {
    element: h(
      "section",
      { class: "page" },
      pageHeader("New video"),
      h("p", { class: "muted lead" }, "A story becomes a narrated video with captions; follow it live on its page."),
      form,
    ),
  };
}
