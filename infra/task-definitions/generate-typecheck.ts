// Regenerates task-definitions.typecheck.ts after a change to task-definitions/*.json.
import { writeFileSync } from "node:fs";
import { renderTypecheckModule, TYPECHECK_MODULE_PATH } from "./task-definitions.ts";

writeFileSync(TYPECHECK_MODULE_PATH, renderTypecheckModule());
process.stdout.write(`wrote ${TYPECHECK_MODULE_PATH}\n`);
