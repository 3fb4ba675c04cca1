/**
 * NodeProcess: a test's handle on one node running in a child process (cluster-node.ts).
 * It starts the child, sends it typed commands and waits for the answers (each with a
 * deadline, so a stopped or dead node fails the test instead of hanging it), and
 * delivers signals: SIGKILL for a crash, SIGSTOP/SIGCONT for a pause.
 *
 * Every child started here is remembered until it exits; `killAllNodes()` (call it in
 * an `after` hook) and the test process's own exit kill whatever is left, so no node
 * outlives its test file. It does not retry or interpret anything: what a node
 * answered, or that it did not, is the test's to judge.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Command, NodeConfig, NodeMessage, Op, Results, WireError } from "./cluster-protocol.js";

const NODE_SCRIPT = fileURLToPath(new URL("./cluster-node.js", import.meta.url));
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 15_000;

/** An error a node process answered with: the class name and code it saw there. */
export class RemoteError extends Error {
  readonly code: string | undefined;
  readonly remoteName: string;
  readonly missingNodes: readonly string[] | undefined;

  constructor(nodeId: string, op: string, wire: WireError) {
    super(`node ${nodeId} failed '${op}': ${wire.name}: ${wire.message}`);
    this.name = "RemoteError";
    this.code = wire.code;
    this.remoteName = wire.name;
    this.missingNodes = wire.missingNodes;
  }
}

interface Pending {
  readonly op: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const live = new Set<NodeProcess>();
process.once("exit", () => {
  for (const node of live) node.kill();
});

export interface StartOptions {
  /** Copy the node's stdout to this process's stdout, line by line. Default: false (kept in `output`). */
  readonly echo?: boolean;
}

export class NodeProcess {
  readonly nodeId: string;
  readonly config: NodeConfig;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  readonly exited: Promise<number | string>;
  #nextId = 1;
  #output = "";
  #isPaused = false;

  private constructor(config: NodeConfig, child: ChildProcess) {
    this.nodeId = config.nodeId;
    this.config = config;
    this.#child = child;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        live.delete(this);
        for (const [id, pending] of this.#pending) {
          clearTimeout(pending.timer);
          pending.reject(new Error(`node ${this.nodeId} exited (${signal ?? code}) before answering #${id}`));
        }
        this.#pending.clear();
        resolve(signal ?? code ?? "unknown");
      });
    });
  }

  /** Starts a node process and resolves once its system is up. */
  static async start(config: NodeConfig, options: StartOptions = {}): Promise<NodeProcess> {
    const child = fork(NODE_SCRIPT, [], {
      env: { ...process.env, CHORUS_NODE: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      execArgv: [], // not the test runner's flags
      serialization: "json",
    });
    const node = new NodeProcess(config, child);
    live.add(node);
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      node.#output += text;
      if (options.echo) process.stdout.write(text);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", (chunk: Buffer) => {
      node.#output += chunk.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`node ${config.nodeId} did not start: ${node.#output}`)),
        START_TIMEOUT_MS,
      );
      child.on("message", (raw) => {
        const message = raw as NodeMessage;
        if (message.type === "ready") {
          clearTimeout(timer);
          resolve();
        } else if (message.type === "failed") {
          clearTimeout(timer);
          reject(new RemoteError(config.nodeId, "start", message.error));
        } else node.#answer(message);
      });
      void node.exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`node ${config.nodeId} exited (${how}) while starting: ${node.#output}`));
      });
    });
    try {
      await ready;
    } catch (error) {
      node.kill();
      throw error;
    }
    return node;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Everything the node printed, stdout and stderr, for a failure message. */
  get output(): string {
    return this.#output;
  }

  get isAlive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get isPaused(): boolean {
    return this.#isPaused;
  }

  /** Sends a command and waits for its answer; rejects with RemoteError for an error the node reported. */
  request<O extends Op>(
    command: Extract<Command, { op: O }>,
    timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ): Promise<Results[O]> {
    if (!this.isAlive) return Promise.reject(new Error(`node ${this.nodeId} is not running`));
    const id = this.#nextId++;
    return new Promise<Results[O]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`node ${this.nodeId} did not answer '${command.op}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { op: command.op, resolve: resolve as (value: unknown) => void, reject, timer });
      this.#child.send({ id, ...command }, (error) => {
        if (error === null) return;
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(error);
      });
    });
  }

  /** A crash: SIGKILL, no goodbye. Resolves once the process is gone. */
  async crash(): Promise<void> {
    this.kill();
    await this.exited;
  }

  /** Freezes the process (SIGSTOP): its timers, sockets and heartbeats all stop. */
  pause(): void {
    this.#child.kill("SIGSTOP");
    this.#isPaused = true;
  }

  /** Lets a paused process run again (SIGCONT). */
  resume(): void {
    this.#child.kill("SIGCONT");
    this.#isPaused = false;
  }

  /** Asks the node to shut down cleanly; kills it if it does not exit in time. */
  async shutdown(timeoutMs = 5_000): Promise<void> {
    if (!this.isAlive) return;
    if (this.#isPaused) this.resume();
    try {
      await this.request({ op: "shutdown" }, timeoutMs);
    } catch {
      // It could not say goodbye; it goes anyway.
    }
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the process at once, wherever it is; safe to call on a dead one. */
  kill(): void {
    if (!this.isAlive) return;
    this.#child.kill("SIGCONT");
    this.#child.kill("SIGKILL");
  }

  #answer(message: NodeMessage): void {
    if (message.type !== "response") return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return; // answered after its deadline; the test has moved on
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new RemoteError(this.nodeId, pending.op, message.error));
  }
}

/** Kills every node process still running; for `after` hooks. */
export async function killAllNodes(): Promise<void> {
  const nodes = [...live];
  for (const node of nodes) node.kill();
  await Promise.all(nodes.map((node) => node.exited));
}
