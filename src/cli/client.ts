/**
 * What the `chorus` command says to a server: one function per REST call, and a
 * WebSocket member for `subscribe`. Errors come back as ChorusHttpError with the
 * server's code and message, or a plain Error when the server cannot be reached.
 */
import WebSocket from "ws";

export interface Connection {
  /** Base URL of the server, e.g. http://127.0.0.1:7420. */
  readonly server: string;
  readonly token: string | undefined;
  readonly tenant: string;
  readonly namespace: string;
}

export class ChorusHttpError extends Error {
  override name = "ChorusHttpError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function scopePath(c: Connection): string {
  return `${c.server.replace(/\/+$/, "")}/v1/tenants/${encodeURIComponent(c.tenant)}/namespaces/${encodeURIComponent(c.namespace)}`;
}

/** Calls the server; resolves with the JSON body (undefined for 204), rejects with its error. */
export async function call(c: Connection, method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${scopePath(c)}${path}`, {
      method,
      headers: {
        ...(c.token !== undefined && { authorization: `Bearer ${c.token}` }),
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    throw new Error(`cannot reach the server at ${c.server} (${cause})`);
  }
  if (response.status === 204) return undefined;
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ChorusHttpError(
      response.status,
      "BAD_RESPONSE",
      `the server answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } }).error;
    throw new ChorusHttpError(
      response.status,
      error?.code ?? "ERROR",
      error?.message ?? `status ${response.status}`,
    );
  }
  return json;
}

export interface Delivery {
  readonly group: string;
  readonly topic: string | null;
  readonly payload: unknown;
  readonly from: string | null;
  readonly seq: number | null;
}

/**
 * Joins `group` as a WebSocket member and calls `onMessage` for each message until the
 * signal aborts (then leaves and resolves) or the server closes the socket (rejects).
 */
export function subscribe(
  c: Connection,
  group: string,
  options: { topics?: readonly string[]; actorId?: string; signal: AbortSignal },
  onMessage: (delivery: Delivery) => void,
): Promise<void> {
  const url = new URL(`${scopePath(c).replace(/^http/, "ws")}/ws`);
  if (options.actorId !== undefined) url.searchParams.set("actorId", options.actorId);
  const socket = new WebSocket(url, {
    ...(c.token !== undefined && { headers: { authorization: `Bearer ${c.token}` } }),
  });
  return new Promise((resolve, reject) => {
    let joined = false;
    options.signal.addEventListener("abort", () => socket.close(1000, "done"), { once: true });
    socket.on("open", () => {
      socket.send(
        JSON.stringify({
          type: "join",
          group,
          id: "join",
          ...(options.topics && { topics: options.topics }),
        }),
      );
    });
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (frame.type === "message") onMessage(frame as unknown as Delivery);
      else if (frame.type === "ack" && frame.id === "join") joined = true;
      else if (frame.type === "error") {
        const error = frame.error as { code: string; message: string };
        if (!joined) socket.close(1000, "join refused");
        reject(new ChorusHttpError(0, error.code, error.message));
      }
    });
    socket.on("unexpected-response", (_request, response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => {
        text += String(chunk);
      });
      response.on("end", () => {
        const error = (JSON.parse(text || "{}") as { error?: { code?: string; message?: string } }).error;
        reject(new ChorusHttpError(response.statusCode ?? 0, error?.code ?? "ERROR", error?.message ?? text));
      });
    });
    socket.on("error", (error) =>
      reject(new Error(`cannot reach the server at ${c.server} (${error.message})`)),
    );
    socket.on("close", (code, reason) => {
      if (options.signal.aborted) resolve();
      else
        reject(
          new ChorusHttpError(0, "CLOSED", `the server closed the connection (${code} ${String(reason)})`),
        );
    });
  });
}
