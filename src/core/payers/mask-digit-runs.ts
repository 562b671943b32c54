/**
 * Personal data never reaches a log line (SPEC §13): any run of 6 or more digits in a URL or
 * message is masked, keeping the first 6 and last 4 only when the run is long enough.
 */
export function maskDigitRuns(text: string): string {
  return text.replace(/\d{6,}[\dXx]?/g, (run) => (run.length >= 14 ? `${run.slice(0, 6)}${'*'.repeat(run.length - 10)}${run.slice(-4)}` : '*'.repeat(run.length)));
}
