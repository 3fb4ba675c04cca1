/**
 * The shared harness of every benchmark: it builds each contender once, warms them
 * all up, then times them in alternating rounds (Chorus, peer, peer, …, Chorus, …) so
 * that a burst of noise on a shared machine hits every contender alike. It reports the
 * median, min and max rate of each and the ratio of Chorus's median to each peer's.
 *
 * It asserts no timing: a contender's run returns how many units of work it really
 * did (deliveries its subscribers handled, operations it performed), the harness
 * checks that count against what the scenario expected, and only rates are derived.
 * A wrong count is a broken benchmark and stops the run.
 */

export { seeded } from "./seeded.js";

/** One side of a comparison: Chorus or a peer, built once and then run repeatedly. */
export interface Contender {
  readonly name: string;
  /** Units one run must do, when it differs from the case's (a slow peer doing less). */
  readonly expected?: number;
  /** Builds the contender's state; not timed. */
  setup(): Trial | Promise<Trial>;
}

interface Trial {
  /** Does one timed run of work and returns the units done (counted, not assumed). */
  run(): number | Promise<number>;
  /** Releases what setup built; not timed. */
  close?(): void | Promise<void>;
}

export interface Stats {
  readonly name: string;
  /** Units per second. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export interface CaseResult {
  readonly scenario: string;
  readonly case: string;
  readonly unit: string;
  readonly contenders: readonly Stats[];
  /** The first contender's (Chorus's) median over each other's: above 1, Chorus is faster. */
  readonly ratios: Readonly<Record<string, number>>;
}

export interface BenchOptions {
  readonly quick: boolean;
  readonly repetitions: number;
  readonly log: (line: string) => void;
}

export const CHORUS = "chorus";

/**
 * Runs one case: every contender, warmed up, then `repetitions` alternating rounds.
 * The first contender is Chorus; ratios are taken against it.
 */
export async function runCase(
  scenario: string,
  name: string,
  unit: string,
  expected: number,
  contenders: readonly Contender[],
  options: BenchOptions,
): Promise<CaseResult> {
  const trials: Trial[] = [];
  try {
    for (const contender of contenders) trials.push(await contender.setup());
    const expect = (i: number) => contenders[i]!.expected ?? expected;
    for (let i = 0; i < contenders.length; i++) await timed(contenders[i]!.name, trials[i]!, expect(i));
    const samples: number[][] = contenders.map(() => []);
    for (let round = 0; round < options.repetitions; round++) {
      for (let i = 0; i < contenders.length; i++) {
        collectGarbage();
        samples[i]!.push(await timed(contenders[i]!.name, trials[i]!, expect(i)));
      }
    }
    const stats = contenders.map((contender, i) => summarise(contender.name, samples[i]!));
    const result: CaseResult = { scenario, case: name, unit, contenders: stats, ratios: ratiosOf(stats) };
    options.log(format(result));
    return result;
  } finally {
    for (const trial of trials) await trial.close?.();
    collectGarbage();
  }
}

async function timed(name: string, trial: Trial, expected: number): Promise<number> {
  const start = process.hrtime.bigint();
  const units = await trial.run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (units !== expected) {
    throw new Error(`benchmark broken: ${name} did ${units} units of work, expected ${expected}`);
  }
  return units / seconds;
}

export function summarise(name: string, samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { name, median, min: sorted[0]!, max: sorted.at(-1)!, samples };
}

/** The first contender (always Chorus) over each of the others. */
function ratiosOf(stats: readonly Stats[]): Record<string, number> {
  const [chorus, ...peers] = stats;
  const ratios: Record<string, number> = {};
  if (chorus === undefined) return ratios;
  for (const s of peers) ratios[s.name] = chorus.median / s.median;
  return ratios;
}

/** Runs the garbage collector when node was started with --expose-gc, so runs start alike. */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

export function format(result: CaseResult): string {
  const lines = [`${result.scenario} — ${result.case} (${result.unit}, median [min … max] of samples)`];
  for (const s of result.contenders) {
    const ratio = result.ratios[s.name];
    const tail = ratio === undefined ? "" : `   chorus ×${ratio.toFixed(2)}`;
    lines.push(
      `  ${s.name.padEnd(28)} ${human(s.median).padStart(9)}  [${human(s.min)} … ${human(s.max)}]${tail}`,
    );
  }
  return lines.join("\n");
}

/** 1234567 → "1.23 M". */
export function human(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(2)} k`;
  return value.toFixed(2);
}

/** A counter shared by every subscriber of one contender: what the behaviours handled. */
export class Tally {
  count = 0;
  /** Returns and resets the count. */
  take(): number {
    const n = this.count;
    this.count = 0;
    return n;
  }
}
