// VectorVein: run a workflow without waiting, then check its status, with types from
// dist/vectorvein.yaml. Every reply is an envelope whose `status` (not the HTTP status)
// tells success from failure.
import type { components, operations } from "../gen/ts/vectorvein";
import { callJSON, type Endpoint, type JSONRequest, type JSONResponse } from "./typed";

type RunRequest = JSONRequest<operations["runWorkflow"]>;
type RunReply = JSONResponse<operations["runWorkflow"], 200>;
type StatusRequest = JSONRequest<operations["checkWorkflowStatus"]>;
type StatusReply = JSONResponse<operations["checkWorkflowStatus"], 200>;
type InputField = components["schemas"]["InputField"];
type SuccessStatus = components["schemas"]["SuccessStatus"];

export function vectorveinEndpoint(apiBaseURL: string, apiKey: string): Endpoint {
  return { baseURL: apiBaseURL, headers: { "VECTORVEIN-API-KEY": apiKey } };
}

/** Narrows a reply (success envelope | ErrorEnvelope) to its success envelope. */
function isSuccess<T extends { status: number }>(reply: T): reply is Extract<T, { status: SuccessStatus }> {
  return reply.status >= 200 && reply.status <= 202;
}

/** Starts workflow wid and returns the run id. */
export async function startRun(ep: Endpoint, wid: string, inputs: InputField[]): Promise<string> {
  const body: RunRequest = { wid, output_scope: "output_fields_only", wait_for_completion: false, input_fields: inputs };
  const reply = await callJSON<RunReply, RunRequest>(ep, "POST", "/workflow/run", body);
  if (!isSuccess(reply)) throw new Error(`vectorvein: ${reply.status} ${reply.msg ?? ""}`);
  const data = reply.data;
  if (Array.isArray(data)) throw new Error("vectorvein: finished at once; outputs were returned instead of a run id");
  return data.rid;
}

/** True once the run finished (envelope status 200); 202 means still running. */
export async function finished(ep: Endpoint, rid: string): Promise<boolean> {
  const body: StatusRequest = { rid };
  const reply = await callJSON<StatusReply, StatusRequest>(ep, "POST", "/workflow/check-status", body);
  if (!isSuccess(reply)) throw new Error(`vectorvein: ${reply.status} ${reply.msg ?? ""}`);
  return reply.status === 200;
}
