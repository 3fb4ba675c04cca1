/**
 * Topic matching inside a group: AMQP topic-exchange semantics (`*` one segment, `#`
 * zero or more), checked by hand on the cases that matter, then cross-checked against
 * qlobber (configured AMQP-style) on thousands of random patterns and topics.
 *
 * The comparison is on the SET of members: Chorus delivers to each member once however
 * many of its patterns match, while qlobber returns one value per matching pattern.
 * Both what a publish reports and what each actor really receives are compared.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import qlobber from "qlobber";
import { seeded } from "../../bench/seeded.js";
import { segmentHash } from "../../src/groups/topic-path.js";
import type { ActorRef, ActorSystem, ProcessGroups } from "../../src/index.js";
import { freshScope, newSystem } from "../support/helpers.js";

const { Qlobber } = qlobber;

/** Spawns one member per pattern list and returns who a topic reaches. */
async function groupOf(
  system: ActorSystem,
  subscriptions: Record<string, readonly string[] | undefined>,
): Promise<(topic: string) => Promise<string[]>> {
  const scope = freshScope();
  const groups = system.groups(scope);
  await groups.createGroup("g");
  for (const [id, topics] of Object.entries(subscriptions)) {
    const ref = system.spawn({ id, ...scope }, () => {});
    await groups.joinGroup("g", ref, topics === undefined ? {} : { topics });
  }
  return async (topic) => [...(await groups.publishToGroup("g", topic, { topic })).recipients].sort();
}

describe("topic patterns", () => {
  it("match exactly, with * for one segment and # for zero or more, at start, middle and end", async () => {
    await using system = newSystem();
    const reach = await groupOf(system, {
      exact: ["a.b"],
      star: ["a.*"],
      twoStars: ["*.*"],
      hashEnd: ["a.#"],
      hashStart: ["#.c"],
      hashMiddle: ["a.#.c"],
      hashOnly: ["#"],
      starHash: ["*.#"],
      hashStar: ["#.*.c"],
      everything: undefined,
    });
    const always = ["everything", "hashOnly"];
    const expect = async (topic: string, ids: string[]) =>
      assert.deepEqual(await reach(topic), [...ids, ...always].sort(), `topic '${topic}'`);
    await expect("a", ["hashEnd", "starHash"]); // `#` matches zero segments
    await expect("a.b", ["exact", "star", "twoStars", "hashEnd", "starHash"]);
    await expect("a.c", ["star", "twoStars", "hashEnd", "hashStart", "hashMiddle", "starHash", "hashStar"]);
    await expect("c", ["hashStart", "starHash"]);
    await expect("a.b.c", ["hashEnd", "hashStart", "hashMiddle", "starHash", "hashStar"]);
    await expect("a.x.y.c", ["hashEnd", "hashStart", "hashMiddle", "starHash", "hashStar"]);
    await expect("b.c", ["twoStars", "hashStart", "starHash", "hashStar"]);
    await expect("c.a", ["twoStars", "starHash"]);
    await expect("a.b.x", ["hashEnd", "starHash"]);
    await expect("A.b", ["starHash", "twoStars"]); // segments are case-sensitive
  });

  it("merges patterns over a second join and delivers once when several match", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const received: string[] = [];
    const ref = system.spawn<string>({ id: "m", ...scope }, (message) => {
      received.push(message);
    });
    await groups.joinGroup("g", ref, { topics: ["orders.*"] });
    await groups.publishToGroup("g", "u1", { topic: "users.new" });
    await groups.joinGroup("g", ref, { topics: ["users.#", "orders.new"] });
    for (const topic of ["users.new", "orders.new", "orders.old", "users", "billing.new"]) {
      await groups.publishToGroup("g", topic, { topic });
    }
    assert.deepEqual(received, ["users.new", "orders.new", "orders.old", "users"]);
    // One leave of two: still subscribed to both joins' patterns.
    await groups.leaveGroup("g", ref);
    await groups.publishToGroup("g", "users.again", { topic: "users.again" });
    assert.deepEqual(received.at(-1), "users.again");
  });
});

const WORDS = ["a", "b", "c", "d"];

function pattern(next: () => number): string {
  const length = 1 + Math.floor(next() * 5);
  let hashes = 0;
  const segments: string[] = [];
  for (let i = 0; i < length; i++) {
    const roll = next();
    if (roll < 0.15 && hashes < 3) {
      segments.push("#");
      hashes++;
    } else if (roll < 0.35) segments.push("*");
    else segments.push(WORDS[Math.floor(next() * WORDS.length)]!);
  }
  return segments.join(".");
}

function topic(next: () => number): string {
  const length = 1 + Math.floor(next() * 6);
  return Array.from({ length }, () => WORDS[Math.floor(next() * WORDS.length)]!).join(".");
}

interface Subscriber {
  readonly ref: ActorRef<string>;
  readonly received: string[];
  patterns: string[] | "all";
  /** Every pattern handed to qlobber for it, one entry per add. */
  readonly added: string[];
}

describe("exact patterns", () => {
  it("are found by the whole topic, whatever their first segment and length", async () => {
    await using system = newSystem();
    const reach = await groupOf(system, {
      ab: ["a.b"],
      abc: ["a.b.c"],
      ab2: ["a.b"],
      other: ["other.1", "other.2"],
      wild: ["a.*"],
    });
    assert.deepEqual(await reach("a.b"), ["ab", "ab2", "wild"]);
    assert.deepEqual(await reach("a.b.c"), ["abc"]);
    assert.deepEqual(await reach("a.c"), ["wild"]);
    assert.deepEqual(await reach("other.2"), ["other"]);
    assert.deepEqual(await reach("other.3"), []);
    assert.deepEqual(await reach("b"), []);
  });

  it("leave nothing behind when their members leave, and come back on a new join", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const x = system.spawn({ id: "x", ...scope }, () => {});
    const reach = async (topic: string) => [...(await groups.publishToGroup("g", 0, { topic })).recipients];
    await groups.joinGroup("g", x, { topics: ["a.b", "a.b.c"] });
    assert.deepEqual(await reach("a.b.c"), ["x"]);
    await groups.leaveGroup("g", x);
    assert.deepEqual(await reach("a.b.c"), []);
    assert.deepEqual(await reach("a.b"), []);
    await groups.joinGroup("g", x, { topics: ["a.b.c"] });
    assert.deepEqual(await reach("a.b.c"), ["x"]);
    assert.deepEqual(await reach("a.b"), []);
  });
});

describe("topic segments that share a hash", () => {
  // Two different segments with one hash, found by search: the trie keys a literal
  // child by its segment's hash, and must still tell the two apart.
  function collidingSegments(): [string, string] {
    const seen = new Map<number, string>();
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (let n = 0; ; n++) {
      let word = "";
      for (let k = n; word.length < 4 || k > 0; k = Math.floor(k / alphabet.length)) {
        word += alphabet[k % alphabet.length];
      }
      const hash = segmentHash(word);
      const other = seen.get(hash);
      if (other !== undefined) return [other, word];
      seen.set(hash, word);
    }
  }

  it("reach only the members of their own segment, before and after either leaves", async () => {
    const [one, two] = collidingSegments();
    assert.notEqual(one, two);
    assert.equal(segmentHash(one), segmentHash(two));
    await using system = newSystem();
    const scope = freshScope();
    const groups = system.groups(scope);
    await groups.createGroup("g");
    const first = system.spawn({ id: "first", ...scope }, () => {});
    const second = system.spawn({ id: "second", ...scope }, () => {});
    await groups.joinGroup("g", first, { topics: [`a.${one}.*`] });
    await groups.joinGroup("g", second, { topics: [`a.${two}.*`] });
    const reach = async (topic: string) => [...(await groups.publishToGroup("g", 0, { topic })).recipients];
    assert.deepEqual(await reach(`a.${one}.x`), ["first"]);
    assert.deepEqual(await reach(`a.${two}.x`), ["second"]);
    await groups.leaveGroup("g", first);
    assert.deepEqual(await reach(`a.${one}.x`), []);
    assert.deepEqual(await reach(`a.${two}.x`), ["second"]);
    // Joined again, it is first in its chain; leaving takes the head off.
    await groups.joinGroup("g", first, { topics: [`a.${one}.*`] });
    assert.deepEqual(await reach(`a.${one}.x`), ["first"]);
    await groups.leaveGroup("g", first);
    assert.deepEqual(await reach(`a.${one}.x`), []);
    assert.deepEqual(await reach(`a.${two}.x`), ["second"]);
    await groups.leaveGroup("g", second);
    assert.deepEqual(await reach(`a.${two}.x`), []);
  });
});

describe("topic matching against qlobber", () => {
  it("reaches the same set of members on thousands of random patterns and topics", async () => {
    await using system = newSystem();
    let patterns = 0;
    let topics = 0;
    for (let round = 0; round < 40; round++) {
      const seed = 0xc0ffee + round;
      const next = seeded(seed);
      const scope = freshScope();
      const groups: ProcessGroups = system.groups(scope);
      await groups.createGroup("g");
      const matcher = new Qlobber<string>({ separator: ".", wildcard_one: "*", wildcard_some: "#" });
      const members = new Map<string, Subscriber>();
      const subscribe = async (id: string, list: string[] | "all") => {
        const member = members.get(id)!;
        await groups.joinGroup("g", member.ref, list === "all" ? {} : { topics: list });
        if (list === "all" || member.patterns === "all") member.patterns = "all";
        else member.patterns.push(...list);
        for (const p of list === "all" ? ["#"] : list) {
          matcher.add(p, id);
          member.added.push(p);
        }
      };
      for (let i = 0; i < 25; i++) {
        const id = `m${i}`;
        const received: string[] = [];
        const ref = system.spawn<string>({ id, ...scope }, (message) => {
          received.push(message);
        });
        members.set(id, { ref, received, patterns: [], added: [] });
        const all = next() < 0.08;
        const list = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pattern(next));
        patterns += all ? 0 : list.length;
        await subscribe(id, all ? "all" : list);
        if (next() < 0.3) {
          const more = [pattern(next)];
          patterns++;
          await subscribe(id, more); // a second join merges
        }
      }
      // Churn: some members stop, which must prune their patterns from the index.
      for (const [id, member] of members) {
        if (next() < 0.2) {
          await member.ref.stop();
          members.delete(id);
          for (const p of member.added) matcher.remove(p, id);
        }
      }
      const expected = new Map<string, string[]>([...members.keys()].map((id) => [id, []]));
      for (let t = 0; t < 100; t++) {
        const concrete = topic(next);
        topics++;
        const want = [...new Set(matcher.match(concrete))].sort();
        const result = await groups.publishToGroup("g", concrete, { topic: concrete });
        const got = [...result.recipients].sort();
        const differ = [...new Set([...got, ...want])].filter((id) => got.includes(id) !== want.includes(id));
        const why = differ.map((id) => `${id}: ${JSON.stringify(members.get(id)?.patterns)}`).join("; ");
        assert.deepEqual(got, want, `seed ${seed}, topic '${concrete}', differing: ${why}`);
        assert.equal(result.localCount, want.length);
        for (const id of want) expected.get(id)!.push(concrete);
      }
      for (const [id, member] of members) {
        assert.deepEqual(member.received, expected.get(id), `seed ${seed}: what ${id} received`);
      }
    }
    assert.ok(patterns >= 2_000, `${patterns} patterns`);
    assert.ok(topics >= 4_000, `${topics} topics`);
  });
});
