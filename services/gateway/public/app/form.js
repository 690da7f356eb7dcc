// Form fields built from the API's JSON Schema (/openapi.json), and the API's problem details
// shown next to the fields they name.
import { fill, h } from "./dom.js";

/** Follows $ref (and a nullable/anyOf wrapper) inside the OpenAPI document. */
export function resolve(doc, schema) {
  let current = schema;
  while (current?.$ref)
    current = current.$ref
      .split("/")
      .slice(1)
      .reduce((node, part) => node[part], doc);
  return current ?? {};
}

/** The schema at a dotted path below a root schema: "source.title" in CreateVideoRequest. */
export function schemaAt(doc, root, path) {
  let current = resolve(doc, root);
  for (const part of path.split(".")) current = resolve(doc, current.properties?.[part]);
  return current;
}

let fieldCount = 0;

/**
 * A labelled field. `schema` gives the input its limits (maxLength, pattern, min, max, enum);
 * `path` is the request path the API names in problem details (source.title).
 */
export function field({ label, path, schema = {}, type, hint, value, required, options, attributes = {} }) {
  const id = `f${++fieldCount}-${path.replaceAll(".", "-")}`;
  const describedBy = [hint ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" ");
  const common = { id, name: path, "aria-describedby": describedBy, required: required || undefined, ...attributes };
  let input;
  const choices = options ?? schema.enum?.map((v) => [v, v]);
  if (choices && type !== "radio") {
    input = h(
      "select",
      common,
      choices.map(([v, text]) => h("option", { value: v, selected: v === (value ?? schema.default) }, text)),
    );
  } else if (type === "textarea") {
    input = h("textarea", { ...common, rows: attributes.rows ?? 6, maxlength: schema.maxLength });
    if (value) input.value = value;
  } else if (type === "checkbox") {
    input = h("input", { ...common, type: "checkbox", checked: value ?? schema.default });
  } else {
    const numeric = schema.type === "integer" || schema.type === "number";
    input = h("input", {
      ...common,
      type: type ?? (numeric ? "number" : "text"),
      maxlength: schema.maxLength,
      minlength: schema.minLength,
      min: schema.minimum,
      max: schema.maximum,
      step: schema.type === "integer" ? "1" : numeric ? "any" : undefined,
      // The API's regex, as the browser's own check (the API checks again).
      pattern: schema.pattern ? schema.pattern.replace(/^\^/, "").replace(/\$$/, "") : undefined,
      placeholder: attributes.placeholder ?? (schema.example === undefined ? undefined : String(schema.example)),
    });
    const initial = value ?? schema.default;
    if (initial !== undefined) input.value = String(initial);
  }
  const wrapper = h(
    "div",
    { class: `field${type === "checkbox" ? " field-check" : ""}`, dataset: { path } },
    // A select always has a value: "(optional)" only marks what may be left empty.
    type === "checkbox"
      ? null
      : h("label", { for: id }, label, required || choices ? null : h("span", { class: "optional" }, " (optional)")),
    input,
    type === "checkbox" ? h("label", { for: id }, label) : null,
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    h("p", { class: "field-error", id: `${id}-error` }),
  );
  return { wrapper, input };
}

/** A radio group (fieldset + legend) of [value, label] pairs. */
export function radios({ legend, path, choices, value }) {
  const row = h("div", { class: "radio-row" });
  const group = h("fieldset", { class: "field radios", dataset: { path } }, h("legend", {}, legend), row);
  for (const [v, text] of choices) {
    const id = `f${++fieldCount}-${path}-${v}`;
    row.append(
      h(
        "label",
        { class: "radio", for: id },
        h("input", { type: "radio", id, name: path, value: v, checked: v === value }),
        h("span", {}, text),
      ),
    );
  }
  group.append(h("p", { class: "field-error" }));
  return group;
}

export function clearErrors(form, summary) {
  for (const error of form.querySelectorAll(".field-error")) fill(error);
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  fill(summary);
}

/**
 * Puts each `errors[]` entry of a problem under the field whose path it names ("body.source.title"
 * goes to data-path="source.title", or the closest parent field), and lists them all in `summary`.
 */
export function showProblem(form, summary, error, heading) {
  const problem = error.problem ?? { title: error.message };
  const items = [];
  for (const item of problem.errors ?? []) {
    let path = item.path.replace(/^(body|query)\.?/, "");
    let target;
    while (path && !target) {
      target = form.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (!target) path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
    }
    if (target && !target.hidden && target.offsetParent !== null) {
      const slot = target.querySelector(".field-error");
      const label = (target.querySelector("label, legend")?.textContent ?? "").replace(" (optional)", "").trim();
      // "is not a valid cron expression" reads as a sentence with its field's name in front.
      const sentence = /^[a-z]/.test(item.message) && label ? `${label} ${item.message}` : item.message;
      fill(slot, [slot.textContent, sentence].filter(Boolean).join("; "));
      target.querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
      const focusable = target.querySelector("input, select, textarea");
      items.push(
        h(
          "li",
          {},
          h("a", { href: `#${focusable?.id ?? ""}`, "data-focus": focusable?.id }, `${label}: ${item.message}`),
        ),
      );
    } else {
      items.push(h("li", {}, `${item.path}: ${item.message}`));
    }
  }
  fill(
    summary,
    h(
      "div",
      { class: "alert alert-error", role: "alert", tabindex: "-1" },
      h("p", { class: "alert-title" }, heading),
      h("p", {}, problem.detail && !problem.errors?.length ? problem.detail : problem.title),
      items.length ? h("ul", {}, items) : null,
    ),
  );
  // Links in the summary move focus to their field (the hash is the router's).
  for (const link of summary.querySelectorAll("a[data-focus]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      document.getElementById(link.dataset.focus)?.focus();
    });
  }
  summary.querySelector(".alert")?.focus();
}
