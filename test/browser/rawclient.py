#!/usr/bin/python3
"""Raw relay client for the browser tests: many WebSocket connections driven
by JSON lines on stdin, every received frame reported as a JSON line on stdout.

stdin:  {"op":"open","id":ID,"url":URL,"origin":ORIGIN}
        {"op":"send","id":ID,"frame":TEXT}
        {"op":"close","id":ID}
        {"op":"quit"}
stdout: {"ev":"open","id":ID} | {"ev":"recv","id":ID,"frame":TEXT}
        {"ev":"closed","id":ID,"code":N,"reason":TEXT} | {"ev":"error","id":ID,"what":TEXT}

No compression is offered (the relay refuses extensions); bounded by the
caller, which kills this process when the suite ends.
"""
import asyncio
import json
import sys

import websockets


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Client:
    def __init__(self):
        self.conns = {}

    async def run_conn(self, cid, url, origin):
        try:
            ws = await asyncio.wait_for(websockets.connect(
                url, origin=origin, compression=None, max_size=1 << 20,
                ping_interval=None, open_timeout=10), 10)
        except Exception as e:  # noqa: BLE001 - reported to the test
            out({"ev": "error", "id": cid, "what": repr(e)})
            return
        self.conns[cid] = ws
        out({"ev": "open", "id": cid})
        try:
            async for msg in ws:
                if isinstance(msg, bytes):
                    msg = "<binary %d>" % len(msg)
                out({"ev": "recv", "id": cid, "frame": msg})
        except websockets.ConnectionClosed:
            pass
        except Exception as e:  # noqa: BLE001
            out({"ev": "error", "id": cid, "what": repr(e)})
        code = ws.close_code if ws.close_code is not None else 1006
        out({"ev": "closed", "id": cid, "code": code,
             "reason": ws.close_reason or ""})
        self.conns.pop(cid, None)

    async def main(self):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        tasks = set()
        while True:
            line = await reader.readline()
            if not line:
                break
            cmd = json.loads(line)
            op = cmd.get("op")
            if op == "quit":
                break
            cid = cmd.get("id")
            if op == "open":
                t = asyncio.ensure_future(
                    self.run_conn(cid, cmd["url"], cmd.get("origin")))
                tasks.add(t)
            elif op == "send" and cid in self.conns:
                try:
                    await self.conns[cid].send(cmd["frame"])
                except websockets.ConnectionClosed:
                    pass
            elif op == "close" and cid in self.conns:
                await self.conns[cid].close()
            else:
                out({"ev": "error", "id": cid, "what": "no such connection"})
        for ws in list(self.conns.values()):
            await ws.close()
        for t in tasks:
            t.cancel()


if __name__ == "__main__":
    asyncio.run(Client().main())
