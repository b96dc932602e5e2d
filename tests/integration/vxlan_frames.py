#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
"""Raw frames for the VPC tests, on AF_PACKET sockets (no capture tools).

  vxlan_frames.py capture DEV OUT READY STOP
      every frame DEV sends or receives, one hex line each, into OUT once
      STOP exists (READY is written when the socket is bound)
  vxlan_frames.py send DEV CASE SMAC DMAC SRC DST VNI INNER_SRC INNER_DST MARK
      one VXLAN frame out of DEV, made wrong as CASE says: good, noflag
      (the VNI flag clear), truncated (the inner frame cut after 10 bytes),
      runt (the frame cut in its IPv4 header); MARK (8 ASCII bytes) is the inner payload
"""
import os
import select
import socket
import struct
import sys

ETH_P_ALL = 0x0003


def mac(s):
    return bytes(int(b, 16) for b in s.split(":"))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, ttl,
                    proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(dst, src, proto, payload):
    return mac(dst) + mac(src) + struct.pack("!H", proto) + payload


def vxlan_frame(case, smac, dmac, src, dst, vni, isrc, idst, mark):
    inner = eth("02:00:00:00:00:02", "02:00:00:00:00:01", 0x0800,
                ipv4(isrc, idst, 17, udp(40000, 7777, mark)))
    if case == "truncated":
        inner = inner[:10]
    flags = 0 if case == "noflag" else 0x08
    vx = struct.pack("!B3sI", flags, b"\0\0\0", vni << 8)
    frame = eth(dmac, smac, 0x0800, ipv4(src, dst, 17, udp(50000, 4789, vx + inner)))
    if case == "runt":
        frame = frame[:24]
    return frame


def send(dev, frame):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    s.send(frame)


def capture(dev, out, ready, stop):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((dev, 0))
    open(ready, "w").write("1")
    frames = []
    while not os.path.exists(stop):
        if select.select([s], [], [], 0.1)[0]:
            frames.append(s.recv(65536).hex())
    while select.select([s], [], [], 0.2)[0]:
        frames.append(s.recv(65536).hex())
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(frames) + "\n")
    os.rename(out + ".tmp", out)


def main(a):
    if a[0] == "capture":
        capture(*a[1:5])
    elif a[0] == "send":
        dev, case, smac, dmac, src, dst, vni, isrc, idst, mark = a[1:11]
        send(dev, vxlan_frame(case, smac, dmac, src, dst, int(vni), isrc,
                              idst, mark.encode()))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
