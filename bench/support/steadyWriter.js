// A server for the load benchmark: writes LINES_PER_SECOND lines of ~120 bytes to stdout, in
// blocks every 10 ms, and answers /health.
const http = require('node:http');
const fs = require('node:fs');

const perTick = Math.max(1, Math.round(Number(process.env.LINES_PER_SECOND ?? 10000) / 100));
const PAD = 'x'.repeat(90);
let n = 0;
setInterval(() => {
  let s = '';
  for (let i = 0; i < perTick; i++) s += `line ${String(++n).padStart(9, '0')} ${PAD}\n`;
  fs.writeSync(1, s);
}, 10);
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
