// inference.sh: run an app as a task and read its status, with types from dist/infsh.yaml.
import type { components, operations } from "../gen/ts/infsh";
import { callJSON, type Endpoint, type JSONRequest, type JSONResponse } from "./typed";

type RunRequest = JSONRequest<operations["runApp"]>;
type RunResponse = JSONResponse<operations["runApp"], 200>;
type TaskResponse = JSONResponse<operations["getTask"], 200>;
type TaskStatus = components["schemas"]["TaskStatus"];

export function infshEndpoint(baseURL: string, apiKey: string): Endpoint {
  return { baseURL, headers: { Authorization: `Bearer ${apiKey}` } };
}

/** Starts app with input and returns the new task's id (the envelope's data member). */
export async function runApp(ep: Endpoint, app: string, input: Record<string, unknown>): Promise<string> {
  const body: RunRequest = { app, input, wait: false };
  const resp = await callJSON<RunResponse, RunRequest>(ep, "POST", "/apps/run", body);
  return resp.data.id;
}

/** The numeric status of a task (see TaskStatus in the spec). */
export async function taskStatus(ep: Endpoint, id: string): Promise<TaskStatus | undefined> {
  const resp = await callJSON<TaskResponse>(ep, "GET", `/tasks/${encodeURIComponent(id)}`);
  return resp.data.status;
}
