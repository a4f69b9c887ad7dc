// The baseline for the log throughput benchmark: the least a JSON-RPC log stream can cost. It
// listens on a unix socket and, to the first client, sends N lines shaped like Runlens log lines
// as notifications of 2,000 lines, with nothing else in the way (no files, no tailing, no ring).
const net = require('node:net');
const rpc = require('vscode-jsonrpc/node');

const [socketPath, countArg] = process.argv.slice(2);
const count = Number(countArg);
const PAD = 'x'.repeat(90);
const server = net.createServer((socket) => {
  const conn = rpc.createMessageConnection(new rpc.SocketMessageReader(socket), new rpc.SocketMessageWriter(socket));
  conn.listen();
  void (async () => {
    for (let i = 0; i < count; i += 2000) {
      const lines = [];
      for (let j = i; j < Math.min(count, i + 2000); j++) {
        lines.push({ seq: j + 1, time: Date.now(), stream: 'stdout', text: `line ${String(j).padStart(9, '0')} ${PAD}`, runId: 'bench', line: j + 1 });
      }
      await conn.sendNotification('bench/lines', { subscriptionId: 1, serverId: 'bench', lines });
    }
  })();
});
server.listen(socketPath, () => process.stdout.write('ready\n'));
