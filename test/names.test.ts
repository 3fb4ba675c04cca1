/**
 * Bad names and topics at every entry point: empty, overlong, upper-case, spaced, `..`,
 * `/`, NUL and other control characters, non-string ids, wildcards and empty segments
 * in topics. Each is refused with its typed error and code, and leaves the system
 * exactly as it was.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ActorSystem,
  InvalidArgumentError,
  InvalidNameError,
  InvalidTopicError,
  MAX_TOPIC_LENGTH,
  MAX_TOPIC_SEGMENTS,
  type Scope,
} from "../src/index.js";
import { rejectsWith } from "./conformance/world.js";
import { freshScope, newSystem } from "./support/helpers.js";
import { setUp, state, throwsWith } from "./support/refusals.js";

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
  "a.b", // a group may hold a dot (tested below); a tenant or namespace may not
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

describe("names", () => {
  it("refuses bad group names everywhere a group is named, changing nothing", async () => {
    const { system, scope, groups } = await setUp();
    const before = await state(groups);
    for (const name of BAD_NAMES.filter((n) => n !== "a.b")) {
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

  it("takes group names with dots, as `svc.api`, and finds them by a glob", async () => {
    const { groups } = await setUp();
    await groups.createGroup("svc.api");
    await groups.createGroup("svc.search.v2");
    await groups.createGroup("svcxapi");
    const page = await groups.listGroups({ pattern: "svc.*" });
    assert.deepEqual(
      page.groups.map((g) => g.name),
      ["svc.api", "svc.search.v2"],
    );
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
