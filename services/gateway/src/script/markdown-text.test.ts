import { describe, expect, it } from "vitest";
import { decodeHtmlEntities, splitSentences, toCardText, toSpeakableText } from "./markdown-text.ts";

describe("toSpeakableText", () => {
  it.each([
    ["links become their text", "Read [the docs](https://example.com/a_(b)) now", "Read the docs now."],
    ["reference links too", "See [this][1] please\n\n[1]: https://example.com", "See this please."],
    ["images vanish", "Look ![a cat](https://i.imgur.com/cat.png) here", "Look here."],
    ["emphasis markers go", "I was ***really*** **very** *quite* __so__ _mad_", "I was really very quite so mad."],
    [
      "snake_case and arithmetic are not emphasis",
      "call snake_case_name with 2*3*4",
      "call snake_case_name with 2*3*4.",
    ],
    ["headings end like sentences", "# Update\nIt worked", "Update. It worked."],
    [
      "list items become sentences",
      "Pros:\n- cheap\n* fast\n+ small\n1. first\n2) second",
      "Pros: cheap. fast. small. first. second.",
    ],
    ["quotes lose their marker", "> you said this\nI did not", "you said this. I did not."],
    ["HTML-escaped quotes too", "&gt; quoted\nreply", "quoted. reply."],
    ["inline code keeps its text", "run `npm test` first", "run npm test first."],
    ["code blocks are not read", "Before\n```js\nconst x = 1;\n```\nAfter", "Before. After."],
    ["tables become their cells", "| Name | Age |\n|---|:---:|\n| Ann | 31 |", "Name, Age. Ann, 31."],
    ["spoilers are read", "The killer is >!the butler!<", "The killer is the butler."],
    ["strikethrough keeps its words", "my ~~wife~~ partner", "my wife partner."],
    ["superscript keeps its words", "so ^(tiny) and x^2", "so tiny and x2."],
    [
      "entities are decoded",
      "Tom &amp; Jerry &lt;3 &quot;hi&quot; &#39;yo&#39; &#x1F600;",
      "Tom & Jerry <3 \"hi\" 'yo'.",
    ],
    ["bare URLs are said as link", "Source: https://www.bbc.co.uk/news/123.", "Source: link."],
    ["angle-bracket URLs too", "see <https://example.com>", "see link."],
    ["several URLs in a row become links", "https://a.com https://b.com", "links."],
    ["HTML tags go", "a <b>bold</b> move<br/>", "a bold move."],
    ["emoji are not read", "Best day 😀🤷🏽‍♀️ ever 🇺🇸!", "Best day ever!"],
    ["escaped Markdown is literal", "5 \\* 3 \\_ok\\_", "5 * 3 _ok_."],
    ["whitespace is normalised", "  lots\u00A0of \t space\u200B here  ", "lots of space here."],
    ["rules and blank lines vanish", "one\n\n---\n\n***\ntwo", "one. two."],
    ["punctuation already there is kept", "Why? Because!", "Why? Because!"],
    ["TL;DR is speakable", "TL;DR: it broke", "TL DR: it broke."],
    ["a line that ends in a comma continues", "first,\nsecond", "first, second."],
  ])("%s", (_name, input, expected) => {
    expect(toSpeakableText(input)).toBe(expected);
  });

  it("is empty when nothing speakable is left", () => {
    expect(toSpeakableText("😀 🎉\n\n---\n![x](y.png)")).toBe("");
  });

  it("keeps odd but pronounceable text", () => {
    expect(toSpeakableText('He said "{\\an8}" → 日本語')).toBe('He said "{\\an8}" → 日本語.');
  });
});

describe("toCardText", () => {
  it("removes only Markdown syntax, keeping the author's words", () => {
    const markdown = [
      "# Heading",
      "So **this** happened, see [link](https://x.com) or https://y.com",
      "&gt; a quote with &amp;",
      "",
      "- one",
      "- two",
      "",
      "| a | b |",
      "|---|---|",
      "| 1 | 2 |",
    ].join("\n");
    expect(toCardText(markdown)).toBe(
      [
        "Heading",
        "So this happened, see link or https://y.com",
        "a quote with &",
        "",
        "- one",
        "- two",
        "",
        "a | b",
        "1 | 2",
      ].join("\n"),
    );
  });

  it("passes hostile and non-Latin text through unchanged", () => {
    const hostile = 'Ünïcödé 日本語 😀🤷🏽‍♀️ "quotes" ‘curly’ {\\an8} <script>alert(1)</script> 100% $5 C:\\path';
    expect(toCardText(hostile)).toBe(hostile);
  });

  it("keeps code, and collapses runs of blank lines", () => {
    expect(toCardText("a\n\n\n\n```\ncode here\n```\nb")).toBe("a\n\ncode here\nb");
  });
});

describe("splitSentences", () => {
  it.each([
    ["ends at . ! ? and …", "One. Two! Three? Four… Five", ["One.", "Two!", "Three?", "Four…", "Five"]],
    ["keeps closing quotes with their sentence", 'He said "stop." Then left.', ['He said "stop."', "Then left."]],
    [
      "keeps abbreviations and initials",
      "Mr. Smith met J. K. Rowling at 5 p.m. today. Wow.",
      ["Mr. Smith met J. K. Rowling at 5 p.m. today.", "Wow."],
    ],
    ["ends at line breaks", "no punctuation\nnext line", ["no punctuation", "next line"]],
    [
      "does not split decimals or list numbers",
      "It cost 3.50 dollars.\n1. first",
      ["It cost 3.50 dollars.", "1. first"],
    ],
    ["ignores empty text", "  \n ", []],
    ["keeps multiple marks together", "What?! No... Yes.", ["What?!", "No...", "Yes."]],
  ])("%s", (_name, input, expected) => {
    expect(splitSentences(input)).toEqual(expected);
  });
});

describe("decodeHtmlEntities", () => {
  it("decodes named, decimal and hex entities, and Reddit's double escaping", () => {
    expect(decodeHtmlEntities("&amp;amp; &lt;&gt; &#233; &#xE9; &nbsp;&hellip;")).toBe("& <> é é \u00A0…");
  });
  it("leaves unknown and invalid entities alone", () => {
    expect(decodeHtmlEntities("&bogus; &#xFFFFFFF; & ;")).toBe("&bogus; &#xFFFFFFF; & ;");
  });
});
