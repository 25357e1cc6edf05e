"""A TCP relay that puts a network's round trip between a client and a server on loopback.

Each byte reaches the other side half a round trip after it was sent, in both directions, and a
new connection waits one round trip (TCP's handshake) before its first byte goes through. No
bandwidth limit and no loss: only latency, which is what separates a bucket across the Internet
from moto_server on 127.0.0.1. Benchmarks/run-remote.sh puts it in front of moto_server when
RTT_MS is set.

Usage: latency_proxy.py LISTEN_PORT UPSTREAM_PORT RTT_MS   (prints "ready" once listening)
"""
import asyncio
import sys

listen_port, upstream_port, rtt_ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
one_way = rtt_ms / 2000


async def relay(reader, writer):
    """Copies reader to writer, each chunk delivered `one_way` seconds after it arrived."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def receive():
        while True:
            data = await reader.read(1 << 16)
            await queue.put((loop.time() + one_way, data))
            if not data:
                return

    async def deliver():
        while True:
            due, data = await queue.get()
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(receive(), deliver())
    except (ConnectionError, asyncio.IncompleteReadError):
        pass


async def handle(client_reader, client_writer):
    await asyncio.sleep(rtt_ms / 1000)
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(relay(client_reader, up_writer), relay(up_reader, client_writer), return_exceptions=True)
    for w in (up_writer, client_writer):
        w.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
