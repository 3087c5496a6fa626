// DIAL: list deployments, then one chat completion, with types from dist/dial.yaml.
import type { components, operations } from "../gen/ts/dial";
import { callJSON, type Endpoint, type JSONRequest, type JSONResponse } from "./typed";

type ChatRequest = JSONRequest<operations["createChatCompletion"]>;
type ChatResponse = JSONResponse<operations["createChatCompletion"], 200>;
type Deployments = JSONResponse<operations["listDeployments"], 200>;
type Message = components["schemas"]["Message"];

export function dialEndpoint(baseURL: string, apiKey: string): Endpoint {
  return { baseURL, headers: { "api-key": apiKey } };
}

/** The ids of the deployments the caller may use. */
export async function deploymentIds(ep: Endpoint): Promise<string[]> {
  const list = await callJSON<Deployments>(ep, "GET", "/openai/deployments");
  return list.data.map((d) => d.id);
}

/** Asks a deployment one question and returns the text of the first choice. */
export async function ask(ep: Endpoint, deployment: string, question: string): Promise<string> {
  const messages: Message[] = [
    { role: "system", content: "Answer in one sentence." },
    { role: "user", content: question },
  ];
  const body: ChatRequest = { messages, temperature: 0, max_tokens: 64, stream: false };
  const resp = await callJSON<ChatResponse, ChatRequest>(
    ep,
    "POST",
    `/openai/deployments/${encodeURIComponent(deployment)}/chat/completions`,
    body,
  );
  const first = resp.choices[0];
  const content = first?.message.content;
  const used: number | undefined = resp.usage?.total_tokens;
  void used;
  return typeof content === "string" ? content : "";
}
