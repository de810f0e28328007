// A server stream that survives drops: it re-opens with exponential backoff and reports
// its state, so the page can say on screen what is happening. Pure logic: the call, the
// clock and the sleep are injected, so the unit tests drive it without a network.
import { Code, ConnectError } from "@connectrpc/connect";

export interface BackoffPolicy {
  /** First delay after a drop, in ms. */
  initialMs: number;
  /** Largest delay, in ms. */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** Fraction of the delay drawn at random (0: none), so many pages do not retry in step. */
  jitter: number;
  /** Delay while the service answers UNIMPLEMENTED (not built or not deployed yet), in ms. */
  unavailableMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 500,
  maxMs: 15_000,
  factor: 2,
  jitter: 0.2,
  unavailableMs: 10_000,
};

/** Delay before attempt `attempt` (1 = first retry). */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  const spread = base * policy.jitter;
  return Math.round(base - spread + 2 * spread * random());
}

export type StreamState =
  | { kind: "connecting"; attempt: number }
  | { kind: "live"; since: number; reconnects: number }
  | { kind: "retrying"; attempt: number; delayMs: number; error: string }
  | { kind: "unavailable"; delayMs: number; error: string }
  | { kind: "denied"; code: "unauthenticated" | "permission_denied"; error: string }
  | { kind: "stopped" };

export interface StreamOptions<T> {
  /** Shown in the status line, e.g. "tracks". */
  name: string;
  /**
   * Opens the call. `onHeader` (give it to the call options) marks the stream live as soon
   * as the server answers with headers; a trailers-only answer (an error) does not.
   */
  open: (signal: AbortSignal, onHeader: (headers: Headers) => void) => AsyncIterable<T>;
  /** Each message, in order. */
  onMessage: (message: T) => void;
  /** Called before each (re)connection, so state built from the stream can be reset. */
  onOpen?: (attempt: number) => void;
  /** Every change of state. */
  onState: (state: StreamState) => void;
  policy?: BackoffPolicy;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

function describe(err: unknown): string {
  if (err instanceof ConnectError) return `${Code[err.code]}: ${err.rawMessage}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs one server stream until stop(): on a drop (error or end of stream) it waits
 * backoffDelay(attempt) and re-opens; UNIMPLEMENTED waits `unavailableMs` and says the
 * service is not available yet; UNAUTHENTICATED and PERMISSION_DENIED stop retrying
 * until restart() (a new key).
 */
export class ResilientStream<T> {
  private controller: AbortController | null = null;
  private runId = 0;
  private reconnects = 0;
  state: StreamState = { kind: "stopped" };
  private readonly policy: BackoffPolicy;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  /** Resolves when the current run loop has ended (for tests). */
  finished: Promise<void> = Promise.resolve();

  constructor(private readonly opts: StreamOptions<T>) {
    this.policy = opts.policy ?? DEFAULT_BACKOFF;
    this.sleep = opts.sleep ?? abortableSleep;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    const run = ++this.runId;
    this.finished = this.loop(controller.signal, run);
  }

  /** Stops and starts again at once (e.g. with a new key or filter). */
  restart(): void {
    this.start();
  }

  stop(): void {
    if (this.controller) {
      this.controller.abort();
      this.controller = null;
      this.setState({ kind: "stopped" });
    }
  }

  private setState(state: StreamState): void {
    this.state = state;
    this.opts.onState(state);
  }

  private async loop(signal: AbortSignal, run: number): Promise<void> {
    let attempt = 0;
    while (!signal.aborted && run === this.runId) {
      this.setState({ kind: "connecting", attempt });
      this.opts.onOpen?.(attempt);
      let wentLive = false;
      let liveSince = 0;
      let messages = 0;
      const live = () => {
        if (!wentLive && !signal.aborted) {
          wentLive = true;
          liveSince = this.now();
          if (attempt > 0) this.reconnects += 1;
          this.setState({ kind: "live", since: liveSince, reconnects: this.reconnects });
        }
      };
      const onHeader = (headers: Headers) => {
        if (!headers.has("grpc-status")) live();
      };
      // After a stream that worked (a message, or live for a while) the backoff starts
      // again from the first delay; a stream that fails at once keeps growing it.
      const nextAttempt = () =>
        wentLive && (messages > 0 || this.now() - liveSince >= this.policy.initialMs * 10)
          ? 1
          : attempt + 1;
      let delay: number;
      try {
        for await (const message of this.opts.open(signal, onHeader)) {
          if (signal.aborted) return;
          live();
          messages++;
          this.opts.onMessage(message);
        }
        if (signal.aborted) return;
        // The server ended the stream: a drop like any other.
        attempt = nextAttempt();
        delay = backoffDelay(attempt, this.policy, this.random);
        this.setState({ kind: "retrying", attempt, delayMs: delay, error: "stream ended" });
      } catch (err) {
        if (signal.aborted) return;
        const code = err instanceof ConnectError ? err.code : Code.Unknown;
        if (code === Code.Unauthenticated || code === Code.PermissionDenied) {
          this.setState({
            kind: "denied",
            code: code === Code.Unauthenticated ? "unauthenticated" : "permission_denied",
            error: describe(err),
          });
          return;
        }
        if (code === Code.Unimplemented) {
          attempt = 0;
          delay = this.policy.unavailableMs;
          this.setState({ kind: "unavailable", delayMs: delay, error: describe(err) });
        } else {
          attempt = nextAttempt();
          delay = backoffDelay(attempt, this.policy, this.random);
          this.setState({ kind: "retrying", attempt, delayMs: delay, error: describe(err) });
        }
      }
      await this.sleep(delay, signal);
    }
  }
}

/** One line for the status bar. */
export function describeState(name: string, s: StreamState, now: number = Date.now()): string {
  switch (s.kind) {
    case "connecting":
      return s.attempt === 0 ? `${name}: connecting…` : `${name}: reconnecting (attempt ${s.attempt})…`;
    case "live":
      return s.reconnects > 0 ? `${name}: live (reconnected ×${s.reconnects})` : `${name}: live`;
    case "retrying":
      return `${name}: stream dropped (${s.error}); retrying in ${(s.delayMs / 1000).toFixed(1)} s`;
    case "unavailable":
      return `${name}: service not available yet (${s.error}); checking again in ${Math.round(s.delayMs / 1000)} s`;
    case "denied":
      return s.code === "unauthenticated"
        ? `${name}: key refused (UNAUTHENTICATED): enter a valid API key`
        : `${name}: this key's role may not use this stream (PERMISSION_DENIED)`;
    case "stopped":
      void now;
      return `${name}: stopped`;
  }
}
