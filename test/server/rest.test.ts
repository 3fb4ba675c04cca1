/**
 * The REST API over real loopback HTTP: every operation of a scope, every error status
 * with its `{ error: { code, message } }` body, bad input answered and the server still
 * healthy afterwards, and the OpenAPI document.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freshScope } from "../support/helpers.js";
import { api, scopePath, startServer, type TestServer } from "../support/server-client.js";

describe("the REST API", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ maxBodyBytes: 64 * 1024 });
  });
  after(async () => {
    await server.close();
  });

  const scope = () => scopePath(freshScope("rest").tenantId);

  it("creates, reads, lists and deletes groups", async () => {
    const s = scope();
    const created = await api(server.url, "POST", `${s}/groups`, {
      body: { name: "orders", labels: { team: "a" } },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(
      { ...created.body, createdAt: typeof created.body.createdAt },
      {
        name: "orders",
        tenantId: s.split("/")[3],
        namespace: "ns",
        labels: { team: "a" },
        createdAt: "string",
        memberCount: 0,
      },
    );
    assert.ok(!Number.isNaN(Date.parse(created.body.createdAt)));
    await api(server.url, "POST", `${s}/groups`, { body: { name: "billing" } });
    const again = await api(server.url, "POST", `${s}/groups`, { body: { name: "orders" } });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "GROUP_ALREADY_EXISTS");
    assert.equal((await api(server.url, "GET", `${s}/groups/orders`)).body.name, "orders");
    const page = await api(server.url, "GET", `${s}/groups?pageSize=1`);
    assert.deepEqual(
      page.body.groups.map((g: { name: string }) => g.name),
      ["billing"],
    );
    const rest = await api(server.url, "GET", `${s}/groups?pageSize=1&pageToken=${page.body.nextPageToken}`);
    assert.deepEqual(
      rest.body.groups.map((g: { name: string }) => g.name),
      ["orders"],
    );
    assert.equal(rest.body.nextPageToken, undefined);
    const matched = await api(server.url, "GET", `${s}/groups?pattern=ord*`);
    assert.deepEqual(
      matched.body.groups.map((g: { name: string }) => g.name),
      ["orders"],
    );
    assert.equal((await api(server.url, "DELETE", `${s}/groups/orders`)).status, 204);
    assert.equal(
      (await api(server.url, "DELETE", `${s}/groups/orders`)).status,
      204,
      "deleting again is fine",
    );
    const gone = await api(server.url, "GET", `${s}/groups/orders`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, "GROUP_NOT_FOUND");
  });

  it("publishes to a group's members and says who it addressed", async () => {
    const s = freshScope("rest");
    const received: unknown[] = [];
    const actor = server.system.spawn({ id: "a1", ...s, namespace: "ns" }, (message) => {
      received.push(message);
    });
    const path = scopePath(s.tenantId);
    await api(server.url, "POST", `${path}/groups`, { body: { name: "g" } });
    await server.system
      .groups({ tenantId: s.tenantId, namespace: "ns" })
      .joinGroup("g", actor, { topics: ["a.*"] });
    const members = await api(server.url, "GET", `${path}/groups/g/members`);
    assert.deepEqual(members.body, { members: ["a1"] });
    assert.deepEqual((await api(server.url, "GET", `${path}/groups/g/members?local=true`)).body, {
      members: ["a1"],
    });
    const sent = await api(server.url, "POST", `${path}/groups/g/publish`, {
      body: { payload: { n: 1 }, topic: "a.b" },
    });
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.body, {
      recipients: ["a1"],
      localCount: 1,
      remoteCount: 0,
      perNode: { "server-node": 1 },
    });
    const missed = await api(server.url, "POST", `${path}/groups/g/publish`, {
      body: { payload: 2, topic: "x.y" },
    });
    assert.deepEqual(missed.body.recipients, []);
    // What an actor gets from the server: the payload in an envelope naming its publisher.
    assert.deepEqual(received, [{ "@chorus": 1, payload: { n: 1 }, from: "rest@server-node", seq: 1 }]);
  });

  it("answers each kind of bad input with its status and code, changing nothing", async () => {
    const s = scope();
    await api(server.url, "POST", `${s}/groups`, { body: { name: "g" } });
    const cases: [string, string, string, Parameters<typeof api>[3], number, string][] = [
      ["a bad group name", "POST", `${s}/groups`, { body: { name: "Bad Name" } }, 400, "INVALID_NAME"],
      ["a bad tenant", "GET", `${scopePath("BAD")}/groups`, {}, 400, "INVALID_NAME"],
      ["a missing name", "POST", `${s}/groups`, { body: {} }, 400, "BAD_REQUEST"],
      ["a name of the wrong type", "POST", `${s}/groups`, { body: { name: 5 } }, 400, "BAD_REQUEST"],
      ["an unknown field", "POST", `${s}/groups`, { body: { name: "h", extra: true } }, 400, "BAD_REQUEST"],
      ["malformed JSON", "POST", `${s}/groups`, { raw: "{not json" }, 400, "BAD_REQUEST"],
      [
        "a publish without a payload",
        "POST",
        `${s}/groups/g/publish`,
        { body: { topic: "a" } },
        400,
        "BAD_REQUEST",
      ],
      [
        "a wildcard topic",
        "POST",
        `${s}/groups/g/publish`,
        { body: { payload: 1, topic: "a.*" } },
        400,
        "INVALID_TOPIC",
      ],
      [
        "a missing group",
        "POST",
        `${s}/groups/nope/publish`,
        { body: { payload: 1 } },
        404,
        "GROUP_NOT_FOUND",
      ],
      ["a bad page size", "GET", `${s}/groups?pageSize=0`, {}, 400, "INVALID_ARGUMENT"],
      ["a forged page token", "GET", `${s}/groups?pageToken=abc`, {}, 400, "INVALID_ARGUMENT"],
      [
        "a body over the limit",
        "POST",
        `${s}/groups/g/publish`,
        { body: { payload: "x".repeat(100_000) } },
        413,
        "PAYLOAD_TOO_LARGE",
      ],
      ["an unknown route", "GET", "/v1/nothing/here", {}, 404, "NOT_FOUND"],
      ["a leave of an unknown member", "GET", `${s}/groups/g/members?local=maybe`, {}, 400, "BAD_REQUEST"],
    ];
    for (const [what, method, path, options, status, code] of cases) {
      const answer = await api(server.url, method, path, options);
      assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, code, what);
      assert.equal(typeof answer.body.error.message, "string", what);
    }
    const listed = await api(server.url, "GET", `${s}/groups`);
    assert.deepEqual(
      listed.body.groups.map((g: { name: string }) => g.name),
      ["g"],
      "nothing was created",
    );
    assert.equal((await api(server.url, "GET", "/healthz")).status, 200, "the server is still healthy");
  });

  it("serves an OpenAPI document of every route, and health", async () => {
    const doc = await api(server.url, "GET", "/v1/openapi.json");
    assert.equal(doc.status, 200);
    assert.match(doc.body.openapi, /^3\./);
    const paths = Object.keys(doc.body.paths);
    for (const path of [
      "/v1/tenants/{tenantId}/namespaces/{namespace}/groups",
      "/v1/tenants/{tenantId}/namespaces/{namespace}/groups/{group}",
      "/v1/tenants/{tenantId}/namespaces/{namespace}/groups/{group}/members",
      "/v1/tenants/{tenantId}/namespaces/{namespace}/groups/{group}/publish",
    ]) {
      assert.ok(paths.includes(path), `${path} in ${paths}`);
    }
    assert.deepEqual((await api(server.url, "GET", "/healthz")).body, { status: "ok" });
    assert.deepEqual((await api(server.url, "GET", "/readyz")).body, { status: "ready" });
  });
});
