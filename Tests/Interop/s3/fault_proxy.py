#!/usr/bin/env python3
"""A loopback HTTP/1.1 proxy that injects faults between an S3 client and an S3 peer.

Usage: fault_proxy.py LISTEN_PORT UPSTREAM_PORT STATS_FILE [SEED] [strip-if-none-match]

Per request it either forwards to 127.0.0.1:UPSTREAM_PORT unchanged (the client signed the
request for the proxy's Host, which the peer sees too) or injects one fault:
  slowdown      answer 503 SlowDown (S3's throttling error) without forwarding
  error500      answer 500 InternalError without forwarding
  reset_before  reset the connection (RST) without forwarding
  reset_after   forward, let the peer act, then reset instead of answering (a lost answer)
  stall         say nothing for STALL seconds, then close (longer than the client's read timeout)
The first five requests get one fault of each kind, in that order; after that faults are drawn
from a seeded generator. Every answer is sent with `Connection: close`, one request per
connection. STATS_FILE (JSON) is rewritten after each request: fault counts, and per request
path the number of object writes (PUT without partNumber, or CompleteMultipartUpload) the peer
answered with 2xx.

With `strip-if-none-match` it injects no fault and instead forwards every request without its
If-None-Match header: in front of a peer that honours create-only puts, it plays a server that
ignores them (the client's signature is not checked by moto_server).
"""
import asyncio
import json
import os
import random
import socket
import struct
import sys

STALL = 2.5
ORDER = ["slowdown", "error500", "reset_before", "reset_after", "stall"]
WEIGHTS = {"slowdown": 0.10, "error500": 0.05, "reset_before": 0.05, "reset_after": 0.06, "stall": 0.03}

listen_port, upstream_port, stats_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 5)
strip = len(sys.argv) > 5 and sys.argv[5] == "strip-if-none-match"
stats = {"requests": 0, "forwarded": 0, "faults": {k: 0 for k in ORDER}, "writes": {}}


def save():
    with open(stats_file + ".tmp", "w") as f:
        json.dump(stats, f, indent=1, sort_keys=True)
    os.replace(stats_file + ".tmp", stats_file)


def choose():
    if strip:
        return None
    n = stats["requests"]
    if n < len(ORDER):
        return ORDER[n]
    r = rng.random()
    for kind, weight in WEIGHTS.items():
        if r < weight:
            return kind
        r -= weight
    return None


def s3_error(status, reason, code, message):
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
            '<RequestId>fault-proxy</RequestId></Error>' % (code, message)).encode()
    head = ("HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n" % (status, reason, len(body))).encode()
    return head + body


def reset(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def header_value(head, name):
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            if k.strip().lower() == name:
                return v.strip()
    return None


async def read_message_body(reader, head, is_head_response=False, status=None):
    if is_head_response or status in (204, 304) or (status is not None and 100 <= status < 200):
        return b""
    te = header_value(head, b"transfer-encoding")
    if te is not None and b"chunked" in te.lower():
        data = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            data += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            chunk = await reader.readexactly(size + 2)
            data += chunk
            if size == 0:
                # the 2 bytes read with the last (empty) chunk are the final CRLF (no trailers)
                break
        return data
    length = header_value(head, b"content-length")
    if length is not None:
        return await reader.readexactly(int(length))
    if status is None:
        return b""
    return await reader.read()  # until the peer closes


async def handle(reader, writer):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        body = await read_message_body(reader, head)
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        writer.close()
        return
    fault = choose()
    stats["requests"] += 1
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    method, target = request_line.split(" ")[0], request_line.split(" ")[1]
    if fault:
        stats["faults"][fault] += 1
    save()
    try:
        if fault == "slowdown":
            writer.write(s3_error(503, "Slow Down", "SlowDown", "Please reduce your request rate."))
            await writer.drain()
            writer.close()
            return
        if fault == "error500":
            writer.write(s3_error(500, "Internal Server Error", "InternalError", "Injected by the fault proxy."))
            await writer.drain()
            writer.close()
            return
        if fault == "reset_before":
            reset(writer)
            return
        if fault == "stall":
            await asyncio.sleep(STALL)
            writer.close()
            return
        # Forward with Connection: close, read the whole answer.
        lines = [l for l in head[:-4].split(b"\r\n") if not l.lower().startswith(b"connection:")]
        if strip:
            lines = [l for l in lines if not l.lower().startswith(b"if-none-match:")]
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        up_writer.write(b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body)
        await up_writer.drain()
        resp_head = await up_reader.readuntil(b"\r\n\r\n")
        status = int(resp_head.split(b" ", 2)[1])
        resp_body = await read_message_body(up_reader, resp_head, is_head_response=(method == "HEAD"), status=status)
        up_writer.close()
        stats["forwarded"] += 1
        path, _, query = target.partition("?")
        is_write = (method == "PUT" and "partNumber=" not in query) or (method == "POST" and "uploadId=" in query)
        if is_write and 200 <= status < 300 and b"<Error>" not in resp_body:
            stats["writes"][path] = stats["writes"].get(path, 0) + 1
        save()
        if fault == "reset_after":
            reset(writer)
            return
        lines = [l for l in resp_head[:-4].split(b"\r\n") if not l.lower().startswith(b"connection:")]
        writer.write(b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + resp_body)
        await writer.drain()
        writer.close()
    except (ConnectionError, asyncio.IncompleteReadError):
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, limit=1 << 20)
    save()
    async with server:
        await server.serve_forever()


asyncio.run(main())
