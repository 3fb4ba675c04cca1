/**
 * Redis for the multi-node examples: REDIS_URL when it is set; otherwise a throwaway
 * redis-server of the example's own on a free loopback port, with no persistence,
 * stopped at the end.
 */
import { spawn } from "node:child_process";
import { createServer, Socket } from "node:net";

export interface ExampleRedis {
  readonly url: string;
  /** True when the example started this server itself. */
  readonly isOwn: boolean;
  stop(): void;
}

export async function exampleRedis(): Promise<ExampleRedis> {
  const given = process.env.REDIS_URL;
  if (given !== undefined && given !== "") return { url: given, isOwn: false, stop: () => undefined };
  const port = await freePort();
  const server = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(new Error(`cannot start redis-server (${error.message}): install it, or set REDIS_URL`)),
    );
    server.once("spawn", () => resolve());
  });
  const deadline = Date.now() + 5_000;
  while (!(await isOpen(port))) {
    if (Date.now() > deadline) {
      server.kill("SIGKILL");
      throw new Error("redis-server did not start");
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url: `redis://127.0.0.1:${port}`, isOwn: true, stop: () => server.kill("SIGKILL") };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function isOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
  });
}
