// ws_peer.cjs: Node's ws (the copy test/bench/baseline pins) over wss in
// one room of the relay: two sockets trusting only the test CA, a create,
// a join, N messages each way checked in order, a clean close. Exit 0, or
// 1 with one line saying what went wrong. Run by test/tls/test_tls.py with
// NODE_PATH set to that copy's node_modules (require, not import: NODE_PATH
// serves only require).
//
//   node ws_peer.cjs URL CA_FILE ROOM_KEY N
'use strict';
const fs = require('fs');
const WebSocket = require('ws');

const [url, caFile, key, nArg] = process.argv.slice(2);
const n = Number(nArg);
const ca = fs.readFileSync(caFile);

function fail(why) {
  console.log('ws_peer: ' + why);
  process.exit(1);
}

setTimeout(() => fail('timeout'), 15000).unref();

// A socket whose text messages arrive in order through next().
function open() {
  const ws = new WebSocket(url, { ca, servername: 'sanctuary.test' });
  const queue = [];
  let waiting = null;
  ws.on('message', (data, isBinary) => {
    if (isBinary) fail('binary frame');
    const s = data.toString();
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(s);
    } else queue.push(s);
  });
  ws.on('error', (e) => fail('socket error: ' + e.message));
  ws.next = () => new Promise((resolve) => {
    if (queue.length) resolve(queue.shift());
    else waiting = resolve;
  });
  return new Promise((resolve) => ws.on('open', () => resolve(ws)));
}

async function expect(ws, want) {
  const got = await ws.next();
  if (got !== want && !(want.endsWith('*') && got.startsWith(want.slice(0, -1))))
    fail(`got "${got.slice(0, 80)}", want "${want}"`);
}

async function main() {
  const a = await open();
  const tls = a._socket;
  if (tls.getProtocol() !== 'TLSv1.3') fail('protocol ' + tls.getProtocol());
  a.send(`create 1 ${key} na everyone`);
  await expect(a, 'welcome *');
  const b = await open();
  b.send(`join 1 ${key} nb`);
  await expect(b, 'welcome *');
  await expect(a, 'joined nb');
  for (let i = 0; i < n; i++) a.send(`msg a${i}`);
  for (let i = 0; i < n; i++) b.send(`msg b${i}`);
  for (let i = 0; i < n; i++) await expect(b, `msg na a${i}`);
  for (let i = 0; i < n; i++) await expect(a, `msg nb b${i}`);
  const closed = new Promise((resolve) => b.on('close', resolve));
  b.close(1000);
  const code = await closed;
  if (code !== 1000) fail('close code ' + code);
  await expect(a, 'left nb');
  a.close(1000);
  console.log('ok ' + tls.getCipher().name);
}

main().catch((e) => fail(String(e)));
