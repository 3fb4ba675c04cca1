/**
 * Selective publish: a group of N members of which 10 are subscribed to the published
 * topic (the others to topics that never match), for N from 1 000 to 1 000 000. A
 * publish must cost the 10 deliveries, not a scan of N: the reference is the same
 * publish to a group of just those 10. Peers: node:events with every member a listener
 * that filters by topic (the scan a plain emitter forces), and qlobber, an index.
 * Units are publishes; deliveries are counted and checked.
 *
 * The 10 subscribe to `orders.*` and every publish has a topic of its own
 * (`orders.<n>`): a topic published again would be answered by the group's topic
 * cache, which any index (or a scan) would be with a cache in front, and the curve
 * would no longer show that the trie walk itself is independent of N.
 */
import { EventEmitter } from "node:events";
import qlobber from "qlobber";
import { chorusSystem, spawnCounters } from "./chorus.js";
import { type BenchOptions, type CaseResult, CHORUS, type Contender, runCase, Tally } from "./harness.js";

const MATCHING = 10;
const PATTERN = "orders.*";

function subscription(i: number): string {
  return i < MATCHING ? PATTERN : `other.${i}`;
}

// Made before timing, shared by every contender: one topic per publish, none repeated.
let topics: string[] = [];
function topicsFor(publishes: number): string[] {
  if (topics.length < publishes) topics = Array.from({ length: publishes }, (_, p) => `orders.${p}`);
  return topics;
}

// What a listener of the scan checks: the one pattern shape used here, or an exact topic.
function matches(pattern: string, topic: string): boolean {
  return pattern === PATTERN ? topic.startsWith("orders.") : pattern === topic;
}

function chorus(name: string, n: number, publishes: number): Contender {
  return {
    name,
    async setup() {
      const tally = new Tally();
      const { system, groups } = await chorusSystem("g");
      const actors = spawnCounters(system, n, tally);
      for (let i = 0; i < n; i++) await groups.joinGroup("g", actors[i]!, { topics: [subscription(i)] });
      const stream = topicsFor(publishes);
      return {
        async run() {
          for (let p = 0; p < publishes; p++) await groups.publishToGroup("g", p, { topic: stream[p]! });
          if (tally.take() !== publishes * MATCHING) throw new Error("chorus made the wrong deliveries");
          return publishes;
        },
        close: () => system.shutdown(),
      };
    },
  };
}

function scan(n: number, publishes: number): Contender {
  return {
    name: "node:events, filter in listener",
    expected: publishes,
    setup() {
      const tally = new Tally();
      const ee = new EventEmitter();
      ee.setMaxListeners(0);
      for (let i = 0; i < n; i++) {
        const mine = subscription(i);
        ee.on("message", (_message: unknown, topic: string) => {
          if (matches(mine, topic)) tally.count++;
        });
      }
      const stream = topicsFor(publishes);
      return {
        run() {
          for (let p = 0; p < publishes; p++) ee.emit("message", p, stream[p]!);
          if (tally.take() !== publishes * MATCHING) throw new Error("scan made the wrong deliveries");
          return publishes;
        },
      };
    },
  };
}

function index(n: number, publishes: number): Contender {
  return {
    name: "qlobber",
    setup() {
      const tally = new Tally();
      const matcher = new qlobber.Qlobber<(message: unknown) => void>();
      for (let i = 0; i < n; i++) {
        matcher.add(subscription(i), () => {
          tally.count++;
        });
      }
      const stream = topicsFor(publishes);
      return {
        run() {
          for (let p = 0; p < publishes; p++) {
            const matched = matcher.match(stream[p]!);
            for (let k = 0; k < matched.length; k++) matched[k]!(p);
          }
          if (tally.take() !== publishes * MATCHING) throw new Error("qlobber made the wrong deliveries");
          return publishes;
        },
      };
    },
  };
}

export async function selectivePublish(
  options: BenchOptions,
  sizes: readonly number[],
): Promise<CaseResult[]> {
  const publishes = options.quick ? 20_000 : 1_000_000;
  const results: CaseResult[] = [];
  for (const n of sizes) {
    // The scan touches every member on every publish: give it the same total work budget.
    const scanned = Math.max(2, Math.min(publishes, Math.round((options.quick ? 2e6 : 1e8) / n)));
    const contenders = [
      chorus(CHORUS, n, publishes),
      chorus(`chorus, group of ${MATCHING}`, MATCHING, publishes),
      index(n, publishes),
      scan(n, scanned),
    ];
    results.push(
      await runCase(
        "selective publish",
        `${MATCHING} of ${n} members match`,
        "publishes/s",
        publishes,
        contenders,
        options,
      ),
    );
  }
  return results;
}
