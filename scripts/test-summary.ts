/**
 * Prints vitest's JSON report as one plain line, "N passed, N failed, N skipped", which CI reads.
 * A file that failed outside its tests (a hook that timed out, an import error) counts as one
 * failure, so the line never reads "0 failed" for a run that failed.
 *   node scripts/test-summary.ts .tmp/vitest-report.json
 */
import { readFileSync } from "node:fs";

const path = process.argv[2] ?? ".tmp/vitest-report.json";
const report = JSON.parse(readFileSync(path, "utf8")) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { status: string; assertionResults: { status: string }[] }[];
};
const failedFilesWithoutFailedTests = report.testResults.filter(
  (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"),
).length;
console.log(
  `${report.numPassedTests} passed, ${report.numFailedTests + failedFilesWithoutFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
);
