/**
 * Prints vitest's JSON report as one plain line, "N passed, N failed, N skipped", which CI reads.
 *   node scripts/test-summary.ts .tmp/vitest-report.json
 */
import { readFileSync } from "node:fs";

const path = process.argv[2] ?? ".tmp/vitest-report.json";
const report = JSON.parse(readFileSync(path, "utf8")) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
};
console.log(
  `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
);
