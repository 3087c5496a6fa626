// The official inference.sh JS SDK (@inferencesh/sdk, pinned in package.json)
// chats with the emulator's template agent, as a user's program would:
//
//   node --import ./conformance/js/register.mjs conformance/js/infsh_agent.mjs URL KEY MODE
//
// MODE "poll": sendMessage with stream: false, so the SDK's pollUntilIdle
// reads GET /chats/{id}/status at each interval and the chat when it changed
// (dist/api/agents.js). MODE "stream": sendMessage with an onMessage callback,
// so the SDK follows GET /chats/{id}/stream (NDJSON) until the chat is idle.
// Both then read the status and the chat once more. The last line of stdout
// is a JSON summary that conformance/test_infsh_js.py checks.
import { Inference } from '@inferencesh/sdk';

const [url, key, mode] = process.argv.slice(2);
if (!url || !key || !['poll', 'stream'].includes(mode)) {
  console.error('usage: infsh_agent.mjs URL KEY poll|stream');
  process.exit(2);
}

const client = new Inference({ apiKey: key, baseUrl: url, pollIntervalMs: 20 });
const agent = client.agent('infsh/assistant@latest');
const summary = { mode };
if (mode === 'poll') {
  const sent = await agent.sendMessage('Hello agent', { stream: false });
  summary.assistantMessage = Boolean(sent.assistantMessage?.id);
} else {
  const seen = [];
  await agent.sendMessage('Hello agent', { onMessage: (m) => seen.push([m.role, m.status]) });
  summary.messages = seen;
}
summary.status = (await client.chats.getStatus(agent.currentChatId)).data;
const chat = await agent.getChat();
summary.chatStatus = chat.status;
summary.reply = (chat.chat_messages ?? []).at(-1)?.content?.map((c) => c.text).join('');
console.log(JSON.stringify(summary));
