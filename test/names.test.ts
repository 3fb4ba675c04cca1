/**
 * Bad input at every entry point: names, ids, topics, labels, page sizes and tokens,
 * mailbox options, duplicate and stopped actors. Each is refused with its typed error
 * and code, and leaves the system exactly as it was.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ActorAlreadyExistsError,
  ActorNotFoundError,
  ActorSystem,
  InvalidArgumentError,
  InvalidNameError,
  InvalidTopicError,
  MAX_TOPIC_LENGTH,
  MAX_TOPIC_SEGMENTS,
  type ProcessGroups,
  type Scope,
  type SpawnOptions,
} from "../src/index.js";
import { rejectsWith } from "./conformance/world.js";
import { freshScope, newSystem } from "./support/helpers.js";

/** Names that no tenant, namespace or group may have. */
const BAD_NAMES: readonly unknown[] = [
  "",
  "a".repeat(129),
  "Upper",
  "has space",
  " lead",
  "..",
  ".",
  "a/b",
  "/",
  "a.b",
  "a\u0000b",
  "a\nb",
  "a\tb",
  "\u007f",
  "é",
  "a*",
  42,
  {},
  [],
  null,
  undefined,
  true,
];

/** Actor ids that are refused: the same, less what actor ids may hold (upper case, `.`). */
const BAD_ACTOR_IDS: readonly unknown[] = [
  "",
  "a".repeat(257),
  "has space",
  "..",
  ".",
  "a/b",
  "/",
  "a\u0000b",
  "a\rb",
  "\u001b[31m",
  "é",
  42,
  { id: "x" },
  null,
  undefined,
];

function throwsWith(action: () => unknown, ErrorClass: new (...args: never[]) => Error, code: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${String(error)}`);
    assert.equal((error as { code?: unknown }).code, code);
    return true;
  });
}

/** Every group of a handle with its members: what a failed call must not change. */
async function state(groups: ProcessGroups): Promise<unknown> {
  const page = await groups.listGroups({ pageSize: 1_000 });
  return Promise.all(
    page.groups.map(async (g) => ({ g, members: (await groups.getMembers(g.name)).sort() })),
  );
}

async function setUp(): Promise<{ system: ActorSystem; scope: Scope; groups: ProcessGroups }> {
  const system = newSystem();
  const scope = freshScope();
  const groups = system.groups(scope);
  await groups.createGroup("g", { labels: { k: "v" } });
  await groups.joinGroup(
    "g",
    system.spawn({ id: "member", ...scope }, () => {}),
  );
  return { system, scope, groups };
}

describe("names", () => {
  it("refuses bad group names everywhere a group is named, changing nothing", async () => {
    const { system, scope, groups } = await setUp();
    const before = await state(groups);
    for (const name of BAD_NAMES) {
      const n = name as string;
      await rejectsWith(groups.createGroup(n), InvalidNameError, "INVALID_NAME");
      await rejectsWith(groups.deleteGroup(n), InvalidNameError, "INVALID_NAME");
      await rejectsWith(groups.joinGroup(n, "member"), InvalidNameError, "INVALID_NAME");
      await rejectsWith(groups.leaveGroup(n, "member"), InvalidNameError, "INVALID_NAME");
      await rejectsWith(groups.getMembers(n), InvalidNameError, "INVALID_NAME");
      await rejectsWith(groups.getLocalMembers(n), InvalidNameError, "INVALID_NAME");
      await rejectsWith(groups.publishToGroup(n, "m"), InvalidNameError, "INVALID_NAME");
      if (name !== undefined) await rejectsWith(groups.watch(n).next(), InvalidNameError, "INVALID_NAME");
    }
    assert.deepEqual(await state(groups), before);
    assert.equal(system.groups(scope), groups, "the same scope gives the same handle");
    await system.shutdown();
  });

  it("accepts a group name of 128 characters of a-z, 0-9, '-' and '_'", async () => {
    await using system = newSystem();
    const groups = system.groups(freshScope());
    const name = `a-_0${"z".repeat(124)}`;
    assert.equal((await groups.createGroup(name)).name, name);
    await rejectsWith(groups.createGroup(`${name}z`), InvalidNameError, "INVALID_NAME", ["128"]);
  });

  it("refuses bad tenant ids and namespaces, for groups and for actors", async () => {
    await using system = newSystem();
    for (const bad of BAD_NAMES) {
      for (const scope of [
        { tenantId: bad, namespace: "ns" },
        { tenantId: "t", namespace: bad },
      ]) {
        throwsWith(() => system.groups(scope as Scope), InvalidNameError, "INVALID_NAME");
        throwsWith(
          () => system.spawn({ id: "a", ...(scope as Scope) }, () => {}),
          InvalidNameError,
          "INVALID_NAME",
        );
      }
    }
    for (const scope of [null, undefined, "t/ns", 42]) {
      throwsWith(() => system.groups(scope as unknown as Scope), InvalidNameError, "INVALID_NAME");
    }
  });

  it("refuses bad actor ids at spawn, join, leave and exclude, and non-string ids", async () => {
    const { system, scope, groups } = await setUp();
    const before = await state(groups);
    for (const id of BAD_ACTOR_IDS) {
      throwsWith(
        () => system.spawn({ id: id as string, ...scope }, () => {}),
        InvalidNameError,
        "INVALID_NAME",
      );
      await rejectsWith(groups.joinGroup("g", id as string), InvalidNameError, "INVALID_NAME");
      await rejectsWith(groups.leaveGroup("g", id as string), InvalidNameError, "INVALID_NAME");
      await rejectsWith(
        groups.publishToGroup("g", "m", { exclude: [id as string] }),
        InvalidNameError,
        "INVALID_NAME",
      );
    }
    assert.deepEqual(await state(groups), before);
    const ok = system.spawn({ id: `Actor-1.x:y@z_${"a".repeat(242)}`, ...scope }, () => {});
    assert.equal(ok.id.length, 256);
    await system.shutdown();
  });

  it("refuses system hooks that are not functions", () => {
    for (const options of [{ clock: "now" }, { clock: 5 }, { onActorError: "log" }, { onActorError: {} }]) {
      throwsWith(() => new ActorSystem(options as never), InvalidArgumentError, "INVALID_ARGUMENT");
    }
  });

  it("refuses watch options that are not an object or a signal that is not an AbortSignal", async () => {
    const { system, groups } = await setUp();
    for (const options of ["x", null, 5, { signal: "soon" }, { signal: { aborted: false } }]) {
      await rejectsWith(groups.watch("g", options as never).next(), InvalidArgumentError, "INVALID_ARGUMENT");
    }
    await system.shutdown();
  });

  it("refuses options that are not objects, changing nothing", async () => {
    const { system, scope, groups } = await setUp();
    const a = system.spawn({ id: "a", ...scope }, () => {});
    const before = await state(groups);
    for (const options of ["x", 5, null, true]) {
      const bad = options as never;
      await rejectsWith(groups.createGroup("new", bad), InvalidArgumentError, "INVALID_ARGUMENT", [
        "createGroup",
      ]);
      await rejectsWith(groups.joinGroup("g", a, bad), InvalidArgumentError, "INVALID_ARGUMENT", [
        "joinGroup",
      ]);
      await rejectsWith(groups.publishToGroup("g", "m", bad), InvalidArgumentError, "INVALID_ARGUMENT");
      await rejectsWith(groups.listGroups(bad), InvalidArgumentError, "INVALID_ARGUMENT");
    }
    assert.deepEqual(await state(groups), before);
    await system.shutdown();
  });

  it("refuses bad node ids", () => {
    for (const nodeId of ["", "has space", "a/b", "a\u0000", "x".repeat(129), 42]) {
      throwsWith(() => new ActorSystem({ nodeId: nodeId as string }), InvalidNameError, "INVALID_NAME");
    }
  });
});

describe("topics", () => {
  it("refuses wildcards, empty segments, bad characters and oversize topics in a publish", async () => {
    const { system, groups } = await setUp();
    const tooLong = "a".repeat(MAX_TOPIC_LENGTH + 1);
    const tooMany = Array.from({ length: MAX_TOPIC_SEGMENTS + 1 }, () => "a").join(".");
    const bad = ["*", "#", "a.*", "#.a", "a.b*", "", ".", "a..b", ".a", "a.", "a b", "a/b", "\u0000"];
    for (const topic of [...bad, tooLong, tooMany, 42, null]) {
      await rejectsWith(
        groups.publishToGroup("g", "m", { topic: topic as string }),
        InvalidTopicError,
        "INVALID_TOPIC",
      );
    }
    const longest = Array.from({ length: MAX_TOPIC_SEGMENTS }, () => "a").join(".");
    assert.equal((await groups.publishToGroup("g", "m", { topic: longest })).recipients.length, 1);
    await system.shutdown();
  });

  it("refuses bad subscription patterns and too many of them, changing nothing", async () => {
    const { system, scope, groups } = await setUp();
    const a = system.spawn({ id: "a", ...scope }, () => {});
    const before = await state(groups);
    for (const topic of ["", "a..b", "a*", "a#", "*a", "a.b#", " ", "a/b", 7]) {
      await rejectsWith(
        groups.joinGroup("g", a, { topics: ["ok", topic as string] }),
        InvalidTopicError,
        "INVALID_TOPIC",
      );
    }
    const many = Array.from({ length: 65 }, (_, i) => `t${i}`);
    await rejectsWith(groups.joinGroup("g", a, { topics: many }), InvalidArgumentError, "INVALID_ARGUMENT");
    await rejectsWith(
      groups.joinGroup("g", a, { topics: "a.b" as unknown as string[] }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
    );
    assert.deepEqual(await state(groups), before);
    await groups.joinGroup("g", a, { topics: ["*.#", "#", "a.*.c", "#.x.#"] });
    await system.shutdown();
  });
});

describe("listGroups arguments", () => {
  it("refuses page sizes of 0, 10 million, 1.5 and non-numbers", async () => {
    const { system, groups } = await setUp();
    for (const pageSize of [0, -5, 10_000_000, 1_001, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "10"]) {
      await rejectsWith(
        groups.listGroups({ pageSize: pageSize as number }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
        ["pageSize"],
      );
    }
    assert.equal((await groups.listGroups({ pageSize: 1_000 })).groups.length, 1);
    await rejectsWith(groups.listGroups("all" as never), InvalidArgumentError, "INVALID_ARGUMENT");
    for (const pattern of ["A", "a/b", "a b", "[a]", "x".repeat(257), 5]) {
      await rejectsWith(
        groups.listGroups({ pattern: pattern as string }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
      );
    }
    await system.shutdown();
  });

  it("refuses forged page tokens: random, tampered, or issued for another scope or pattern", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const groups = system.groups(scope);
    for (const name of ["a", "b", "c", "d"]) await groups.createGroup(name);
    const token = (await groups.listGroups({ pageSize: 1 })).nextPageToken;
    const patterned = (await groups.listGroups({ pageSize: 1, pattern: "*" })).nextPageToken;
    assert.ok(token && patterned);
    const otherScope = system.groups({ tenantId: scope.tenantId, namespace: "other" });
    for (const name of ["a", "b"]) await otherScope.createGroup(name);
    const foreign = (await otherScope.listGroups({ pageSize: 1 })).nextPageToken;
    assert.ok(foreign);
    const flipped = (token[0] === "A" ? "B" : "A") + token.slice(1);
    const forged = [
      "random-string",
      "",
      "%%%",
      `${token}=`,
      token.slice(0, -3),
      flipped,
      token.split("").reverse().join(""),
      "x".repeat(2_000),
      Buffer.from(JSON.stringify({ v: 2, s: "x", p: "", a: "a" })).toString("base64url"),
      Buffer.from("[1,2]").toString("base64url"),
      42,
    ];
    for (const pageToken of forged) {
      await rejectsWith(
        groups.listGroups({ pageSize: 1, pageToken: pageToken as string }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
        ["pageToken"],
      );
    }
    // Issued elsewhere: another scope, another pattern, no pattern where one was given.
    await rejectsWith(
      groups.listGroups({ pageSize: 1, pageToken: foreign }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
    );
    await rejectsWith(
      groups.listGroups({ pageSize: 1, pageToken: patterned }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
    );
    await rejectsWith(
      groups.listGroups({ pageSize: 1, pattern: "a*", pageToken: token }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
    );
    await rejectsWith(
      otherScope.listGroups({ pageSize: 1, pageToken: token }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
    );
    // The genuine one still works.
    assert.deepEqual(
      (await groups.listGroups({ pageSize: 1, pageToken: token })).groups.map((g) => g.name),
      ["b"],
    );
  });
});

describe("labels", () => {
  it("refuses bad labels and creates nothing", async () => {
    const { system, groups } = await setUp();
    const before = await state(groups);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"]));
    const bad: unknown[] = [
      null,
      "team=core",
      ["a"],
      42,
      { "": "v" },
      { Upper: "v" },
      { "a b": "v" },
      { "-lead": "v" },
      { "trail-": "v" },
      { ["k".repeat(65)]: "v" },
      { k: 1 },
      { k: null },
      { k: "line\nbreak" },
      { k: "nul\u0000" },
      { k: "v".repeat(257) },
      many,
    ];
    for (const labels of bad) {
      await rejectsWith(
        groups.createGroup("new", { labels: labels as Record<string, string> }),
        InvalidNameError,
        "INVALID_NAME",
      );
    }
    assert.deepEqual(await state(groups), before);
    await groups.createGroup("new", { labels: { "a.b/c-d_e": "any printable value: ✓", k: "" } });
    await system.shutdown();
  });
});

describe("spawn", () => {
  it("refuses bad mailbox options, failure policies and behaviours", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const bad: unknown[] = [
      { mailbox: { capacity: 0 } },
      { mailbox: { capacity: -1 } },
      { mailbox: { capacity: 1.5 } },
      { mailbox: { capacity: 10_000_001 } },
      { mailbox: { capacity: "10" } },
      { mailbox: { capacity: Number.NaN } },
      { mailbox: { overflow: "drop-all" } },
      { mailbox: null },
      { mailbox: "big" },
      { onError: "explode" },
    ];
    for (const extra of bad) {
      const options = { id: "a", ...scope, ...(extra as object) } as SpawnOptions;
      throwsWith(() => system.spawn(options, () => {}), InvalidArgumentError, "INVALID_ARGUMENT");
    }
    throwsWith(
      () => system.spawn({ id: "a", ...scope }, "nope" as never),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
    );
    throwsWith(() => system.spawn(null as never, () => {}), InvalidArgumentError, "INVALID_ARGUMENT");
    throwsWith(
      () => new ActorSystem({ defaultMailbox: { capacity: 0 } }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
    );
    // None of the refused spawns took the id.
    system.spawn(
      { id: "a", ...scope, mailbox: { capacity: 1, overflow: "reject" }, onError: "resume" },
      () => {},
    );
  });

  it("refuses a second live actor with the same id in a scope, and frees the id when it stops", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const received: string[] = [];
    const first = system.spawn<string>({ id: "dup", ...scope }, (m) => {
      received.push(`first:${m}`);
    });
    assert.throws(
      () => system.spawn({ id: "dup", ...scope }, () => {}),
      (error: unknown) =>
        error instanceof ActorAlreadyExistsError &&
        error.code === "ACTOR_ALREADY_EXISTS" &&
        error.message.includes("dup") &&
        error.message.includes(scope.tenantId),
    );
    await first.send("still-mine");
    system.spawn({ id: "dup", ...freshScope() }, () => {}); // another scope: no clash
    await first.stop();
    const second = system.spawn<string>({ id: "dup", ...scope }, (m) => {
      received.push(`second:${m}`);
    });
    await second.send("hello");
    assert.deepEqual(received, ["first:still-mine", "second:hello"]);
  });

  it("rejects a send to a stopped actor with ActorNotFoundError", async () => {
    await using system = newSystem();
    const scope = freshScope();
    const ref = system.spawn({ id: "gone", ...scope }, () => {});
    await ref.stop();
    await ref.stop(); // idempotent
    await rejectsWith(ref.send("late"), ActorNotFoundError, "ACTOR_NOT_FOUND", ["gone", scope.tenantId]);
  });
});
