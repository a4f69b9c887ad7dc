// A server for the log benchmarks: on GET /burst?lines=N it writes N lines of ~120 bytes to stdout
// in blocks; on GET /tick it writes one line stamped with the time; /health answers ok.
const http = require('node:http');
const fs = require('node:fs');

const PAD = 'x'.repeat(90);
function burst(n) {
  const block = 1000;
  for (let i = 0; i < n; i += block) {
    let s = '';
    for (let j = i; j < Math.min(n, i + block); j++) s += `line ${String(j).padStart(9, '0')} ${PAD}\n`;
    fs.writeSync(1, s);
  }
}
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/burst') burst(Number(url.searchParams.get('lines')));
  else if (url.pathname === '/tick') fs.writeSync(1, `tick ${process.hrtime.bigint()}\n`);
  res.end('ok');
}).listen(Number(process.env.PORT), '127.0.0.1');
