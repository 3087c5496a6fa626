// DIAL files at a nested path through openapi-fetch, the fetch client that calls the
// operations openapi-typescript generated from dist/dial.yaml: upload, list the folder,
// download. Built by `make spec-ts` into crosslang/gen/ts-run/ and run with node against
// cmd/emulator by crosslang/python/test_nested_paths.py.
//
// DIAL's {path} holds `/` and OpenAPI 3.0 cannot say that a path parameter spans segments,
// so a generic client escapes it (`a%2Fb`), which DIAL refuses with 400. The bundle says so
// in the FilePath parameter; the fix is a pathSerializer that encodes each segment of
// {path} and keeps the `/` between them.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../gen/ts/dial";

/** openapi-fetch's path serializer for DIAL: {path} by segment, every other parameter whole. */
export function dialPathSerializer(pathname: string, params: Record<string, unknown>): string {
  return pathname.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = String(params[name]);
    return name === "path" ? value.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(value);
  });
}

/** A DIAL client; nested selects dialPathSerializer, otherwise openapi-fetch's default applies. */
export function dialClient(baseUrl: string, apiKey: string, nested: boolean): Client<paths> {
  return createClient<paths>({
    baseUrl,
    headers: { "api-key": apiKey },
    ...(nested ? { pathSerializer: dialPathSerializer } : {}),
  });
}

/** What one round trip saw, for the caller to check. */
export interface RoundTrip {
  uploadStatus: number;
  uploadedName?: string | null;
  listed: (string | null | undefined)[];
  downloaded?: string;
}

/** Uploads text to path (a file below at least one folder), lists its folder, downloads it. */
export async function nestedRoundTrip(client: Client<paths>, path: string, text: string): Promise<RoundTrip> {
  const bucketReply = await client.GET("/v1/bucket");
  if (!bucketReply.data) throw new Error(`GET /v1/bucket: HTTP ${bucketReply.response.status}`);
  const bucket = bucketReply.data.bucket;
  const name = path.slice(path.lastIndexOf("/") + 1);
  const folder = path.slice(0, path.lastIndexOf("/") + 1);

  const up = await client.PUT("/v1/files/{bucket}/{path}", {
    params: { path: { bucket, path } },
    body: { file: text },
    bodySerializer: (body) => {
      const form = new FormData();
      form.append("file", new Blob([body.file ?? ""], { type: "text/plain" }), name);
      return form;
    },
  });
  const out: RoundTrip = { uploadStatus: up.response.status, listed: [] };
  if (!up.data) return out;
  out.uploadedName = up.data.name;

  const list = await client.GET("/v1/metadata/files/{bucket}/{path}", {
    params: { path: { bucket, path: folder } },
  });
  out.listed = (list.data?.items ?? []).map((item) => item.name);

  const down = await client.GET("/v1/files/{bucket}/{path}", {
    params: { path: { bucket, path } },
    parseAs: "text",
  });
  if (typeof down.data === "string") out.downloaded = down.data;
  return out;
}

// node crosslang/gen/ts-run/dial_files.js <base URL> <api key> <path> <default|nested>:
// prints the RoundTrip as JSON.
declare const process: { argv: string[]; exitCode?: number; stdout: { write(s: string): void } };
const [baseUrl, apiKey, path, mode] = process.argv.slice(2);
if (baseUrl && apiKey && path && mode) {
  nestedRoundTrip(dialClient(baseUrl, apiKey, mode === "nested"), path, "hello from openapi-fetch")
    .then((trip) => process.stdout.write(JSON.stringify(trip) + "\n"))
    .catch((err: unknown) => {
      process.stdout.write(JSON.stringify({ error: String(err) }) + "\n");
      process.exitCode = 1;
    });
}
