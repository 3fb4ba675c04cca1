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
 *
 * Three cases. "repeated topics" cycles 10 000 topics drawn at random (some twice), as a
 * real stream repeats its topics; a group remembers the audience of each topic
 * published since its last membership change, so after the first cycles Chorus matches
 * nothing again. "cold" is the honest other end: the stream cycles every possible topic
 * (10 000, each once, in a shuffled order), and before each cycle a member joins and
 * leaves (qlobber adds and removes a pattern, alike), which empties Chorus's cache: no
 * topic recurs between two changes, so no publish is answered from the cache, and each
 * pays what the cache costs a miss besides the match. "entity topics" is a stream as
 * real topics carry entity ids (`events.order.1234.paid`): 90 % exact subscriptions, and
 * ids drawn from twice the subscribed range, so almost every topic is new.
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
function patterns(count: number, seed = 1): string[] {
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

/** Every concrete topic of the vocabulary, each once, shuffled. */
function everyTopic(seed = 3): string[] {
  const all: string[] = [];
  for (let n = 0; n < WORDS ** LEVELS; n++) {
    const words: string[] = [];
    for (let level = 0, rest = n; level < LEVELS; level++, rest = Math.floor(rest / WORDS)) {
      words.push(word(level, rest % WORDS));
    }
    all.push(words.join("."));
  }
  const random = seeded(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all;
}

/** Concrete topics drawn from the same vocabulary. */
function topics(count: number, seed = 2): string[] {
  const random = seeded(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: LEVELS }, (_, level) => word(level, Math.floor(random() * WORDS))).join("."),
  );
}

// A pattern no topic of the stream matches: joining with it changes the membership
// (and so empties the topic cache) without changing any delivery.
const UNMATCHED = "z.z";

/**
 * `changeEvery`: a membership change before every that many topics (0: never). Both
 * sides make it the same way, outside nothing: it is part of the timed run.
 */
function chorus(
  subscriptions: readonly string[],
  stream: readonly string[],
  deliveries: number,
  changeEvery: number,
): Contender {
  return {
    name: CHORUS,
    async setup() {
      const tally = new Tally();
      const { system, groups } = await chorusSystem("g");
      const actors = spawnCounters(system, subscriptions.length, tally);
      for (let i = 0; i < actors.length; i++) {
        await groups.joinGroup("g", actors[i]!, { topics: [subscriptions[i]!] });
      }
      const [churner] = spawnCounters(system, 1, tally, "churner");
      return {
        async run() {
          for (let i = 0; i < stream.length; i++) {
            if (changeEvery > 0 && i % changeEvery === 0) {
              await groups.joinGroup("g", churner!, { topics: [UNMATCHED] });
              await groups.leaveGroup("g", churner!);
            }
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
  changeEvery: number,
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
      const churner = () => {
        tally.count++;
      };
      return {
        run() {
          for (let i = 0; i < stream.length; i++) {
            if (changeEvery > 0 && i % changeEvery === 0) {
              matcher.add(UNMATCHED, churner);
              matcher.remove(UNMATCHED, churner);
            }
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

// Entity topics, as real streams carry them: `events.<type>.<id>.<action>`.
const TYPES = [
  "order",
  "user",
  "payment",
  "shipment",
  "invoice",
  "cart",
  "review",
  "refund",
  "account",
  "session",
];
const ACTIONS = [
  "created",
  "updated",
  "deleted",
  "paid",
  "shipped",
  "opened",
  "closed",
  "failed",
  "viewed",
  "archived",
];

/**
 * 10 000 subscriptions to entity topics: 9 000 exact (ids 0–999), 450
 * `events.<type>.*.<action>`, 450 `events.<type>.<id>.*`, 90 `events.<type>.#`, 10
 * `events.#`, as most real subscriptions are exact.
 */
function entityPatterns(seed = 5): string[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const id = () => Math.floor(random() * 1_000);
  const out: string[] = [];
  for (let i = 0; i < 9_000; i++) out.push(`events.${pick(TYPES)}.${id()}.${pick(ACTIONS)}`);
  for (let i = 0; i < 450; i++) out.push(`events.${pick(TYPES)}.*.${pick(ACTIONS)}`);
  for (let i = 0; i < 450; i++) out.push(`events.${pick(TYPES)}.${id()}.*`);
  for (let i = 0; i < 90; i++) out.push(`events.${pick(TYPES)}.#`);
  for (let i = 0; i < 10; i++) out.push("events.#");
  return out;
}

/** Entity topics with ids 0–1 999: almost every one is published once. */
function entityTopics(count: number, seed = 6): string[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  return Array.from(
    { length: count },
    () => `events.${pick(TYPES)}.${Math.floor(random() * 2_000)}.${pick(ACTIONS)}`,
  );
}

export async function topicMatching(options: BenchOptions): Promise<CaseResult[]> {
  const subscriptions = patterns(10_000);
  const total = options.quick ? 20_000 : 1_000_000;
  // The reference: how many member deliveries a stream must cause.
  const reference = new qlobber.QlobberDedup<number>();
  subscriptions.forEach((pattern, i) => {
    reference.add(pattern, i);
  });
  const cases: CaseResult[] = [];
  for (const [shape, cycled, changeEvery] of [
    ["repeated topics", topics(10_000), 0],
    ["cold: no topic recurs before the cache is emptied", everyTopic(), WORDS ** LEVELS],
  ] as const) {
    const stream = Array.from({ length: total }, (_, i) => cycled[i % cycled.length]!);
    let deliveries = 0;
    for (const topic of stream) deliveries += reference.match(topic).size;
    const name = `10000 patterns, ${(deliveries / total).toFixed(1)} matches a topic, ${shape}`;
    const contenders = [
      chorus(subscriptions, stream, deliveries, changeEvery),
      qlobberPeer(subscriptions, stream, deliveries, changeEvery),
    ];
    cases.push(await runCase("topic matching", name, "topics/s", total, contenders, options));
  }
  // Topics that rarely repeat: entity ids make most of them new.
  const entities = entityPatterns();
  const stream = entityTopics(options.quick ? 20_000 : 200_000);
  const byEntity = new qlobber.QlobberDedup<number>();
  entities.forEach((pattern, i) => {
    byEntity.add(pattern, i);
  });
  let deliveries = 0;
  for (const topic of stream) deliveries += byEntity.match(topic).size;
  const distinct = new Set(stream).size;
  const name =
    `10000 entity patterns (90 % exact), ${(deliveries / stream.length).toFixed(1)} matches a topic, ` +
    `entity topics, ${((100 * distinct) / stream.length).toFixed(0)} % distinct`;
  cases.push(
    await runCase(
      "topic matching",
      name,
      "topics/s",
      stream.length,
      [chorus(entities, stream, deliveries, 0), qlobberPeer(entities, stream, deliveries, 0)],
      options,
    ),
  );
  return cases;
}
