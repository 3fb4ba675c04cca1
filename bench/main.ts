/**
 * Runs every benchmark scenario and writes the results: bench/results/latest.json
 * (every sample), bench/results/summary.md (the targets table and every case) and
 * docs/bench.svg (the fan-out and selective-publish curves).
 *
 *   node --expose-gc dist/bench/main.js            the full run (several minutes)
 *   node --expose-gc dist/bench/main.js --quick    every scenario briefly, as CI does
 *   node --expose-gc dist/bench/main.js fan-out    only the named scenarios
 *
 * Nothing here asserts a timing; a run fails only when a contender did not do the
 * work it was asked to do. A quick run prints but writes nothing, so it never
 * overwrites the results of a full one.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { ask } from "./ask.js";
import { chart } from "./chart.js";
import { churn } from "./churn.js";
import { clusterPubSub } from "./cluster-pubsub.js";
import { fanOut } from "./fan-out.js";
import type { BenchOptions, CaseResult } from "./harness.js";
import { heap } from "./heap.js";
import { summary, targetsTable } from "./report.js";
import { selectivePublish } from "./selective-publish.js";
import { serverLoad } from "./server-load.js";
import { slowMember } from "./slow-member.js";
import { topicMatching } from "./topic-matching.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
const options: BenchOptions = { quick, repetitions: quick ? 2 : 5, log: (line) => console.log(line) };

const scenarios: Record<string, () => Promise<CaseResult[]>> = {
  "fan-out": () => fanOut(options, quick ? [100, 1_000, 10_000] : [100, 1_000, 10_000, 100_000]),
  "topic-matching": () => topicMatching(options),
  "selective-publish": () =>
    selectivePublish(options, quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000]),
  churn: () => churn(options),
  heap: () => heap(options),
  "slow-member": () => slowMember(options),
  cluster: () => clusterPubSub(options),
  server: () => serverLoad(options),
  ask: () => ask(options),
};

const unknown = only.filter((name) => !(name in scenarios));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(", ")}; known: ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
if ((globalThis as { gc?: unknown }).gc === undefined) {
  console.log("(run with --expose-gc to collect garbage between runs)");
}

const results: CaseResult[] = [];
for (const [name, scenario] of Object.entries(scenarios)) {
  if (only.length > 0 && !only.includes(name)) continue;
  results.push(...(await scenario()));
  console.log("");
}
console.log(targetsTable(results));

if (!quick) {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? "unknown"} × ${os.cpus().length}`,
    "load average at the end": os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", "),
    scenarios: only.length > 0 ? only.join(", ") : "all",
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify({ meta, results }, null, 2)}\n`);
  writeFileSync(`${root}bench/results/summary.md`, summary(results, meta));
  const svg = chart(results);
  if (svg !== null) {
    mkdirSync(`${root}docs`, { recursive: true });
    writeFileSync(`${root}docs/bench.svg`, svg);
  }
  console.log(`\nwrote bench/results/latest.json, bench/results/summary.md${svg ? ", docs/bench.svg" : ""}`);
}
