/**
 * Bad arguments other than names: options of the wrong type, page sizes and forged
 * page tokens, labels, mailbox options and failure policies, a duplicate actor id and a
 * send to a stopped actor. Each is refused with its typed error and code, and leaves
 * the system exactly as it was.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ActorAlreadyExistsError,
  ActorNotFoundError,
  ActorSystem,
  InvalidArgumentError,
  InvalidNameError,
  type SpawnOptions,
} from "../src/index.js";
import { rejectsWith } from "./conformance/world.js";
import { eventually, freshScope, newSystem } from "./support/helpers.js";
import { setUp, state, throwsWith } from "./support/refusals.js";

describe("options", () => {
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

describe("system options, checked like arguments", () => {
  it("refuses an unknown ActorSystem option, naming it", () => {
    assert.throws(
      () => new ActorSystem({ nodeId: "n", nodeid: "x" } as never),
      (error: unknown) =>
        error instanceof InvalidArgumentError &&
        error.code === "INVALID_ARGUMENT" &&
        error.argument.endsWith(".nodeid") &&
        error.message.includes("nodeid"),
    );
  });

  it("refuses a clock that returns NaN, an infinity or a string", () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, "1700000000000"]) {
      throwsWith(
        () => new ActorSystem({ nodeId: "n", clock: () => value as number }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
      );
    }
  });

  it("refuses to create a group when the clock goes bad later, creating nothing", async () => {
    let now: unknown = 1_700_000_000_000;
    await using system = new ActorSystem({ nodeId: "n", clock: () => now as number });
    const groups = system.groups(freshScope());
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, "soon"]) {
      now = value;
      await rejectsWith(groups.createGroup("g"), InvalidArgumentError, "INVALID_ARGUMENT", ["clock"]);
    }
    assert.deepEqual((await groups.listGroups()).groups, []);
    now = 1_700_000_000_000;
    assert.equal((await groups.createGroup("g")).createdAt.getTime(), 1_700_000_000_000);
  });

  it("refuses a cluster option on the constructor: a clustered system is made by start", () => {
    throwsWith(
      () => new ActorSystem({ cluster: { redis: "redis://127.0.0.1:1" } }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
    );
  });

  // Port 1 never answers: a start that tried to connect would not reject with INVALID_ARGUMENT.
  const REDIS = "redis://127.0.0.1:1";
  const badClusters: readonly { what: string; cluster: unknown; names: string }[] = [
    { what: "an unknown key", cluster: { redis: REDIS, prefx: "x" }, names: "cluster.prefx" },
    {
      what: "an onError that is not a function",
      cluster: { redis: REDIS, onError: "log" },
      names: "cluster.onError",
    },
    {
      what: "a prefix with a space",
      cluster: { redis: REDIS, prefix: "has space" },
      names: "cluster.prefix",
    },
    { what: "a prefix with braces", cluster: { redis: REDIS, prefix: "a{b}" }, names: "cluster.prefix" },
    {
      what: "a zero command timeout",
      cluster: { redis: REDIS, commandTimeoutMs: 0 },
      names: "cluster.commandTimeoutMs",
    },
    {
      what: "a fractional offline budget",
      cluster: { redis: REDIS, maxOfflineBytes: 1.5 },
      names: "cluster.maxOfflineBytes",
    },
    { what: "a URL that is not redis://", cluster: { redis: "http://127.0.0.1:1" }, names: "cluster.redis" },
    {
      what: "a node timeout under twice the heartbeat",
      cluster: { redis: REDIS, heartbeatIntervalMs: 1_000, nodeTimeoutMs: 1_999 },
      names: "cluster.nodeTimeoutMs",
    },
    { what: "cluster options that are not an object", cluster: "redis://127.0.0.1:1", names: "cluster" },
  ];
  for (const { what, cluster, names } of badClusters) {
    it(`rejects a start with ${what} before connecting to anything`, async () => {
      await rejectsWith(
        ActorSystem.start({ nodeId: "n", cluster: cluster as never }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
        [names],
      );
    });
  }
});

describe("shutdown options", () => {
  const bad: readonly { what: string; options: unknown }[] = [
    { what: "a drain that is not a boolean", options: { drain: "yes" } },
    { what: "a negative timeout", options: { timeoutMs: -1 } },
    { what: "a fractional timeout", options: { timeoutMs: 1.5 } },
    { what: "an unknown key", options: { drian: true } },
    { what: "options that are not an object", options: "now" },
  ];
  for (const { what, options } of bad) {
    it(`rejects ${what}, stopping nothing, and a later valid shutdown still works`, async () => {
      const system = newSystem();
      const scope = freshScope();
      const groups = system.groups(scope);
      const received: string[] = [];
      const ref = system.spawn<string>({ id: "a", ...scope }, (m) => {
        received.push(m);
      });
      await rejectsWith(system.shutdown(options as never), InvalidArgumentError, "INVALID_ARGUMENT");
      // The refused call set nothing: the system runs on.
      assert.equal(system.isStopped, false);
      assert.equal(system.status, "ready");
      await groups.createGroup("g");
      await groups.joinGroup("g", ref);
      await groups.publishToGroup("g", "still running");
      await eventually("the publish to be handled", () => received.length === 1, 5_000);
      assert.deepEqual(received, ["still running"]);
      await system.shutdown();
      assert.equal(system.isStopped, true);
      assert.equal(system.status, "stopped");
      assert.deepEqual(await ref.stopped, { reason: "shutdown" });
    });
  }
});
