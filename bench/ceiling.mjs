// The bench's ceiling: a bare node:http server in its own process, answering every request (after reading its body)
// with the status, content type and body bench/run.ts last sent it over IPC — the same bytes the operation measured
// on iamlocal answered, served from memory. Plain JavaScript, so no loader runs in it.
import http from 'node:http';

let answer = { status: 200, contentType: 'text/xml', body: Buffer.from('<ok/>') };
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': answer.body.length });
    res.end(answer.body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  answer = { status: m.status, contentType: m.contentType, body: Buffer.from(m.body, 'base64') };
  process.send({ ok: true });
});
process.on('disconnect', () => process.exit(0));
