/**
 * Heap bytes per membership at 1 000 000 memberships, each contender measured once per
 * shape in a child process of its own (see heap-child.ts), so no contender inherits
 * another's garbage or fragmentation. Lower is better; the ratio reported is the
 * peer's bytes over Chorus's (above 1: Chorus uses less).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchOptions, CaseResult, Stats } from "./harness.js";
import { SHAPES, STORES } from "./membership-plan.js";

const CHILD = fileURLToPath(new URL("./heap-child.js", import.meta.url));

function measure(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", "--max-old-space-size=8192", CHILD, ...args],
      { maxBuffer: 1 << 20 },
      (error, stdout) => {
        if (error) return reject(error);
        resolve((JSON.parse(stdout) as { bytesPerMembership: number }).bytesPerMembership);
      },
    );
  });
}

export async function heap(options: BenchOptions): Promise<CaseResult[]> {
  const memberships = options.quick ? 20_000 : 1_000_000;
  const runs = options.quick ? 1 : 3;
  const results: CaseResult[] = [];
  for (const shape of SHAPES) {
    const variants: [string, string[]][] = [
      ["chorus", ["chorus", shape, String(memberships)]],
      ...STORES.filter((k) => k !== "chorus").map((k): [string, string[]] => [
        k,
        [k, shape, String(memberships)],
      ]),
      ["chorus, after a publish to every group", ["chorus", shape, String(memberships), "--publish"]],
    ];
    const stats: Stats[] = [];
    for (const [name, args] of variants) {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) samples.push(await measure(args));
      samples.sort((a, b) => a - b);
      stats.push({
        name,
        median: samples[samples.length >> 1]!,
        min: samples[0]!,
        max: samples.at(-1)!,
        samples,
      });
    }
    const chorus = stats[0]!;
    const ratios: Record<string, number> = {};
    for (const s of stats.slice(1)) ratios[s.name] = s.median / chorus.median;
    const result: CaseResult = {
      scenario: "heap per membership",
      case: `${memberships} memberships, ${shape}`,
      unit: "bytes",
      contenders: stats,
      ratios,
    };
    options.log(
      [
        `${result.scenario} — ${result.case} (bytes per membership; ratio: peer / chorus)`,
        ...stats.map(
          (s) =>
            `  ${s.name.padEnd(40)} ${s.median.toFixed(1).padStart(7)}${ratios[s.name] === undefined ? "" : `   ×${ratios[s.name]!.toFixed(2)}`}`,
        ),
      ].join("\n"),
    );
    results.push(result);
  }
  return results;
}
