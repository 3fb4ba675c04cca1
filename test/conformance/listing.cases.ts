/**
 * Conformance cases for listGroups: glob patterns, page sizes, and page tokens that
 * walk every page in a stable order with no duplicates, on every node, and are refused
 * when they were not issued for this scope and pattern.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError, type ListGroupsOptions, type ProcessGroups } from "../../src/index.js";
import { freshScope } from "../support/helpers.js";
import { rejectsWith, type World } from "./world.js";

/** Every group name a listing yields, page by page, reading page k from node k % n. */
async function walk(
  w: World,
  options: Omit<ListGroupsOptions, "pageToken">,
): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const handle: ProcessGroups = w.on(pages % w.n);
    const page = await handle.listGroups(token === undefined ? options : { ...options, pageToken: token });
    assert.ok(page.groups.length <= (options.pageSize ?? 100), "a page holds at most pageSize groups");
    names.push(...page.groups.map((g) => g.name));
    token = page.nextPageToken;
    pages++;
    assert.ok(pages < 1_000, "the walk ends");
  } while (token !== undefined);
  return { names, pages };
}

async function createAll(w: World, names: readonly string[]): Promise<void> {
  for (const name of names) await w.on(0).createGroup(name);
  await w.settle();
}

export function listingCases(world: () => World): void {
  describe("listGroups", () => {
    it("lists every group in ascending name order, the same on every node", async () => {
      const w = world();
      const names = ["zeta", "alpha", "m-1", "m_2", "beta", "0-first"];
      await createAll(w, names);
      const views = await w.views((g) => g.listGroups());
      for (const page of views) {
        assert.deepEqual(
          page.groups.map((g) => g.name),
          [...names].sort(),
        );
        assert.equal(page.nextPageToken, undefined);
      }
    });

    it("filters with a glob: * any run, ? one character", async () => {
      const w = world();
      await createAll(w, ["user-1", "user-22", "users", "admin-1", "user-"]);
      const names = async (pattern: string) =>
        (await w.on(w.n - 1).listGroups({ pattern })).groups.map((g) => g.name);
      assert.deepEqual(await names("user-*"), ["user-", "user-1", "user-22"]);
      assert.deepEqual(await names("user-?"), ["user-1"]);
      assert.deepEqual(await names("*-1"), ["admin-1", "user-1"]);
      assert.deepEqual(await names("users"), ["users"]);
      assert.deepEqual(await names("nothing*"), []);
      assert.deepEqual(await names("*"), ["admin-1", "user-", "user-1", "user-22", "users"]);
    });

    it("walks all pages with page tokens, in stable order, with no duplicates", async () => {
      const w = world();
      const names = Array.from({ length: 23 }, (_, i) => `g-${String(i).padStart(2, "0")}`);
      await createAll(w, [...names].reverse());
      for (const pageSize of [1, 5, 7, 23, 1_000]) {
        const { names: seen, pages } = await walk(w, { pageSize });
        assert.deepEqual(seen, names, `pageSize ${pageSize}`);
        assert.equal(pages, Math.ceil(23 / pageSize), `pages at pageSize ${pageSize}`);
      }
      // Exactly full pages end without a token on the last one.
      const { pages } = await walk(w, { pageSize: 23 });
      assert.equal(pages, 1);
    });

    it("walks filtered pages, skipping what the pattern rejects", async () => {
      const w = world();
      const wanted = Array.from({ length: 12 }, (_, i) => `keep-${String(i).padStart(2, "0")}`);
      const noise = Array.from({ length: 12 }, (_, i) => `k-${String(i).padStart(2, "0")}`);
      await createAll(w, [...noise, ...wanted, "zzz"]);
      const { names } = await walk(w, { pattern: "keep-*", pageSize: 5 });
      assert.deepEqual(names, wanted);
      const exact = await walk(w, { pattern: "keep-*", pageSize: 12 });
      assert.equal(exact.pages, 1, "no token when nothing more matches");
    });

    it("keeps its place when groups are created and deleted between pages", async () => {
      const w = world();
      await createAll(w, ["b", "d", "f", "h", "j"]);
      const first = await w.on(0).listGroups({ pageSize: 2 });
      assert.deepEqual(
        first.groups.map((g) => g.name),
        ["b", "d"],
      );
      assert.ok(first.nextPageToken);
      await w.on(0).deleteGroup("d"); // the cursor's own group
      await w.on(0).createGroup("a"); // before the cursor: not seen
      await w.on(0).createGroup("e"); // after it: seen
      await w.settle();
      const names: string[] = [];
      let token: string | undefined = first.nextPageToken;
      while (token !== undefined) {
        const page = await w.on(w.n - 1).listGroups({ pageSize: 2, pageToken: token });
        names.push(...page.groups.map((g) => g.name));
        token = page.nextPageToken;
      }
      assert.deepEqual(names, ["e", "f", "h", "j"]);
    });

    it("reports each group's memberCount", async () => {
      const w = world();
      await createAll(w, ["empty", "full"]);
      const peers = w.spawnMany(3);
      for (const p of peers) await p.join("full");
      await w.settle();
      const page = await w.on(0).listGroups();
      assert.deepEqual(
        page.groups.map((g) => [g.name, g.memberCount]),
        [
          ["empty", 0],
          ["full", 3],
        ],
      );
    });

    it("rejects bad page sizes, patterns and forged tokens with InvalidArgumentError", async () => {
      const w = world();
      await createAll(w, ["a", "b", "c"]);
      const g = w.on(0);
      for (const pageSize of [0, -1, 1.5, 10_000_000, Number.NaN]) {
        await rejectsWith(g.listGroups({ pageSize }), InvalidArgumentError, "INVALID_ARGUMENT", ["pageSize"]);
      }
      await rejectsWith(g.listGroups({ pattern: "A*" }), InvalidArgumentError, "INVALID_ARGUMENT");
      const token = (await g.listGroups({ pageSize: 1 })).nextPageToken;
      assert.ok(token);
      await rejectsWith(
        g.listGroups({ pageSize: 1, pageToken: "not-a-token" }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
        ["pageToken"],
      );
      await rejectsWith(
        g.listGroups({ pageSize: 1, pattern: "*", pageToken: token }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
      );
      const other = w.cluster.nodes[0]!.groups(freshScope("other"));
      await other.createGroup("a");
      await other.createGroup("b");
      await rejectsWith(
        other.listGroups({ pageSize: 1, pageToken: token }),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
      );
    });
  });
}
