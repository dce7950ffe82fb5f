// Real third-party subscription clients against the gateway: graphql-sse (distinct
// connections mode) and graphql-ws (graphql-transport-ws). Subscribes with both to
// the given job ids and prints every payload each client received, as one JSON line.
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, ...ids] = process.argv.slice(2);
const query = 'subscription($ids: [ID!]) { jobStatusChanged(ids: $ids) { id status job { id status } } }';

function collect(client) {
  const received = [];
  return new Promise((resolve, reject) => {
    client.subscribe(
      { query, variables: { ids } },
      { next: (value) => received.push(value), error: reject, complete: () => resolve(received) },
    );
  });
}

const sse = createSseClient({ url, singleConnection: false });
const ws = createWsClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
try {
  const [viaSse, viaWs] = await Promise.all([collect(sse), collect(ws)]);
  console.log(JSON.stringify({ sse: viaSse, ws: viaWs }));
} finally {
  sse.dispose();
  await ws.dispose();
}
