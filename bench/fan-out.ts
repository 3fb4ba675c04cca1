/**
 * Fan-out: one publish without a topic to every member of a group, against the peers
 * doing the same (emitters: N listeners on one event; mqemitter: N subscriptions on
 * one topic; socket.io-adapter: a room of N sockets). Units are deliveries handled by
 * the subscribers' own functions. Two shapes (peers.ts): subscribers counting in one
 * shared object with a new message per publish, at every size; and, at 1 000 members,
 * each counting in its own closure with one message published again and again.
 */
import { chorusGroup } from "./chorus.js";
import { type BenchOptions, type CaseResult, CHORUS, type Contender, runCase } from "./harness.js";
import {
  CLOSURE_COUNTERS,
  eventEmitter3,
  mqEmitter,
  nodeEvents,
  plainLoop,
  SHARED_TALLY,
  type Shape,
  socketIoAdapter,
  tseep,
} from "./peers.js";

function chorus(n: number, publishes: number, shape: Shape): Contender {
  return {
    name: CHORUS,
    async setup() {
      const { fns, take } = shape.counters(n);
      const { system, groups } = await chorusGroup(fns);
      const reused = { p: 0 };
      return {
        async run() {
          for (let p = 0; p < publishes; p++) {
            await groups.publishToGroup("g", shape.reusesMessage ? reused : { p });
          }
          return take();
        },
        close: () => system.shutdown(),
      };
    },
  };
}

function fanOutCase(n: number, publishes: number, shape: Shape, options: BenchOptions): Promise<CaseResult> {
  const contenders = [
    chorus(n, publishes, shape),
    plainLoop(n, publishes, shape),
    nodeEvents(n, publishes, shape),
    eventEmitter3(n, publishes, shape),
    tseep(n, publishes, shape),
    mqEmitter(n, publishes, shape),
    socketIoAdapter(n, publishes, shape),
  ];
  return runCase("fan-out", `${n} members${shape.label}`, "deliveries/s", n * publishes, contenders, options);
}

/** One case per group size in the first shape (`sizes` in members), then 1 000 in the second. */
export async function fanOut(options: BenchOptions, sizes: readonly number[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  // Deliveries per timed run: enough for a few hundred milliseconds at full speed.
  const deliveries = options.quick ? 200_000 : 20_000_000;
  for (const n of sizes) {
    const publishes = Math.max(1, Math.round(deliveries / n));
    results.push(await fanOutCase(n, publishes, SHARED_TALLY, options));
  }
  results.push(await fanOutCase(1_000, options.quick ? 200 : 20_000, CLOSURE_COUNTERS, options));
  return results;
}
