/**
 * The topic cache: a group remembers the audience of each topic published since its
 * last membership change. Every change must empty it, so each test publishes a topic
 * often enough to be answered from the cache (twice: the first publish only marks it
 * seen), changes the membership one way, and checks the next publish sees the change.
 * A randomized run then interleaves publishes of a few recurring topics with joins,
 * leaves, topic changes, stops and restarts, against a reference matcher.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import qlobber from "qlobber";
import { seeded } from "../../bench/seeded.js";
import { InvalidTopicError } from "../../src/errors.js";
import { type Audience, Group } from "../../src/groups/group.js";
import {
  CACHE_SAMPLE,
  CACHE_WINDOW,
  MAX_CACHED_REFERENCES,
  MAX_CACHED_TOPICS,
  MAX_REFERENCES_IN_ALL_CACHES,
  TopicCache,
} from "../../src/groups/topic-cache.js";
import { TopicPath } from "../../src/groups/topic-path.js";
import { type ActorRef, ActorSystem, type ProcessGroups } from "../../src/index.js";
import { freshScope, newSystem, type Recorder, recorder } from "../support/helpers.js";

const { QlobberDedup } = qlobber;

/** Publishes `topic` three times (seen, kept, answered from the cache); returns who the last reached. */
async function reached(groups: ProcessGroups, topic: string): Promise<string[]> {
  await groups.publishToGroup("g", `${topic}#1`, { topic });
  await groups.publishToGroup("g", `${topic}#2`, { topic });
  return [...(await groups.publishToGroup("g", `${topic}#3`, { topic })).recipients].sort();
}

async function setUp(
  system: ActorSystem,
): Promise<{ groups: ProcessGroups; spawn: (id: string) => Recorder }> {
  const scope = freshScope();
  const groups = system.groups(scope);
  await groups.createGroup("g");
  return { groups, spawn: (id) => recorder(system, scope, id) };
}

describe("topic cache", () => {
  it("is emptied by a join: a new member with a matching pattern gets the next publish", async () => {
    await using system = newSystem();
    const { groups, spawn } = await setUp(system);
    const a = spawn("a");
    const b = spawn("b");
    await groups.joinGroup("g", a.ref, { topics: ["orders.*"] });
    assert.deepEqual(await reached(groups, "orders.new"), ["a"]);
    await groups.joinGroup("g", b.ref, { topics: ["orders.#"] });
    assert.deepEqual(await reached(groups, "orders.new"), ["a", "b"]);
    assert.deepEqual(b.received, ["orders.new#1", "orders.new#2", "orders.new#3"]);
  });

  it("is emptied by a join without topics, and by one of a member that had none", async () => {
    await using system = newSystem();
    const { groups, spawn } = await setUp(system);
    const a = spawn("a");
    const all = spawn("all");
    await groups.joinGroup("g", a.ref, { topics: ["x.y"] });
    assert.deepEqual(await reached(groups, "x.y"), ["a"]);
    assert.deepEqual(await reached(groups, "p.q"), []);
    await groups.joinGroup("g", all.ref);
    assert.deepEqual(await reached(groups, "p.q"), ["all"]);
    assert.deepEqual(await reached(groups, "x.y"), ["a", "all"]);
    // A join without topics of a member that had some: it now receives everything.
    await groups.joinGroup("g", a.ref);
    assert.deepEqual(await reached(groups, "p.q"), ["a", "all"]);
  });

  it("is emptied by a leave, the last one only changing who is reached", async () => {
    await using system = newSystem();
    const { groups, spawn } = await setUp(system);
    const a = spawn("a");
    const b = spawn("b");
    await groups.joinGroup("g", a.ref, { topics: ["t.*"] });
    await groups.joinGroup("g", a.ref, { topics: ["t.*"] });
    await groups.joinGroup("g", b.ref, { topics: ["#"] });
    assert.deepEqual(await reached(groups, "t.1"), ["a", "b"]);
    await groups.leaveGroup("g", a.ref); // one join of two left: still a member
    assert.deepEqual(await reached(groups, "t.1"), ["a", "b"]);
    await groups.leaveGroup("g", a.ref);
    assert.deepEqual(await reached(groups, "t.1"), ["b"]);
    await groups.leaveGroup("g", b.ref);
    assert.deepEqual(await reached(groups, "t.1"), []);
    assert.equal(a.received.length, 6);
  });

  it("is emptied when a member's topics change by a second join", async () => {
    await using system = newSystem();
    const { groups, spawn } = await setUp(system);
    const a = spawn("a");
    await groups.joinGroup("g", a.ref, { topics: ["users.new"] });
    assert.deepEqual(await reached(groups, "orders.new"), []);
    await groups.joinGroup("g", a.ref, { topics: ["orders.*"] });
    assert.deepEqual(await reached(groups, "orders.new"), ["a"]);
    assert.deepEqual(await reached(groups, "users.new"), ["a"]);
  });

  it("is emptied when a member stops, and a new actor with its id is reached, not the old one", async () => {
    await using system = newSystem();
    const { groups, spawn } = await setUp(system);
    const a = spawn("a");
    const b = spawn("b");
    await groups.joinGroup("g", a.ref, { topics: ["k.*"] });
    await groups.joinGroup("g", b.ref, { topics: ["k.v"] });
    assert.deepEqual(await reached(groups, "k.v"), ["a", "b"]);
    await a.ref.stop();
    assert.deepEqual(await reached(groups, "k.v"), ["b"]);
    assert.equal(a.received.length, 3);
    // The id comes back as another actor (it may take the stopped one's table slot).
    const again = spawn("a");
    assert.deepEqual(await reached(groups, "k.v"), ["b"]);
    await groups.joinGroup("g", again.ref, { topics: ["k.v"] });
    assert.deepEqual(await reached(groups, "k.v"), ["a", "b"]);
    assert.equal(a.received.length, 3);
    assert.deepEqual(again.received, ["k.v#1", "k.v#2", "k.v#3"]);
  });

  it("still applies exclude to an audience answered from the cache", async () => {
    await using system = newSystem();
    const { groups, spawn } = await setUp(system);
    const a = spawn("a");
    const b = spawn("b");
    await groups.joinGroup("g", a.ref, { topics: ["e.*"] });
    await groups.joinGroup("g", b.ref);
    assert.deepEqual(await reached(groups, "e.f"), ["a", "b"]);
    const result = await groups.publishToGroup("g", "no a", { topic: "e.f", exclude: a.ref });
    assert.deepEqual(result.recipients, ["b"]);
    assert.equal(a.received.at(-1), "e.f#3");
    assert.equal(b.received.at(-1), "no a");
  });

  it("never answers an invalid topic, nor one it matched in another group", async () => {
    await using system = newSystem();
    const { groups, spawn } = await setUp(system);
    await groups.createGroup("h");
    const a = spawn("a");
    await groups.joinGroup("g", a.ref, { topics: ["s.#"] });
    assert.deepEqual(await reached(groups, "s.t"), ["a"]);
    for (let i = 0; i < 3; i++) {
      await assert.rejects(groups.publishToGroup("g", 1, { topic: "s.*" }), InvalidTopicError);
      await assert.rejects(groups.publishToGroup("g", 1, { topic: "s..t" }), InvalidTopicError);
    }
    const other = await groups.publishToGroup("h", 1, { topic: "s.t" });
    assert.deepEqual(other.recipients, []);
  });

  it("gives the same deliveries as a reference matcher while membership changes between publishes", async () => {
    await using system = newSystem();
    const words = ["a", "b", "c"];
    const pool = ["a", "a.b", "a.b.c", "b.c", "c", "c.a.b", "b.b", "a.c.c"];
    for (let round = 0; round < 8; round++) {
      const seed = 0x7e57 + round;
      const next = seeded(seed);
      const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
      const pattern = () =>
        Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(["*", "#", ...words, ...words])).join(
          ".",
        );
      const { groups, spawn } = await setUp(system);
      interface Live {
        recorder: Recorder;
        joins: number;
        topics: string[] | "all";
        expected: unknown[];
      }
      const live = new Map<string, Live>();
      const stopped: Live[] = [];
      const joinOnce = async (id: string) => {
        const member = live.get(id) ?? {
          recorder: spawn(id),
          joins: 0,
          topics: [] as string[] | "all",
          expected: [],
        };
        live.set(id, member);
        const all = next() < 0.1;
        const topics = all ? [] : [pattern()];
        await groups.joinGroup("g", member.recorder.ref as ActorRef, all ? {} : { topics });
        if (all || (member.joins > 0 && member.topics === "all")) member.topics = "all";
        else (member.topics as string[]).push(...topics);
        member.joins++;
      };
      let message = 0;
      for (let step = 0; step < 400; step++) {
        const roll = next();
        const id = `m${Math.floor(next() * 8)}`;
        const member = live.get(id);
        if (roll < 0.12) await joinOnce(id);
        else if (roll < 0.18 && member !== undefined && member.joins > 0) {
          await groups.leaveGroup("g", member.recorder.ref);
          if (--member.joins === 0) member.topics = [];
        } else if (roll < 0.21 && member !== undefined) {
          await member.recorder.ref.stop();
          live.delete(id);
          stopped.push(member);
        } else {
          const topic = pick(pool);
          const reference = new QlobberDedup<string>({
            separator: ".",
            wildcard_one: "*",
            wildcard_some: "#",
          });
          for (const [name, m] of live) {
            if (m.joins === 0) continue;
            for (const p of m.topics === "all" ? ["#"] : m.topics) reference.add(p, name);
          }
          const want = [...reference.match(topic)].sort();
          const result = await groups.publishToGroup("g", ++message, { topic });
          assert.deepEqual(
            [...result.recipients].sort(),
            want,
            `seed ${seed}, step ${step}, topic '${topic}'`,
          );
          for (const name of want) live.get(name)!.expected.push(message);
        }
      }
      for (const m of [...live.values(), ...stopped]) {
        assert.deepEqual(m.recorder.received, m.expected, `seed ${seed}: ${m.recorder.ref.id} received`);
      }
    }
  });
});

// An audience of `members` local members: only the sizes matter to the cache.
const audience = (members: number): Audience => ({
  cells: new Array(members).fill(null),
  localCount: members,
  slots: new Array(members).fill(0),
  behaviours: null,
  contexts: null,
  ids: [],
  remote: new Map(),
  remoteCount: 0,
});

describe("TopicCache", () => {
  it("keeps an audience from a topic's second sighting on", () => {
    const cache = new TopicCache();
    const seen = audience(3);
    cache.set("a.b", seen, true);
    assert.equal(cache.get("a.b"), undefined);
    cache.set("a.b", seen, true);
    assert.equal(cache.get("a.b"), seen);
    cache.clear();
    assert.equal(cache.get("a.b"), undefined);
    assert.equal(cache.size, 0);
  });

  it("forgets first publishes on a change: a topic enters on its second publish after it", () => {
    const cache = new TopicCache();
    const seen = audience(2);
    cache.set("a.b", seen, true);
    cache.clear();
    cache.set("a.b", seen, true);
    assert.equal(cache.get("a.b"), undefined);
    cache.set("a.b", seen, true);
    assert.equal(cache.get("a.b"), seen);
  });

  it("lets topics that recur in a stream of ever new ones enter", () => {
    const cache = new TopicCache();
    const shared = audience(1);
    // 10 recurring topics among 200 000 that appear once: the table of first publishes
    // grows until the recurring ones are told apart from the rest.
    for (let i = 0; i < 200_000; i++) {
      cache.set(i % 2 === 0 ? `once.${i}` : `again.${(i >> 1) % 10}`, shared, false);
    }
    for (let k = 0; k < 10; k++) assert.equal(cache.get(`again.${k}`), shared, `again.${k}`);
    assert.ok(cache.size < 200, `${cache.size} entries`);
  });

  it("starts over when it would hold more topics or member references than its bounds", () => {
    const cache = new TopicCache();
    const shared = audience(1);
    for (let i = 0; i < MAX_CACHED_TOPICS + 10; i++) {
      cache.set(`t${i}`, shared, false);
      cache.set(`t${i}`, shared, false);
      assert.ok(cache.size <= MAX_CACHED_TOPICS);
    }
    assert.equal(cache.size, 10);
    cache.clear();
    const big = audience(MAX_CACHED_REFERENCES / 4);
    for (let i = 0; i < 4; i++) {
      cache.set(`big${i}`, big, true);
      cache.set(`big${i}`, big, true);
    }
    // Four of them (plus an entry each) exceed the bound: the cache started over once.
    assert.ok(cache.size < 4);
    assert.equal(cache.get("big3"), big);
    // An audience larger than the whole bound is never kept.
    const huge = audience(MAX_CACHED_REFERENCES + 1);
    cache.set("huge", huge, true);
    cache.set("huge", huge, true);
    assert.equal(cache.get("huge"), undefined);
  });
});

describe("a TopicCache that does not pay", () => {
  // One publish: the look-up, then (on a miss) what the group tells the cache.
  const publish = (cache: TopicCache, topic: string, audience: Audience): Audience | undefined => {
    const found = cache.get(topic);
    if (found === undefined) cache.set(topic, audience, false);
    return found;
  };

  it("rests after a window with few hits, sampling one publish in CACHE_SAMPLE", () => {
    const cache = new TopicCache();
    const shared = audience(1);
    publish(cache, "hot", shared);
    publish(cache, "hot", shared);
    // A window where a fifth of the look-ups hit: too few to pay for the misses.
    for (let i = 0; i < CACHE_WINDOW; i++) publish(cache, i % 5 === 0 ? "hot" : `new.${i}`, shared);
    assert.equal(cache.isResting, true);
    // Resting, it answers and records only the sampled publishes.
    const answered = Array.from({ length: 4 * CACHE_SAMPLE }, () => publish(cache, "hot", shared));
    assert.equal(answered.filter((a) => a === shared).length, 4);
    for (let i = 0; i < 2 * CACHE_SAMPLE; i++) publish(cache, "other", shared);
    assert.equal(cache.size, 2, "a topic sampled twice entered");
  });

  it("ends its rest once the sampled publishes pay, as a stream that starts to repeat does", () => {
    const cache = new TopicCache();
    const shared = audience(1);
    for (let i = 0; i < CACHE_WINDOW; i++) publish(cache, `new.${i}`, shared);
    assert.equal(cache.isResting, true);
    // Ten topics over and over: the sampled ones enter, then hit.
    let publishes = 0;
    while (cache.isResting && publishes < 100 * CACHE_WINDOW)
      publish(cache, `again.${publishes++ % 10}`, shared);
    assert.equal(cache.isResting, false, `still resting after ${publishes} publishes`);
    assert.ok(publishes <= 2 * CACHE_SAMPLE * CACHE_WINDOW, `${publishes} publishes`);
  });

  it("goes on looking up while a quarter of a window hits", () => {
    const cache = new TopicCache();
    const shared = audience(1);
    publish(cache, "hot", shared);
    publish(cache, "hot", shared);
    for (let window = 0; window < 4; window++) {
      for (let i = 0; i < CACHE_WINDOW; i++)
        publish(cache, i % 4 === 0 ? "hot" : `new.${window}.${i}`, shared);
      assert.equal(cache.isResting, false, `window ${window}`);
    }
  });
});

describe("the caches of every group together", () => {
  it("hold no more than the process-wide bound, however many groups fill theirs", () => {
    const caches: TopicCache[] = [];
    const half = audience(MAX_CACHED_REFERENCES / 2 - 1);
    // Each cache alone stays within its own bound; twenty of them would hold 2.5x the
    // process-wide one.
    for (let c = 0; c < 20; c++) {
      const cache = new TopicCache();
      caches.push(cache);
      cache.set("t", half, true);
      cache.set("t", half, true);
      assert.equal(cache.get("t"), half);
      assert.ok(TopicCache.charged <= MAX_REFERENCES_IN_ALL_CACHES, `${TopicCache.charged} charged`);
    }
    // The earliest were emptied to make room; the latest still answer.
    assert.equal(caches[0]!.get("t"), undefined);
    assert.equal(caches.at(-1)!.get("t"), half);
    const held = caches.reduce((sum, cache) => sum + cache.charged, 0);
    assert.ok(held <= MAX_REFERENCES_IN_ALL_CACHES);
    // A released cache (its group deleted) leaves the account at once.
    const before = TopicCache.charged;
    const last = caches.at(-1)!;
    const itsShare = last.charged;
    assert.ok(itsShare > 0);
    last.release();
    assert.equal(last.charged, 0);
    assert.equal(TopicCache.charged, before - itsShare);
    for (const cache of caches) cache.release();
  });

  it("is left by a group's cache when the group is deleted", async () => {
    const system = new ActorSystem({ nodeId: "account" });
    try {
      const groups = system.groups(freshScope());
      await groups.createGroup("g");
      const actor = system.spawn({ id: "a", ...groups.scope }, () => undefined);
      await groups.joinGroup("g", actor, { topics: ["x.*"] });
      const before = TopicCache.charged;
      for (let i = 0; i < 3; i++) await groups.publishToGroup("g", i, { topic: "x.y" });
      assert.ok(TopicCache.charged > before, "the cache counts in the account");
      await groups.deleteGroup("g");
      assert.equal(TopicCache.charged, before);
    } finally {
      await system.shutdown();
    }
  });
});

describe("Group topic cache", () => {
  it("is emptied when a remote member's state is assigned", () => {
    const group = new Group("g", {}, 0);
    group.assign("r1", "node-b", null, 1, ["x.*"]);
    const split = new TopicPath().read("x.y");
    group.matching(split);
    const first = group.matching(split);
    assert.equal(group.published("x.y"), first);
    assert.equal(first.remoteCount, 1);
    group.assign("r2", "node-c", null, 1, ["#"]);
    assert.equal(group.published("x.y"), undefined);
    group.matching(split);
    assert.equal(group.matching(split).remoteCount, 2);
    group.assign("r1", "node-b", null, 1, ["z"]); // topics changed
    assert.equal(group.published("x.y"), undefined);
    assert.equal(group.matching(split).remoteCount, 1);
    group.assign("r2", "node-c", null, 0, []); // left
    assert.equal(group.published("x.y"), undefined);
    assert.equal(group.matching(split).remoteCount, 0);
  });

  it("tells local and remote members of a shared pattern apart, with one pattern each or more", () => {
    const group = new Group("g", {}, 0);
    const path = new TopicPath().read("x.y");
    // Several members on one pattern: a leaf the audience takes whole.
    group.assign("r1", "node-b", null, 1, ["x.*"]);
    group.assign("r2", "node-b", null, 1, ["x.*"]);
    group.assign("r3", "node-c", null, 1, ["x.*"]);
    group.assign("r4", "node-c", null, 1, ["x.y"]);
    group.assign("r5", "node-c", null, 1, ["z.*"]);
    const whole = group.matching(path);
    assert.deepEqual([...whole.ids].sort(), ["r1", "r2", "r3", "r4"]);
    assert.deepEqual(Object.fromEntries(whole.remote), { "node-b": 2, "node-c": 2 });
    assert.equal(whole.remoteCount, 4);
    assert.equal(whole.localCount, 0);
    assert.deepEqual(whole.cells, []);
    // A member with two matching patterns is in two leaves, and still counted once.
    group.assign("r1", "node-b", null, 1, ["x.*", "x.y"]);
    const deduplicated = group.matching(path);
    assert.deepEqual([...deduplicated.ids].sort(), ["r1", "r2", "r3", "r4"]);
    assert.deepEqual(Object.fromEntries(deduplicated.remote), { "node-b": 2, "node-c": 2 });
    // With it gone, leaves are taken whole again.
    group.assign("r1", "node-b", null, 0, []);
    const after = group.matching(path);
    assert.deepEqual([...after.ids].sort(), ["r2", "r3", "r4"]);
    assert.equal(after.remoteCount, 3);
  });
});
