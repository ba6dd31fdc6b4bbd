"""Hostile and unlucky clients against a /metrics endpoint while a scraper keeps scraping.

Opens slow clients (a byte every 0.5 s), half-open ones (connect and say nothing, or stop halfway
through the headers), and garbage senders, then scrapes /metrics N times (each a new connection,
like Prometheus after an idle close) with a per-scrape deadline and counts the answers that come
in time. Then 1,000 rapid connections (some closed at once, some with a request), after which the
endpoint must still answer. Prints the figures; exits 1 when fewer than --min-ratio of the scrapes
were answered in time or the endpoint stopped answering.
Usage: hostile_clients.py HOST PORT [--scrapes 200] [--timeout 1.0] [--min-ratio 0.99]
"""

import argparse
import os
import socket
import sys
import threading
import time


def scrape(host, port, timeout):
    """Seconds a GET /metrics took, or None when it failed or missed the deadline."""
    t0 = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(max(1e-3, timeout - (time.monotonic() - t0)))
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                left = timeout - (time.monotonic() - t0)
                if left <= 0:
                    return None
                s.settimeout(left)
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    took = time.monotonic() - t0
    if not data.startswith(b"HTTP/1.1 200") or b"artic_" not in data or took > timeout:
        return None
    return took


def slow_client(host, port, stop):
    request = b"GET /metrics HTTP/1.1\r\nHost: slow\r\nX-Pad: " + b"a" * 200 + b"\r\n\r\n"
    while not stop.is_set():
        try:
            with socket.create_connection((host, port), timeout=5) as s:
                for byte in request:
                    if stop.is_set():
                        return
                    s.sendall(bytes([byte]))
                    time.sleep(0.5)
        except OSError:
            time.sleep(0.1)  # closed by the server's idle timeout: come back


def silent_client(host, port, stop, partial):
    while not stop.is_set():
        try:
            with socket.create_connection((host, port), timeout=5) as s:
                if partial:
                    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: ha")
                while not stop.is_set():
                    s.settimeout(0.2)
                    try:
                        if s.recv(1) == b"":
                            break  # the server closed us: reconnect and hold a slot again
                    except socket.timeout:
                        pass
        except OSError:
            time.sleep(0.1)


def garbage_client(host, port, stop):
    while not stop.is_set():
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                for _ in range(64):
                    if stop.is_set():
                        return
                    s.sendall(os.urandom(1024))
                    time.sleep(0.01)
        except OSError:
            time.sleep(0.05)


def rapid_connections(host, port, count, threads):
    failures = []

    def worker(k):
        for i in range(k, count, threads):
            try:
                with socket.create_connection((host, port), timeout=5) as s:
                    if i % 3 == 1:
                        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: r\r\n\r\n")
                    elif i % 3 == 2:
                        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a TLS hello
            except OSError as e:
                failures.append(str(e))

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--scrapes", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--min-ratio", type=float, default=0.99)
    ap.add_argument("--rapid", type=int, default=1000)
    a = ap.parse_args()

    stop = threading.Event()
    clients = []
    for _ in range(4):
        clients.append(threading.Thread(target=slow_client, args=(a.host, a.port, stop)))
    for partial in (False, False, True, True):
        clients.append(threading.Thread(target=silent_client, args=(a.host, a.port, stop, partial)))
    for _ in range(2):
        clients.append(threading.Thread(target=garbage_client, args=(a.host, a.port, stop)))
    for t in clients:
        t.daemon = True
        t.start()
    time.sleep(1.0)  # let every hostile client hold its connection first

    times = []
    for _ in range(a.scrapes):
        times.append(scrape(a.host, a.port, a.timeout))
        time.sleep(0.02)
    answered = sorted(t for t in times if t is not None)
    ratio = len(answered) / len(times)
    p99 = answered[int(0.99 * (len(answered) - 1))] if answered else float("nan")
    print(f"scrapes with 4 slow, 4 half-open and 2 garbage clients connected: "
          f"{len(answered)}/{len(times)} answered within {a.timeout:.1f} s ({100 * ratio:.1f}%), "
          f"median {1000 * answered[len(answered) // 2] if answered else float('nan'):.1f} ms, "
          f"p99 {1000 * p99:.1f} ms")

    t0 = time.monotonic()
    failures = rapid_connections(a.host, a.port, a.rapid, 8)
    took = time.monotonic() - t0
    after = [scrape(a.host, a.port, a.timeout) for _ in range(5)]
    stop.set()
    print(f"{a.rapid} rapid connections in {took:.1f} s: {len(failures)} refused"
          f"{' (' + failures[0] + ')' if failures else ''}; "
          f"scrapes afterwards answered: {sum(t is not None for t in after)}/5")
    ok = ratio >= a.min_ratio and all(t is not None for t in after) and not failures
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
