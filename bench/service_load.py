"""Load the real service: N concurrent clients POST dev-corpus messages to /scan?store=true.

Starts `rempart serve` (uvicorn) on 127.0.0.1 with a fresh data directory (SQLite) or a fresh
PostgreSQL schema, creates an ingest token with `rempart token create`, sends the messages, then
checks: zero errors, cases in the store == accepted requests, audit chain intact. Prints throughput
and p50/p99 latency. Traffic goes to loopback only; the run is bounded by --messages and --timeout.

    .venv/bin/python bench/service_load.py --corpus ../shared/corpus/dev
    .venv/bin/python bench/service_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine, func, select, text

from rempart.store import Database, audit
from rempart.store.models import Case

ROOT = Path(__file__).resolve().parents[1]
RAMPART = [sys.executable, "-m", "rempart.cli.app"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user + system) of the service process and of its children (the scan workers)."""
    import psutil  # installed with Dask (rempart.hunt)

    try:
        proc = psutil.Process(pid)
        own = sum(proc.cpu_times()[:2])
        children = 0.0
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):  # a worker that just exited
                children += sum(child.cpu_times()[:2])
        return own, children
    except psutil.Error:
        return 0.0, 0.0


def _writer_stats(base: str) -> dict[str, float]:
    """The service's group-commit counters from /metrics (empty for a service without them)."""
    try:
        text_ = httpx.get(f"{base}/metrics", timeout=10).text
    except httpx.HTTPError:
        return {}
    out = {}
    for line in text_.splitlines():
        name, _, value = line.partition(" ")
        if name.startswith("rempart_write_"):
            out[name.removeprefix("rempart_write_")] = float(value)
    return out


def _messages(corpus: Path, count: int) -> list[bytes]:
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    if not files:
        sys.exit(f"no message under {corpus}")
    raws = [p.read_bytes() for p in files]
    return [raws[i % len(raws)] for i in range(count)]


async def _load(base: str, token: str, raws: list[bytes], clients: int, timeout: float) -> tuple[list[float], int,
                                                                                                   dict[str, int]]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for raw in raws:
        queue.put_nowait(raw)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    accepted = 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "message/rfc822"}
    # Idle connections expire on the client before uvicorn closes them (its keep-alive timeout is 5 s,
    # httpx's default expiry too): else a request can go out on a connection the server is closing.
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=timeout, limits=limits) as client:

        async def worker() -> None:
            nonlocal accepted
            while True:
                try:
                    raw = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                try:
                    r = await client.post("/api/v1/scan?store=true", content=raw)
                    status = str(r.status_code)
                    if r.status_code == 200 and r.json().get("case_id"):
                        accepted += 1
                    elif sum(errors.values()) < 5:
                        print(f"error: HTTP {r.status_code} {r.text[:200]}", file=sys.stderr)
                except httpx.HTTPError as err:
                    status = type(err).__name__
                    if sum(errors.values()) < 5:
                        print(f"error: {err!r} after {(time.perf_counter() - t0) * 1000:.0f} ms", file=sys.stderr)
                latencies.append(time.perf_counter() - t0)
                if status != "200":
                    errors[status] = errors.get(status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, accepted, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "dev")
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--database-url", default="", help="PostgreSQL URL (a fresh schema is used); default SQLite")
    ap.add_argument("--scan-workers", type=int, default=0, help="[service] scan_workers (0 = one per core)")
    ap.add_argument("--timeout", type=float, default=120.0, help="per-request timeout, seconds")
    args = ap.parse_args()

    raws = _messages(args.corpus, args.messages)
    work = Path(tempfile.mkdtemp(prefix="rempart-load-"))
    schema = ""
    url = f"sqlite:///{work / 'rempart.db'}"
    if args.database_url:
        schema = f"load_{uuid.uuid4().hex[:10]}"
        with create_engine(args.database_url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.database_url else "?"
        url = f"{args.database_url}{sep}options={quote(f'-csearch_path={schema}')}"
    config = work / "rempart.toml"
    config.write_text(f"[service]\nrate_limit_per_minute = 0\nscan_workers = {args.scan_workers}\n")
    env = {**os.environ, "REMPART_DATA_DIR": str(work), "REMPART_DATABASE_URL": url, "REMPART_CONFIG": str(config)}
    token = subprocess.run([*RAMPART, "token", "create", "--role", "ingest", "--name", "load test"], env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    port = _free_port()
    server = subprocess.Popen([*RAMPART, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level",
                               "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the service did not become healthy", file=sys.stderr)
                return 2
            time.sleep(0.5)
        cpu_before = _cpu_seconds(server.pid)
        started = time.perf_counter()
        latencies, accepted, errors = asyncio.run(_load(base, token, raws, args.clients, args.timeout))
        wall = time.perf_counter() - started
        cpu_after = _cpu_seconds(server.pid)
        load = os.getloadavg()
        writer = _writer_stats(base)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()

    db = Database(url)
    with db.read() as session:
        stored = session.execute(select(func.count(Case.id))).scalar_one()
        chain = audit.verify(session)
    db.dispose()
    if schema:
        with create_engine(args.database_url).begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    ms = sorted(x * 1000 for x in latencies)
    backend = "PostgreSQL" if schema else "SQLite"
    print(f"backend           {backend}")
    print(f"messages sent     {len(raws)} from {args.corpus} with {args.clients} concurrent clients")
    print(f"accepted          {accepted}; errors {sum(errors.values())} {errors or ''}")
    print(f"cases in store    {stored} (lost: {accepted - stored})")
    print(f"audit chain       {'intact' if chain.ok else 'BROKEN: ' + str(chain.problem)} ({chain.entries} entries)")
    print(f"throughput        {len(raws) / wall:.1f} messages/s over {wall:.1f} s")
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    print(f"latency           p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms")
    own, workers = (after - before for after, before in zip(cpu_after, cpu_before, strict=True))
    print(f"service CPU       {own:.1f} s in the service process ({1000 * own / len(raws):.1f} ms/msg), "
          f"{workers:.1f} s in scan workers ({1000 * workers / len(raws):.1f} ms/msg)")
    if writer.get("rounds"):
        print(f"store writer      {writer['jobs']:.0f} writes in {writer['rounds']:.0f} transactions "
              f"({writer['jobs'] / writer['rounds']:.1f} per commit), busy {writer['busy_seconds']:.1f} s")
    print(f"machine           {os.cpu_count()} cores, load average {load[0]:.1f} at the end of the run")
    ok = not errors and stored == accepted == len(raws) and chain.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
