/**
 * One heap measurement, run in a fresh process with --expose-gc so that every
 * contender starts from the same clean heap: build the store (actors spawned, ids and
 * group names made, all before the baseline), collect garbage, make the memberships,
 * collect again, and print the heap growth per membership as JSON.
 *
 *   node --expose-gc dist/bench/heap-child.js <store> <shape> <memberships> [--publish]
 *
 * With --publish, Chorus also publishes once to every group first, so the per-group
 * caches a publish builds are counted too.
 */
import { plan, type Shape, type StoreKind, store } from "./membership-plan.js";

const [kind, shape, count, flag] = process.argv.slice(2) as [StoreKind, Shape, string, string | undefined];
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

function settledHeap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

const p = plan(shape, Number(count));
const s = await store(kind, p);
const before = settledHeap();
for (let k = 0; k < p.memberships; k++) await s.join(k);
if (flag === "--publish") await s.publishEverywhere?.();
const after = settledHeap();
if (s.size === 0) throw new Error("no membership was made");
console.log(JSON.stringify({ bytesPerMembership: (after - before) / p.memberships }));
await s.close();
