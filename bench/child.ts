/**
 * A benchmark's child process, driven over IPC: it gets its config as JSON in an
 * environment variable, says `ready`, then answers each request `{ id, op, … }` with a
 * `reply` or a `failed` of the same id. Used by the cross-process scenarios.
 * CLUSTER_BENCH_PROFILE=<dir> writes a CPU profile of every child there.
 */
import { type ChildProcess, fork } from "node:child_process";

/** What a child sends back. */
export type ChildMessage =
  | { readonly type: "ready" }
  | { readonly type: "reply"; readonly id: number; readonly result: unknown }
  | { readonly type: "failed"; readonly id: number | null; readonly error: string };

type Body<T> = T extends unknown ? Omit<T, "id"> : never;

const PROFILE_DIR = process.env.CLUSTER_BENCH_PROFILE;

export class BenchChild<Request extends { readonly id: number; readonly op: string }> {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;
  #next = 1;

  constructor(script: string, envName: string, config: unknown, label: string) {
    this.#child = fork(script, [], {
      env: { ...process.env, [envName]: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      execArgv: PROFILE_DIR === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`],
    });
    this.ready = new Promise((resolve, reject) => {
      this.#child.once("exit", (code) => {
        const error = new Error(`${label} exited (${code})`);
        reject(error);
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      });
      this.#child.on("message", (raw) => {
        const message = raw as ChildMessage;
        if (message.type === "ready") return resolve();
        const id = message.id;
        if (id === null)
          return reject(new Error(`${label}: ${message.type === "failed" ? message.error : ""}`));
        const pending = this.#pending.get(id);
        this.#pending.delete(id);
        if (message.type === "reply") pending?.resolve(message.result);
        else pending?.reject(new Error(`${label}: ${message.error}`));
      });
    });
  }

  ask<T>(request: Body<Request>, timeoutMs = 60_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${request.op} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#child.send({ id, ...request });
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    await this.ask({ op: "close" } as Body<Request>, 5_000).catch(() => this.#child.kill("SIGKILL"));
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
