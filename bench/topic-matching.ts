/**
 * Topic fan-out: 10 000 members, each subscribed with one AMQP-style pattern (exact,
 * `*` or `#`), and a stream of concrete topics published to the group, against
 * qlobber holding the same patterns and calling each matched subscriber. Units are
 * topics published; both sides must make exactly the same deliveries, which are
 * counted and checked against a reference count taken before timing.
 *
 * Chorus delivers each member once even when several of its patterns match; qlobber's
 * plain `Qlobber` (the fast one) does not de-duplicate. With one pattern per member
 * here the two do the same deliveries.
 */
import qlobber from "qlobber";
import { chorusSystem, spawnCounters } from "./chorus.js";
import {
  type BenchOptions,
  type CaseResult,
  CHORUS,
  type Contender,
  runCase,
  seeded,
  Tally,
} from "./harness.js";

const LEVELS = 4;
const WORDS = 10;

function word(level: number, k: number): string {
  return `${String.fromCharCode(97 + level)}${k}`;
}

/** The subscriptions: 60 % exact, 25 % with one `*`, 15 % with a `#` at either end. */
export function patterns(count: number, seed = 1): string[] {
  const random = seeded(seed);
  const pick = (level: number) => word(level, Math.floor(random() * WORDS));
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: LEVELS }, (_, level) => pick(level));
    const r = random();
    if (r < 0.6) out.push(words.join("."));
    else if (r < 0.85) {
      words[Math.floor(random() * LEVELS)] = "*";
      out.push(words.join("."));
    } else if (r < 0.925) out.push(`${words[0]}.${words[1]}.#`);
    else out.push(`#.${words[2]}.${words[3]}`);
  }
  return out;
}

/** Concrete topics drawn from the same vocabulary. */
export function topics(count: number, seed = 2): string[] {
  const random = seeded(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: LEVELS }, (_, level) => word(level, Math.floor(random() * WORDS))).join("."),
  );
}

function chorus(subscriptions: readonly string[], stream: readonly string[], deliveries: number): Contender {
  return {
    name: CHORUS,
    async setup() {
      const tally = new Tally();
      const { system, groups } = await chorusSystem("g");
      const actors = spawnCounters(system, subscriptions.length, tally);
      for (let i = 0; i < actors.length; i++) {
        await groups.joinGroup("g", actors[i]!, { topics: [subscriptions[i]!] });
      }
      return {
        async run() {
          for (let i = 0; i < stream.length; i++) {
            await groups.publishToGroup("g", i, { topic: stream[i]! });
          }
          if (tally.take() !== deliveries) throw new Error("chorus made the wrong deliveries");
          return stream.length;
        },
        close: () => system.shutdown(),
      };
    },
  };
}

function qlobberPeer(
  subscriptions: readonly string[],
  stream: readonly string[],
  deliveries: number,
): Contender {
  return {
    name: "qlobber",
    setup() {
      const tally = new Tally();
      const matcher = new qlobber.Qlobber<(message: unknown) => void>();
      for (const pattern of subscriptions) {
        matcher.add(pattern, () => {
          tally.count++;
        });
      }
      return {
        run() {
          for (let i = 0; i < stream.length; i++) {
            const matched = matcher.match(stream[i]!);
            for (let k = 0; k < matched.length; k++) matched[k]!(i);
          }
          if (tally.take() !== deliveries) throw new Error("qlobber made the wrong deliveries");
          return stream.length;
        },
      };
    },
  };
}

export async function topicMatching(options: BenchOptions): Promise<CaseResult[]> {
  const subscriptions = patterns(10_000);
  const distinct = topics(10_000);
  const total = options.quick ? 20_000 : 1_000_000;
  const stream = Array.from({ length: total }, (_, i) => distinct[i % distinct.length]!);
  // The reference: how many member deliveries the stream must cause.
  const reference = new qlobber.QlobberDedup<number>();
  subscriptions.forEach((pattern, i) => {
    reference.add(pattern, i);
  });
  let deliveries = 0;
  for (const topic of stream) deliveries += reference.match(topic).size;
  const contenders = [
    chorus(subscriptions, stream, deliveries),
    qlobberPeer(subscriptions, stream, deliveries),
  ];
  return [
    await runCase(
      "topic matching",
      `10000 patterns, ${(deliveries / total).toFixed(1)} matches a topic`,
      "topics/s",
      total,
      contenders,
      options,
    ),
  ];
}
