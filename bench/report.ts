/**
 * Turns the results into the targets table of issue 3 (ratio measured, met or not)
 * and the Markdown summary committed as bench/results/summary.md.
 */
import { BATCHED } from "./churn.js";
import { type CaseResult, human } from "./harness.js";

interface TargetRow {
  readonly scenario: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | null;
}

function find(results: readonly CaseResult[], scenario: string, name: string): CaseResult | undefined {
  return results.find((r) => r.scenario === scenario && r.case === name);
}

function ratioRow(
  result: CaseResult | undefined,
  scenario: string,
  peer: string,
  atLeast: number,
  label = `≥ ${atLeast}× ${peer}`,
): TargetRow {
  const ratio = result?.ratios[peer];
  if (ratio === undefined) return { scenario, target: label, measured: "not run", met: null };
  return { scenario, target: label, measured: `${ratio.toFixed(2)}×`, met: ratio >= atLeast };
}

function targets(results: readonly CaseResult[]): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const [n, socketIo] of [
    [1_000, 5],
    [100_000, 20],
  ] as const) {
    const r = find(results, "fan-out", `${n} members`);
    const scenario = `fan-out to ${n.toLocaleString("en")} members`;
    rows.push(ratioRow(r, scenario, "node:events", 1));
    rows.push(ratioRow(r, scenario, "mqemitter", 2));
    rows.push(ratioRow(r, scenario, "socket.io-adapter", socketIo));
  }
  // The second shape: a counter in each subscriber's closure, one message reused.
  const closures = find(results, "fan-out", "1000 members, counters in closures, one message reused");
  const second = "fan-out to 1,000 members, counters in closures";
  rows.push(ratioRow(closures, second, "node:events", 1));
  rows.push(ratioRow(closures, second, "mqemitter", 2));
  const topic = (tail: string) =>
    results.find((r) => r.scenario === "topic matching" && r.case.endsWith(tail));
  rows.push(ratioRow(topic("repeated topics"), "topic matching, 10,000 patterns", "qlobber", 1.5));
  const entities = results.find((r) => r.scenario === "topic matching" && r.case.includes("entity topics"));
  rows.push(ratioRow(entities, "topic matching, entity topics that rarely repeat", "qlobber", 1.5));
  // The same stream with Chorus's topic cache emptied before every topic could recur:
  // what matching itself costs. No target of its own; shown so the one above is read with it.
  const cold = ratioRow(
    topic("cache is emptied"),
    "topic matching, cold (nothing from the topic cache)",
    "qlobber",
    1,
  );
  rows.push({ ...cold, target: "reported, no target", met: null });
  const selective = find(results, "selective publish", "10 of 1000000 members match");
  rows.push(
    ratioRow(
      selective,
      "selective publish, 10 of 1,000,000 match",
      "chorus, group of 10",
      0.5,
      "within 2× of a group of 10 (ratio ≥ 0.5)",
    ),
  );
  for (const shape of ["10000 groups", "one group"]) {
    const r = find(results, "membership churn", `1000000 joins and leaves, ${shape}`);
    rows.push(ratioRow(r, `join + leave, 1,000,000 memberships, ${shape}`, "Map<Set>", 0.5));
    // Each actor's ten joins in one call: that contender's median over the bare map's.
    const batched = r?.contenders.find((c) => c.name === BATCHED);
    const map = r?.contenders.find((c) => c.name === "Map<Set>");
    if (batched !== undefined && map !== undefined) {
      const ratio = batched.median / map.median;
      rows.push({
        scenario: `join + leave, 1,000,000 memberships, ${shape}, ten groups a call (joinGroups)`,
        target: "≥ 0.5× Map<Set>",
        measured: `${ratio.toFixed(2)}×`,
        met: ratio >= 0.5,
      });
    }
  }
  for (const shape of ["10000 groups", "one group"]) {
    const r = find(results, "heap per membership", `1000000 memberships, ${shape}`);
    const bytes = r?.contenders[0]?.median;
    rows.push({
      scenario: `heap per membership at 1,000,000, ${shape}`,
      target: "≤ 120 bytes",
      measured: bytes === undefined ? "not run" : `${bytes.toFixed(0)} bytes`,
      met: bytes === undefined ? null : bytes <= 120,
    });
  }
  const cluster = results.find((r) => r.scenario === "cluster pub/sub");
  rows.push(ratioRow(cluster, "cross-process publish, 1,000 members", "ioredis PUBLISH/SUBSCRIBE", 1));
  // Request/reply: no target; shown against the least a reply can cost.
  for (const [tail, peer] of [
    ["one process, one round trip at a time", "bare promise round trip"],
    ["two processes over Redis, one round trip at a time", "ioredis request/reply"],
    ["two processes over Redis, 100 in flight", "ioredis request/reply"],
  ] as const) {
    const row = ratioRow(find(results, "ask", tail), `ask, ${tail}`, peer, 1);
    rows.push({ ...row, target: `reported, no target (vs ${peer})`, met: null });
  }
  // The server under load against Socket.IO: no target of its own; shown so the
  // in-process figures above are read with what a client of `chorus serve` gets.
  for (const [unit, what] of [
    ["publishes/s", "publishes/s"],
    ["ms p99, lower is better", "p99 latency, lower is better"],
  ] as const) {
    const r = results.find((c) => c.scenario === "server load" && c.unit === unit);
    const clients = /(\d+) WebSocket clients/.exec(r?.case ?? "")?.[1] ?? "N";
    const row = ratioRow(r, `server, HTTP publish to ${clients} WebSocket clients, ${what}`, "socket.io", 1);
    rows.push({ ...row, target: "reported, no target (vs socket.io)", met: null });
  }
  return rows;
}

export function targetsTable(results: readonly CaseResult[]): string {
  const lines = ["| scenario | target | measured | met |", "| --- | --- | --- | --- |"];
  for (const row of targets(results)) {
    const met = row.met === null ? "–" : row.met ? "yes" : "**no**";
    lines.push(`| ${row.scenario} | ${row.target} | ${row.measured} | ${met} |`);
  }
  return lines.join("\n");
}

function detailTables(results: readonly CaseResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const higherIsBetter = r.unit !== "bytes";
    out.push(`### ${r.scenario} — ${r.case}`, "");
    out.push(`| contender | ${r.unit}, median | min | max | ratio |`, "| --- | --- | --- | --- | --- |");
    for (const s of r.contenders) {
      const ratio = r.ratios[s.name];
      const shown = ratio === undefined ? "" : `${ratio.toFixed(2)}×`;
      const value = (v: number) => (higherIsBetter ? human(v) : v.toFixed(1));
      out.push(`| ${s.name} | ${value(s.median)} | ${value(s.min)} | ${value(s.max)} | ${shown} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

export function summary(results: readonly CaseResult[], meta: Readonly<Record<string, string>>): string {
  return [
    "# Benchmark summary",
    "",
    "Written by `node --expose-gc dist/bench/main.js` (`npm run bench`); every sample is in",
    "`latest.json` next to this file. Ratios are Chorus's median over the peer's in the same",
    "run (for heap: the peer's bytes over Chorus's), so above 1 means Chorus is ahead; a",
    "latency's (unit `ms p99, lower is better`) is Chorus's over the peer's too, so there",
    "below 1 means Chorus is ahead.",
    "",
    Object.entries(meta)
      .map(([k, v]) => `- ${k}: ${v}`)
      .join("\n"),
    "",
    "## Targets",
    "",
    targetsTable(results),
    "",
    "## Every case",
    "",
    detailTables(results),
  ].join("\n");
}
