import { describe, expect, it } from "vitest";
import {
  decodeHtmlEntities,
  expandRedditAbbreviations,
  splitSentences,
  toCardText,
  toSpeakableText,
} from "./markdown-text.ts";

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
    ["tables are read row by row, labelled by the header", "| Name | Age |\n|---|:---:|\n| Ann | 31 |", "Ann: 31 Age."],
    [
      "the issue's table: no separators spoken",
      "| day | words |\n|---|---|\n| Mon | 2 |\n| Tue | 15 |",
      "Mon: 2 words. Tue: 15 words.",
    ],
    [
      "text cells follow their header, empty cells are skipped",
      "| Item | Cost | Note |\n|:---|---:|---|\n| Room | $600 | |\n| | 3 | late |",
      "Room: Cost $600. 3 Cost, Note late.",
    ],
    ["spoilers are read", "The killer is >!the butler!<", "The killer is the butler."],
    ["struck-through words are not said", "my ~~wife~~ partner", "my partner."],
    ["a doubled stop is said once", "少し。.", "少し。"],
    ["after ! and ? too, an ellipsis stays", "Wow!. Really?...", "Wow! Really?..."],
    ["a CJK full stop ends a sentence", "日本語です。", "日本語です。"],
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
    ["TL;DR is spelled out", "TL;DR: it broke", "Too long; didn't read: it broke."],
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

describe("Reddit shorthand, for the voice only", () => {
  it.each([
    ["AITA", "AITA for charging my sister rent?", "Am I the a-hole for charging my sister rent?"],
    ["AITAH", "AITAH?", "Am I the a-hole here?"],
    ["WIBTA", "WIBTA if I skipped it?", "Would I be the a-hole if I skipped it?"],
    ["TIFU", "TIFU by replying all", "Today I messed up by replying all."],
    [
      "TL;DR in any spelling",
      "tl;dr sent a duck. TLDR: oops",
      "Too long; didn't read sent a duck. Too long; didn't read: oops.",
    ],
    [
      "judgements",
      "NTA. YTA, ESH or NAH?",
      "Not the a-hole. You're the a-hole, everyone sucks here or no a-holes here?",
    ],
    ["YWBTA / YWNBTA", "YWBTA but YWNBTA later", "You would be the a-hole but you would not be the a-hole later."],
    [
      "OP, but not op",
      "OP is right. I agree with OP's sister, the op-ed is wrong",
      "The original poster is right. I agree with the original poster's sister, the op-ed is wrong.",
    ],
    ["the OP is not doubled", "Ask the OP", "Ask the original poster."],
    [
      "opinions",
      "IMO fine, IMHO great, IIRC twice, FWIW yes, AFAIK no, TBH ok",
      "In my opinion fine, in my humble opinion great, if I remember correctly twice, for what it's worth yes, as far as I know no, to be honest ok.",
    ],
    ["ETA as an edit", "ETA: she has a key", "Edited to add: she has a key."],
    ["ETA as an arrival time stays", "the ETA is 5 pm", "the ETA is 5 pm."],
    ["EDIT and UPDATE headers", "EDIT 2: fixed. UPDATE: all good", "Edit 2: fixed. Update: all good."],
    ["users", "thanks u/duck_enthusiast_42 and /u/Some-One", "thanks user duck enthusiast 42 and user Some One."],
    ["subreddits", "try r/LegalAdvice or /r/AmItheAsshole", "try r slash LegalAdvice or r slash AmItheAsshole."],
    [
      "ages and genders",
      "I (29F) and my BF [31M] and my MIL (F60)",
      "I (29 female) and my boyfriend [31 male] and my mother-in-law (60 female).",
    ],
    ["whole words only", "NTAX and ESHER and TIFUS and UTIL", "NTAX and ESHER and TIFUS and UTIL."],
    ["a-hole in a URL is left to the URL rule", "see https://www.reddit.com/r/tifu/comments/abc", "see link."],
  ])("%s", (_name, input, expected) => {
    expect(toSpeakableText(input)).toBe(expected);
  });

  it("leaves cards alone", () => {
    const original = "AITA? NTA, OP. TL;DR: u/someone in r/tifu (29F)";
    expect(toCardText(original)).toBe(original);
  });

  it("can be used on its own", () => {
    expect(expandRedditAbbreviations("TIFU, NTA")).toBe("Today I messed up, not the a-hole");
  });

  it("reads a whole Reddit post naturally", () => {
    const selftext = [
      "# Update",
      "",
      "I (29F) asked on r/AmItheAsshole. Most said **NTA**.",
      "",
      "> You're charging FAMILY for a CLOSET?",
      "",
      "| Item | Cost |",
      "|---|---|",
      "| Room | $600 |",
      "",
      "- she has a key",
      "- she uses it at 7am",
      "",
      "The twist: >!she moved in!<. ~~Never~~ again &amp; see [my last post](https://reddit.com/x).",
      "",
      "```",
      "code is not read",
      "```",
      "",
      "EDIT: thanks u/kind_stranger 🙏",
      "",
      "TL;DR: charged rent, OP regrets nothing",
    ].join("\n");
    expect(toSpeakableText(selftext)).toBe(
      [
        "Update.",
        "I (29 female) asked on r slash AmItheAsshole. Most said not the a-hole.",
        "You're charging FAMILY for a CLOSET?",
        "Room: Cost $600.",
        "she has a key. she uses it at 7am.",
        "The twist: she moved in. again & see my last post.",
        "Edit: thanks user kind stranger.",
        "Too long; didn't read: charged rent, the original poster regrets nothing.",
      ].join(" "),
    );
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

  it("reads a table from card text row by row too (body pages are cut from card text)", () => {
    const card = toCardText("Counts:\n\n| day | words |\n|---|---|\n| Mon | 2 |\n| Tue | 15 |\n\nThat was it.");
    expect(card).toBe("Counts:\n\nday | words\nMon | 2\nTue | 15\n\nThat was it.");
    expect(toSpeakableText(card)).toBe("Counts: Mon: 2 words. Tue: 15 words. That was it.");
    // One line with a pipe in prose is not a table.
    expect(toSpeakableText("I chose A | B today")).toBe("I chose A | B today.");
  });

  it("keeps struck-through text struck (U+0336 overlay), and the voice skips it from the card text too", () => {
    const card = toCardText("my ~~ex wife~~ partner");
    expect(card).toBe("my e\u0336x\u0336 \u0336w\u0336i\u0336f\u0336e\u0336 partner");
    expect(toSpeakableText(card)).toBe("my partner.");
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
