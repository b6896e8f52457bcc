#!/usr/bin/env python3
"""Holds every packet of an NFQUEUE for a fixed time before letting it pass.

The lab's `delay` fault. tc netem would be the usual tool, but this machine's kernel is
built without sch_netem; NFQUEUE (netfilter handing packets to user space and waiting for a
verdict) is available, and a packet that waits for its verdict is a delayed packet. Runs in
a host's network namespace next to an iptables rule `-j NFQUEUE --queue-bypass`, so packets
pass undelayed whenever this process is not running.

Usage: delayer.py SECONDS READY_FILE [QUEUE_NUMBER]
Creates READY_FILE once it holds the queue.
"""
import heapq
import select
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS = 1, 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NF_ACCEPT = 1


def attribute(kind, data):
    raw = struct.pack("=HH", 4 + len(data), kind) + data
    return raw + b"\0" * (-len(raw) % 4)


def message(msg, flags, queue, attributes):
    # nfgenmsg: family (unspecified), version 0, resource id = queue number (big endian)
    payload = struct.pack(">BBH", 0, 0, queue) + attributes
    kind = (NFNL_SUBSYS_QUEUE << 8) | msg
    return struct.pack("=IHHII", 16 + len(payload), kind, flags, 0, 0) + payload


def packet_ids(data):
    """Packet ids of the NFQNL_MSG_PACKET messages in one netlink datagram."""
    offset = 0
    while offset + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, offset)
        if length < 16:
            break
        if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            at = offset + 20  # after nlmsghdr and nfgenmsg
            while at + 4 <= offset + length:
                attr_len, attr_kind = struct.unpack_from("=HH", data, at)
                if attr_len < 4:
                    break
                if attr_kind & 0x7FFF == NFQA_PACKET_HDR:
                    yield struct.unpack_from(">I", data, at + 4)[0]
                at += (attr_len + 3) & ~3
        elif kind == NLMSG_ERROR:
            error = struct.unpack_from("=i", data, offset + 16)[0]
            if error != 0:
                sys.exit(f"delayer: netlink error {error}")
        offset += (length + 3) & ~3


def main():
    delay = float(sys.argv[1])
    ready_file = sys.argv[2]
    queue = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((0, 0))
    bind = attribute(NFQA_CFG_CMD, struct.pack(">BBH", NFQNL_CFG_CMD_BIND, 0, 0))
    sock.send(message(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, queue, bind))
    meta_only = attribute(NFQA_CFG_PARAMS, struct.pack(">IB", 0, NFQNL_COPY_META))
    sock.send(message(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, queue, meta_only))
    for _ in range(2):  # both acknowledgements: the queue is ours
        list(packet_ids(sock.recv(1 << 16)))
    open(ready_file, "w").close()

    waiting = []  # (release time, arrival order, packet id)
    arrivals = 0
    while True:
        timeout = max(0.0, waiting[0][0] - time.monotonic()) if waiting else None
        readable, _, _ = select.select([sock], [], [], timeout)
        if readable:
            now = time.monotonic()
            for packet_id in packet_ids(sock.recv(1 << 16)):
                arrivals += 1
                heapq.heappush(waiting, (now + delay, arrivals, packet_id))
        now = time.monotonic()
        while waiting and waiting[0][0] <= now:
            _, _, packet_id = heapq.heappop(waiting)
            verdict = attribute(NFQA_VERDICT_HDR, struct.pack(">II", NF_ACCEPT, packet_id))
            sock.send(message(NFQNL_MSG_VERDICT, NLM_F_REQUEST, queue, verdict))


if __name__ == "__main__":
    main()
