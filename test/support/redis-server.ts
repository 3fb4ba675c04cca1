/**
 * A redis-server owned by one test file: started on a free loopback port with no
 * persistence (unless asked), stopped afterwards. Tests never use a server someone
 * else started.
 *
 * Where the `redis-server` binary is missing, `redisSkipReason()` says so loudly and
 * the tests skip — except in CI (CI=true), where a missing server is a failure.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

let binary: string | null | undefined;

function findBinary(): string | null {
  if (binary !== undefined) return binary;
  try {
    binary = execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || null;
  } catch {
    binary = null;
  }
  return binary;
}

/**
 * Undefined when Redis tests can run; otherwise the reason to skip. Throws in CI,
 * where the server must be there.
 */
export function redisSkipReason(): string | undefined {
  if (findBinary() !== null) return undefined;
  const reason = "redis-server is not installed: SKIPPING every Redis test (apt-get install redis-server)";
  if (process.env.CI === "true") throw new Error(`${reason} — but CI=true, where it is required`);
  console.warn(`\n!!! ${reason}\n`);
  return reason;
}

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === "object" && address !== null) resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

export interface RedisServerOptions {
  /** Keep an append-only file, so a restart keeps the data. Default: false. */
  readonly appendOnly?: boolean;
  /** Extra `--name value` arguments. */
  readonly args?: readonly string[];
}

export class RedisServer {
  #process: ChildProcess | null = null;
  readonly #dir: string;

  private constructor(
    readonly port: number,
    readonly options: RedisServerOptions,
  ) {
    this.#dir = mkdtempSync(join(tmpdir(), "chorus-redis-"));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The server process id, for signals (SIGSTOP to stall it). */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options);
    await server.#launch();
    return server;
  }

  /** Stops the server (SIGKILL, like a crash) and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.#kill();
    await this.#launch();
  }

  /** Kills the server (SIGKILL) and leaves it down until `relaunch`: Redis is away. */
  async kill(): Promise<void> {
    await this.#kill();
  }

  /** Starts a killed server again on the same port, with the same files. */
  async relaunch(): Promise<void> {
    await this.#launch();
  }

  async stop(): Promise<void> {
    await this.#kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #launch(): Promise<void> {
    const bin = findBinary();
    if (bin === null) throw new Error("redis-server is not installed");
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--dir",
      this.#dir,
      "--save",
      "",
      "--appendonly",
      this.options.appendOnly ? "yes" : "no",
      "--appendfsync",
      "always",
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
      ...(this.options.args ?? []),
    ];
    const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
    this.#process = child;
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start on ${this.port}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async #kill(): Promise<void> {
    const child = this.#process;
    this.#process = null;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await exited;
  }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}
