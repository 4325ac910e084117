// The benchmark baseline: the room relay a typical Node developer would write
// on ws, speaking the subset of the Sanctuary protocol the load generator
// uses (create, join, msg; joined and left notices), plus a static HTTP
// server for the page. Deliberately plain, not tuned.
//
//   node relay.mjs WS_PORT HTTP_PORT PAGE_FILE [CERT KEY]
//
// With CERT and KEY (PEM) the WebSocket port speaks wss (node:https under
// ws, as its README shows), for the benchmark's TLS scenarios.
// Prints "listening" once both servers listen on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { WebSocketServer } from 'ws';

const [wsPort, httpPort, pageFile, certFile, keyFile] = process.argv.slice(2);
if (!wsPort || !httpPort || !pageFile) {
  console.error('usage: node relay.mjs WS_PORT HTTP_PORT PAGE_FILE');
  process.exit(2);
}

const page = readFileSync(pageFile);
const rooms = new Map(); // room key -> Map(alias -> ws)

function broadcast(room, except, text) {
  for (const [alias, ws] of room) {
    if (alias !== except) ws.send(text);
  }
}

let wss;
let tlsServer = null;
if (certFile && keyFile) {
  tlsServer = https.createServer({
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
  });
  wss = new WebSocketServer({ server: tlsServer });
} else {
  wss = new WebSocketServer({ host: '127.0.0.1', port: Number(wsPort) });
}

wss.on('connection', (ws) => {
  let room = null;
  let key = null;
  let me = null;

  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const parts = data.toString().split(' ');

    if (parts[0] === 'create' && parts.length === 5 && !room) {
      const [, , k, alias] = parts;
      if (rooms.has(k)) return ws.send('error exists');
      room = new Map([[alias, ws]]);
      rooms.set(k, room);
      key = k;
      me = alias;
      const token = randomBytes(16).toString('base64url');
      ws.send(`welcome ${token} everyone * ${alias}`);
    } else if (parts[0] === 'join' && parts.length >= 4 && !room) {
      const [, , k, alias] = parts;
      const r = rooms.get(k);
      if (!r) return ws.send('error noroom');
      if (r.has(alias)) return ws.send('error aliastaken');
      broadcast(r, null, `joined ${alias}`);
      r.set(alias, ws);
      room = r;
      key = k;
      me = alias;
      const token = randomBytes(16).toString('base64url');
      ws.send(`welcome ${token} everyone * ${[...r.keys()].join(' ')}`);
    } else if (parts[0] === 'msg' && parts.length === 2 && room) {
      broadcast(room, me, `msg ${me} ${parts[1]}`);
    }
  });

  ws.on('error', () => {}); // a reset peer must not crash the process

  ws.on('close', () => {
    if (!room) return;
    room.delete(me);
    if (room.size === 0) rooms.delete(key);
    else broadcast(room, null, `left ${me}`);
  });
});

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, {
      'Content-Type': 'text/html',
      'Content-Length': page.length,
    });
    res.end(page);
  } else {
    res.writeHead(404);
    res.end();
  }
});

let pending = 2;
const ready = () => {
  if (--pending === 0) console.log('listening');
};
if (tlsServer) tlsServer.listen(Number(wsPort), '127.0.0.1', ready);
else wss.on('listening', ready);
server.listen(Number(httpPort), '127.0.0.1', ready);
