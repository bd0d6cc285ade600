// The console's HTTP client: JSON in and out, the CSRF token on every state-changing request,
// and every failure as an ApiError carrying the server's problem+json.

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: unknown;
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }
  // The last part of the problem type, e.g. "invalid-credentials".
  get slug(): string {
    const t = this.problem.type ?? '';
    return t.slice(t.lastIndexOf(':') + 1);
  }
}

let csrf = '';
let onUnauthorized: (() => void) | null = null;

export function setCsrf(token: string): void {
  csrf = token;
}

// Called when a request made with a session gets 401 (the session expired or was revoked).
export function setUnauthorizedHandler(f: (() => void) | null): void {
  onUnauthorized = f;
}

export interface RequestOptions {
  body?: unknown; // JSON-encoded unless it is a string, Blob or FormData
  contentType?: string;
  signal?: AbortSignal;
  raw?: boolean; // return the Response instead of JSON
}

export async function request<T = any>(
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string' || opts.body instanceof Blob || opts.body instanceof FormData) {
      body = opts.body as BodyInit;
      if (opts.contentType) headers['Content-Type'] = opts.contentType;
    } else {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, { type: 'urn:kenes:problem:network', detail: String(e) });
  }
  if (!res.ok) {
    let problem: Problem = { status: res.status };
    const type = res.headers.get('Content-Type') ?? '';
    if (type.includes('json')) {
      try {
        problem = await res.json();
      } catch {
        /* keep the status */
      }
    }
    if (res.status === 401 && path !== '/api/v1/session' && onUnauthorized) onUnauthorized();
    throw new ApiError(res.status, problem);
  }
  if (opts.raw) return res as unknown as T;
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('Content-Type') ?? '';
  if (type.includes('json')) return (await res.json()) as T;
  return (await res.text()) as unknown as T;
}

// A request whose body is sent with progress reports (fetch cannot report upload progress):
// `onProgress(fraction)` while the bytes go out, then `onProgress(null)` once they are all sent
// and the server is working. Same CSRF, problem+json and 401 handling as request(); an abort
// through `signal` rejects with an AbortError.
export function upload<T = any>(
  method: string,
  path: string,
  body: Blob,
  contentType: string,
  onProgress: (fraction: number | null) => void,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.setRequestHeader('Content-Type', contentType);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.total ? e.loaded / e.total : 1);
    };
    xhr.upload.onload = () => onProgress(null);
    xhr.onload = () => {
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON: keep the status only */
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(parsed as T);
        return;
      }
      if (xhr.status === 401 && onUnauthorized) onUnauthorized();
      reject(new ApiError(xhr.status, (parsed as Problem) ?? { status: xhr.status }));
    };
    xhr.onerror = () =>
      reject(new ApiError(0, { type: 'urn:kenes:problem:network', detail: 'upload failed' }));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

export const api = {
  get: <T = any>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal }),
  post: <T = any>(path: string, body?: unknown, contentType?: string) =>
    request<T>('POST', path, { body, contentType }),
  patch: <T = any>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  put: <T = any>(path: string, body?: unknown, contentType?: string) =>
    request<T>('PUT', path, { body, contentType }),
  del: <T = any>(path: string) => request<T>('DELETE', path),
};

// "?a=1&b=x" from the defined, non-empty entries.
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
