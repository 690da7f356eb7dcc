import { z } from "@hono/zod-openapi";

/**
 * Text from clients: C0 control characters other than tab and line breaks, DEL and C1 controls
 * are refused (422), not silently removed, so what is narrated and drawn is what was sent.
 * Single-line fields (titles, names, tags) refuse line breaks too.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds
const LINE_CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
export const plainText = () =>
  z.string().refine((text) => !CONTROL_CHARACTERS.test(text), "must not contain control characters");
export const singleLineText = () =>
  z.string().refine((text) => !LINE_CONTROL_CHARACTERS.test(text), "must be one line without control characters");
