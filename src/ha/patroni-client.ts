import { PatroniApiError } from './patroni-api-error.js';

/** One member as Patroni's `GET /cluster` lists it (3.0.2). */
export interface PatroniClusterMember {
  name: string;
  role: string;
  state: string;
  api_url?: string;
  host?: string;
  port?: number;
  timeline?: number;
  lag?: number | string;
  tags?: Record<string, unknown>;
}

export interface PatroniClusterState {
  members: PatroniClusterMember[];
  scope?: string;
  pause?: boolean;
}

export interface PatroniClientOptions {
  /** `http://host:port` of one member's REST API. */
  url: string;
  /** Basic authentication for the write endpoints (sent with every request). */
  auth?: { username: string; password: string } | null;
  /** Per request, ms. Default 5000. */
  timeout?: number;
}

/** Patroni's REST API, through Node's fetch: it reports and accepts requests; Patroni decides. */
export class PatroniClient {
  readonly url: string;
  readonly #authorization: string | null;
  readonly #timeout: number;

  constructor(options: PatroniClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    const auth = options.auth ?? null;
    this.#authorization = auth === null ? null : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    this.#timeout = options.timeout ?? 5_000;
  }

  /** `GET /cluster`: every member with its role, state, timeline and lag. */
  async cluster(): Promise<PatroniClusterState> {
    return JSON.parse(await this.request('GET', '/cluster')) as PatroniClusterState;
  }

  /** `GET /patroni`: this member's own status. */
  async status(): Promise<Record<string, unknown>> {
    return JSON.parse(await this.request('GET', '/patroni')) as Record<string, unknown>;
  }

  /** `POST /switchover` (a planned change of leader; `leader` is the current one). */
  async switchover(body: { leader: string; candidate?: string; scheduled_at?: string }): Promise<string> {
    return this.request('POST', '/switchover', body);
  }

  /** `POST /failover` (to `candidate`, whether or not the leader is healthy). */
  async failover(body: { candidate: string; leader?: string }): Promise<string> {
    return this.request('POST', '/failover', body);
  }

  /** Sends one request; the answer's text, or a PatroniApiError with Patroni's reason. */
  async request(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, timeout = this.#timeout): Promise<string> {
    const headers: Record<string, string> = {};
    if (this.#authorization !== null) headers['authorization'] = this.#authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const request = `${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new PatroniApiError('PATRONI_UNREACHABLE', { request, url: this.url, status: null, body: cause?.code ?? cause?.message ?? (error as Error).message, cause: error });
    }
    const text = await response.text();
    if (response.ok) return text;
    const code = response.status === 412 ? 'PATRONI_PRECONDITION_FAILED' : response.status === 401 ? 'PATRONI_UNAUTHORIZED' : 'PATRONI_REQUEST_FAILED';
    throw new PatroniApiError(code, { request, url: this.url, status: response.status, body: text });
  }
}
