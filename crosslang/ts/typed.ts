// Small helpers shared by the usage files: pull request and response body types out of
// the `operations` that openapi-typescript generates, and a typed JSON call over fetch.
// Nothing here is service-specific; each <svc>.ts shows how a TypeScript user of the
// bundled spec (dist/<svc>.yaml) would call the service with compile-time checked bodies.

/** The JSON request body of an operation. */
export type JSONRequest<Op> = Op extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;

/** The JSON body of an operation's response with status Code. */
export type JSONResponse<Op, Code extends number> = Op extends {
  responses: { [K in Code]: { content: { "application/json": infer R } } };
}
  ? R
  : never;

/** The query parameters of an operation. */
export type Query<Op> = Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** What every call needs: where the API is and the headers that authenticate it. */
export interface Endpoint {
  baseURL: string;
  headers: Record<string, string>;
}

/** Thrown for a non-2xx answer; carries the status and the raw body text. */
export class HTTPError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

/** Sends one JSON request and decodes the JSON answer as Res. */
export async function callJSON<Res, Req = undefined>(
  ep: Endpoint,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: Req,
  query?: Record<string, string | number | boolean | undefined>,
): Promise<Res> {
  const url = new URL(ep.baseURL.replace(/\/$/, "") + path);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  const headers: Record<string, string> = { Accept: "application/json", ...ep.headers };
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(url, init);
  const text = await resp.text();
  if (!resp.ok) throw new HTTPError(resp.status, text);
  return JSON.parse(text) as Res;
}
