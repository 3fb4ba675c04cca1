/**
 * Runs every benchmark scenario and writes the results: bench/results/latest.json
 * (every sample), bench/results/summary.md (the table of targets and ratios) and
 * docs/bench.svg (the fan-out and selective-publish curves).
 *
 *   node --expose-gc dist/bench/main.js            the full run (several minutes)
 *   node --expose-gc dist/bench/main.js --quick    every scenario briefly, as CI does
 *   node --expose-gc dist/bench/main.js fan-out    only the named scenarios
 *
 * Nothing here asserts a timing; a run fails only when a contender did not do the
 * work it was asked to do.
 */
import { clusterPubSub } from "./cluster-pubsub.js";
import { fanOut } from "./fan-out.js";
import type { BenchOptions, CaseResult } from "./harness.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
const options: BenchOptions = { quick, repetitions: quick ? 2 : 5, log: (line) => console.log(line) };

const scenarios: Record<string, () => Promise<CaseResult[]>> = {
  "fan-out": () => fanOut(options, quick ? [100, 1_000, 10_000] : [100, 1_000, 10_000, 100_000]),
  cluster: () => clusterPubSub(options),
};

const results: CaseResult[] = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  if (only.length > 0 && !only.includes(name)) continue;
  results.push(...(await scenario()));
}
console.log(JSON.stringify(results.length));
