// Dragoneye: begin a prediction task and poll its status, with types from
// dist/dragoneye.yaml. The begin call is a form post; the status is a GET with a query.
import type { components, operations } from "../gen/ts/dragoneye";
import { callJSON, type Endpoint, type JSONResponse, type Query } from "./typed";

type BeginForm = components["schemas"]["BeginPredictionTaskForm"];
type Begin = JSONResponse<operations["beginPredictionTask"], 200>;
type StatusQuery = Query<operations["getPredictionTaskStatus"]>;
type Status = JSONResponse<operations["getPredictionTaskStatus"], 200>;

export function dragoneyeEndpoint(baseURL: string, apiKey: string): Endpoint {
  return { baseURL, headers: { "X-API-Key": apiKey } };
}

/** Creates a task for one image; returns its id and where to upload the media. */
export async function begin(ep: Endpoint, form: BeginForm): Promise<{ id: string; uploadURL: string }> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) {
    if (v !== undefined) body.set(k, String(v));
  }
  const resp = await fetch(ep.baseURL.replace(/\/$/, "") + "/prediction-task/begin", {
    method: "POST",
    headers: { ...ep.headers, "Content-Type": "application/x-www-form-urlencoded" },
    body,
  });
  if (!resp.ok) throw new Error(`dragoneye: HTTP ${resp.status}`);
  const task = (await resp.json()) as Begin;
  const upload = task.signed_urls[0];
  if (!upload) throw new Error("dragoneye: no upload URL");
  return { id: task.prediction_task_uuid, uploadURL: upload.presigned_post_request.url };
}

/** The status text of a task ("predicted" when done, "failed..." on failure). */
export async function status(ep: Endpoint, id: string): Promise<string> {
  const query: StatusQuery = { predictionTaskUuid: id };
  const resp = await callJSON<Status>(ep, "GET", "/prediction-task/status", undefined, query);
  return resp.status;
}
