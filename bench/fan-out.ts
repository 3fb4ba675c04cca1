/**
 * Fan-out: one publish without a topic to every member of a group, against the peers
 * doing the same (emitters: N listeners on one event; mqemitter: N subscriptions on
 * one topic; socket.io-adapter: a room of N sockets). Units are deliveries handled by
 * the subscribers' own functions.
 */
import { chorusGroup } from "./chorus.js";
import { type BenchOptions, type CaseResult, CHORUS, type Contender, runCase, Tally } from "./harness.js";
import { eventEmitter3, mqEmitter, nodeEvents, plainLoop, socketIoAdapter, tseep } from "./peers.js";

function chorus(n: number, publishes: number): Contender {
  return {
    name: CHORUS,
    async setup() {
      const tally = new Tally();
      const { system, groups } = await chorusGroup(n, tally);
      return {
        async run() {
          for (let p = 0; p < publishes; p++) await groups.publishToGroup("g", { p });
          return tally.take();
        },
        close: () => system.shutdown(),
      };
    },
  };
}

/** One case per group size; `sizes` in members. */
export async function fanOut(options: BenchOptions, sizes: readonly number[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  // Deliveries per timed run: enough for a few hundred milliseconds at full speed.
  const deliveries = options.quick ? 200_000 : 20_000_000;
  for (const n of sizes) {
    const publishes = Math.max(1, Math.round(deliveries / n));
    const contenders = [
      chorus(n, publishes),
      plainLoop(n, publishes),
      nodeEvents(n, publishes),
      eventEmitter3(n, publishes),
      tseep(n, publishes),
      mqEmitter(n, publishes),
      socketIoAdapter(n, publishes),
    ];
    results.push(
      await runCase("fan-out", `${n} members`, "deliveries/s", n * publishes, contenders, options),
    );
  }
  return results;
}
