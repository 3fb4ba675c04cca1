import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RedisServer, redisSkipReason } from "./redis-server.js";

const skip = redisSkipReason();

describe("RedisServer (test support)", { skip }, () => {
  it("starts on a free port, restarts on the same port, and stops", async () => {
    const server = await RedisServer.start();
    try {
      assert.match(server.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
      const port = server.port;
      await server.restart();
      assert.equal(server.port, port);
    } finally {
      await server.stop();
    }
  });
});
