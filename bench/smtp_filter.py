"""The mail gateway under load: SMTP filter throughput and latency, kill -9 campaign, report-loop delay.

    .venv/bin/python bench/smtp_filter.py --corpus ../shared/corpus/dev [--phase all] [--limit N]

Phases (all real processes and servers on loopback):

- ``throughput``: ``rempart gateway smtp`` pinned to one CPU (its scan worker inherits the pin), a
  receiving aiosmtpd server and the sending clients on the other CPUs. Every corpus message goes
  through once, as fast as the filter accepts it. Reports messages/second (wall clock) and per CPU
  second of the filter's whole process group (main + scan worker + attachment sandbox).
- ``latency``: the same filter fed at a steady rate (``--rate``, default 100/s). Latency per message:
  from the client starting DATA to the 250 (what Postfix waits), and from DATA to the copy arriving
  at the next hop (what the filter adds to the mail path).
- ``openloop``: the issue #7 target. The filter (listener and its scan worker(s)) pinned to one CPU
  (``--cpu``, default 1); an asyncio load generator and the receiving server in processes of their own
  on the other CPU. Arrivals are open-loop Poisson at each rate of ``--rates`` (default 25,50,75,100
  msg/s) for ``--duration`` seconds: a message starts at its scheduled time on an idle kept session or a
  new one, whatever the filter's earlier answers (up to ``--max-sessions``; a later start is reported as
  lag). Prints the achieved rate, DATA→250, DATA→next-hop and arrival→next-hop p50/p95/p99, the
  filter's CPU per message (SMTP path and engine), how much of the filter's CPU other work used, and the
  load average. Messages go in path order (blocks by folder) unless ``--order shuffled`` mixes them.
  On a shared machine ``--nice -10`` lets the filter go before other work on its CPU.
- ``crash``: ``--crash-messages`` (5,000) numbered corpus messages streamed by Postfix-like clients
  while the filter is killed with SIGKILL ``--kills`` (20) times and restarted; then every accepted
  message is counted at the next hop and in the store (quarantine).
- ``report``: Dovecot (TLS) and ``rempart gateway imap`` polling every 10 s; reports are appended at
  random moments and the time until the feedback e-mail reaches the relay is measured.

Corpus mail is read from disk into memory only; nothing is copied into the repository.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import shutil
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rempart.gateway.delivery import dot_stuffed  # noqa: E402
from tests.gateway.servers import Sink, free_port, start_filter, wait_port  # noqa: E402
from tests.gateway.stress import Campaign, numbered, seq_of  # noqa: E402

CONFIG = """
[gateway]
quarantine = true
scan_workers = {workers}
"""
NO_MODEL = """
[model]
enabled = false
"""


def corpus(path: Path, limit: int) -> list[bytes]:
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    if limit:
        files = random.Random(1).sample(files, min(limit, len(files)))
    return [p.read_bytes() for p in files]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def group_cpu_seconds(pgid: int) -> tuple[float, float, float]:
    """user+system CPU of the filter's process group, split: the filter's own process (SMTP sessions,
    spool, stamping, relay) user and system, and the rest (scan worker, attachment sandbox: the engine).
    The engine's side counts the children reaped by either (a scan worker replaced after a time-out)."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = rest = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:  # pgrp
            if int(entry) == pgid:
                user += int(fields[11]) / tick
                system += int(fields[12]) / tick
                rest += sum(int(v) for v in fields[13:15]) / tick  # cutime cstime: reaped workers
            else:
                rest += sum(int(v) for v in fields[11:15]) / tick
    return user, system, rest


class Filter:
    def __init__(self, workdir: Path, sink_port: int, cpu: int, model: bool, workers: int,
                 event_loop: str = "", nice: int = 0) -> None:
        self.workdir = workdir
        self.port = free_port()
        config = workdir / "rempart.toml"
        config.write_text(CONFIG.format(workers=workers) + ("" if model else NO_MODEL))
        self.process = start_filter(self.port, sink_port, workdir / "spool", config,
                                    env={"REMPART_DATA_DIR": str(workdir / "data"), "REMPART_EVENT_LOOP": event_loop},
                                    log=workdir / "filter.log",
                                    log_level="info")
        if cpu >= 0:
            os.sched_setaffinity(self.process.pid, {cpu})  # before it forks its worker: inherited
        if nice:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, nice)  # inherited the same way
            # With autogroup scheduling, a nice value only ranks tasks within their session; the filter has a
            # session of its own, whose own nice ranks it against other sessions.
            with contextlib.suppress(OSError):
                Path(f"/proc/{self.process.pid}/autogroup").write_text(f"{nice}\n")
        wait_port(self.port, process=self.process)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)

    def stage_timings(self) -> str:
        """The filter's own per-stage summary, logged when it stops."""
        marker = "stage timings, ms p50/p95/p99: "
        lines = [line for line in (self.workdir / "filter.log").read_text(errors="replace").splitlines()
                 if marker in line]
        return lines[-1].split(marker, 1)[1] if lines else "(not logged)"


def _client(port: int, messages: list[bytes], rate: float, started: float, cursor: Any, out: Any) -> None:
    """One Postfix-like SMTP session in its own process (the bench's own GIL stays out of the figures)."""
    timings: dict[int, tuple[float, float]] = {}
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as s:
        s.ehlo("postfix.bench")
        while True:
            with cursor.get_lock():
                i = cursor.value
                cursor.value += 1
            if i >= len(messages):
                break
            if rate > 0:
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            s.docmd("XFORWARD", "ADDR=198.51.100.7 NAME=mx.example.net")
            s.mail("sender@example.net", ["BODY=8BITMIME"])
            s.rcpt("someone@cabinet-example.fr")
            t0 = time.time()
            code, _ = s.data(messages[i])
            t1 = time.time()
            if code == 250:
                timings[i] = (t0, t1)
    out.put(timings)


def send_all(port: int, messages: list[bytes], clients: int, rate: float,
             timings: dict[int, tuple[float, float]]) -> None:
    """``clients`` SMTP sessions, each in its own process; ``rate`` > 0 paces the whole flow (messages/second)."""
    context = multiprocessing.get_context("fork")
    cursor = context.Value("l", 0)
    out = context.Queue()
    started = time.monotonic()
    procs = [context.Process(target=_client, args=(port, messages, rate, started, cursor, out))
             for _ in range(clients)]
    for p in procs:
        p.start()
    for _ in procs:
        timings.update(out.get())
    for p in procs:
        p.join()


def _sink(conn: Any) -> None:
    sink = Sink(pipelining=True)  # like Postfix's smtpd on the reinjection port
    conn.send(sink.start())
    conn.recv()
    with sink.lock:
        conn.send([(seq_of(d.content), d.at) for d in sink.deliveries])
    sink.stop()


class SinkProcess:
    """The next hop (a real aiosmtpd server) in its own process; ``arrivals`` says when each copy came."""

    def __init__(self) -> None:
        self.conn, child = multiprocessing.get_context("fork").Pipe()
        self.process = multiprocessing.get_context("fork").Process(target=_sink, args=(child,), daemon=True)
        self.process.start()
        self.port: int = self.conn.recv()

    def stop(self) -> list[tuple[int, float]]:
        self.conn.send("stop")
        arrivals: list[tuple[int, float]] = self.conn.recv()
        self.process.join(timeout=30)
        return arrivals


def flow(messages: list[bytes], clients: int, rate: float, cpu: int, label: str, model: bool,
         workers: int, event_loop: str = "") -> None:
    work = Path(tempfile.mkdtemp(prefix="rempart-bench-"))
    try:
        sink = SinkProcess()
        f = Filter(work, sink.port, cpu, model, workers, event_loop)
        numbered_messages = numbered(messages)
        timings: dict[int, tuple[float, float]] = {}
        user0, sys0, rest0 = group_cpu_seconds(f.process.pid)
        t0 = time.monotonic()
        send_all(f.port, numbered_messages, clients, rate, timings)
        accepted_s = time.monotonic() - t0
        time.sleep(2)  # the last deliveries
        user1, sys1, rest1 = group_cpu_seconds(f.process.pid)
        arrivals = dict(sink.stop())
        quarantined = len(timings) - len(arrivals)
        waits = [(t1 - t0_) * 1000 for t0_, t1 in timings.values()]
        added = [(arrivals[i] - t0_) * 1000 for i, (t0_, _) in timings.items() if i in arrivals]
        n = len(timings)
        print(f"\n== {label}: {n} messages accepted of {len(messages)}, {clients} client session(s), "
              f"filter pinned to CPU {cpu}, {workers} scan worker(s), model {'on' if model else 'off'}, "
              f"{event_loop or 'default'} event loop ==")
        print(f"  throughput        {n / accepted_s:8.1f} msg/s wall clock ({accepted_s:.1f} s)")
        user, system, rest = user1 - user0, sys1 - sys0, rest1 - rest0
        own = user + system
        if own + rest > 0 and n:
            print(f"  per filter CPU-s  {n / (own + rest):8.1f} msg/s ({own + rest:.1f} CPU-s: filter + worker"
                  " + sandbox)")
            print(f"  CPU per message   {(own + rest) / n * 1000:8.2f} ms: SMTP path (filter process: sessions, spool,"
                  f" stamping, relay) {own / n * 1000:.2f} (user {user / n * 1000:.2f}, system"
                  f" {system / n * 1000:.2f}), engine (scan worker + sandbox) {rest / n * 1000:.2f}")
        print(f"  DATA→250 (Postfix waits)   p50 {percentile(waits, .5):7.1f} ms  p95 {percentile(waits, .95):7.1f}"
              f"  p99 {percentile(waits, .99):7.1f}  max {max(waits):7.1f}")
        if added:
            print(f"  DATA→next hop (added)      p50 {percentile(added, .5):7.1f} ms  p95 "
                  f"{percentile(added, .95):7.1f}  p99 {percentile(added, .99):7.1f}  max {max(added):7.1f}")
        print(f"  delivered {len(arrivals)}, quarantined (held in the store) {quarantined}")
        load = os.getloadavg()
        print(f"  machine load average during the run: {load[0]:.1f} on {os.cpu_count()} CPUs")
        f.stop()
        print(f"  filter stages, ms p50/p95/p99: {f.stage_timings()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _Session:
    """A kept SMTP session to the filter, spoken like Postfix's smtp client: XFORWARD, MAIL, RCPT and DATA
    in one write when the filter offers PIPELINING, one at a time otherwise."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.pipelining = False

    @classmethod
    async def open(cls, port: int, pipelining: bool) -> _Session:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
        session = cls(reader, writer)
        await session.reply()
        session.writer.write(b"EHLO postfix.bench\r\n")
        extensions: list[bytes] = []
        while True:
            line = await session.reader.readline()
            extensions.append(line[4:].strip().upper())
            if line[3:4] != b"-":
                break
        session.pipelining = pipelining and b"PIPELINING" in extensions
        return session

    async def reply(self) -> int:
        while True:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("filter closed the session")
            if line[3:4] != b"-":
                return int(line[:3])

    async def command(self, line: bytes) -> int:
        self.writer.write(line + b"\r\n")
        return await self.reply()

    async def transaction(self, raw: bytes) -> tuple[float, float, int]:
        """(DATA sent — with its command group when pipelined —, final reply, its code): wall-clock seconds,
        comparable across processes."""
        group = (b"XFORWARD ADDR=198.51.100.7 NAME=mx.example.net", b"MAIL FROM:<sender@example.net> BODY=8BITMIME",
                 b"RCPT TO:<someone@cabinet-example.fr>")
        if self.pipelining:
            t0 = time.time()
            self.writer.write(b"".join(c + b"\r\n" for c in group) + b"DATA\r\n")
            codes = [await self.reply() for _ in range(len(group) + 1)]
            if codes[-1] != 354:
                return t0, time.time(), 0
        else:
            for command in group:
                await self.command(command)
            t0 = time.time()
            if await self.command(b"DATA") != 354:
                return t0, time.time(), 0
        self.writer.write(dot_stuffed(raw))
        code = await self.reply()
        return t0, time.time(), code


async def _open_loop(port: int, messages: list[bytes], offsets: list[float], max_sessions: int, pipelining: bool
                     ) -> tuple[dict[int, tuple[float, float, float]], list[float], int]:
    """Start message i at ``offsets[i]`` seconds whatever happened before (open loop). Returns
    {i: (scheduled, DATA sent, 250)} for the messages answered 250, the start lags (s) and the sessions opened."""
    idle: list[_Session] = []
    slots = asyncio.Semaphore(max_sessions)
    results: dict[int, tuple[float, float, float]] = {}
    lags: list[float] = []
    opened = 0

    async def one(i: int, scheduled: float) -> None:
        nonlocal opened
        async with slots:
            if idle:
                session = idle.pop()
            else:
                opened += 1
                session = await _Session.open(port, pipelining)
            lags.append(time.time() - scheduled)
            t0, t1, code = await session.transaction(messages[i])
            if code == 250:
                results[i] = (scheduled, t0, t1)
            idle.append(session)

    loop = asyncio.get_running_loop()
    start, wall = loop.time() + 0.5, time.time() + 0.5
    tasks = []
    for i, offset in enumerate(offsets):
        delay = start + offset - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, wall + offset)))
    await asyncio.gather(*tasks)
    for session in idle:
        session.writer.write(b"QUIT\r\n")
        session.writer.close()
    return results, lags, opened


def _generator(port: int, messages: list[bytes], offsets: list[float], max_sessions: int, pipelining: bool,
               out: Any) -> None:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        out.put(runner.run(_open_loop(port, messages, offsets, max_sessions, pipelining)))


def poisson_offsets(rate: float, seconds: float, seed: int) -> list[float]:
    """Arrival times (s from the start) of a Poisson process at ``rate`` per second."""
    rng = random.Random(seed)
    offsets, t = [], rng.expovariate(rate)
    while t < seconds:
        offsets.append(t)
        t += rng.expovariate(rate)
    return offsets


def cpu_ticks(cpu: int) -> tuple[int, int]:
    """(busy, steal) clock ticks of one CPU so far, from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            v = [int(x) for x in line.split()[1:]]
            return v[0] + v[1] + v[2] + v[5] + v[6], v[7]  # user nice system irq softirq; steal
    return 0, 0


class LoadSampler:
    """The machine's 1-minute load average, sampled every second in a thread."""

    def __init__(self) -> None:
        import threading

        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> str:
        self._stop.set()
        self._thread.join()
        s = self.samples or [os.getloadavg()[0]]
        return f"{min(s):.1f}–{max(s):.1f} (mean {statistics.fmean(s):.1f})"


def open_loop(messages: list[bytes], rate: float, seconds: float, cpu: int, model: bool, workers: int,
              max_sessions: int, event_loop: str = "", pipelining: bool = True, nice: int = 0) -> dict[str, float]:
    """One open-loop run at ``rate``; prints its figures and returns the headline ones."""
    offsets = poisson_offsets(rate, seconds, seed=int(rate * 1000) + 11)
    numbered_messages = numbered([messages[i % len(messages)] for i in range(len(offsets))])
    work = Path(tempfile.mkdtemp(prefix="rempart-bench-"))
    try:
        sink = SinkProcess()
        f = Filter(work, sink.port, cpu, model, workers, event_loop, nice)
        context = multiprocessing.get_context("fork")
        out = context.Queue()
        generator = context.Process(target=_generator, args=(f.port, numbered_messages, offsets, max_sessions,
                                                                  pipelining, out))
        sampler = LoadSampler()
        user0, sys0, rest0 = group_cpu_seconds(f.process.pid)
        busy0, steal0 = cpu_ticks(cpu)
        t0 = time.monotonic()
        generator.start()
        results, lags, opened = out.get()
        generator.join()
        accepted_s = time.monotonic() - t0 - 0.5
        time.sleep(2)  # the last deliveries
        user1, sys1, rest1 = group_cpu_seconds(f.process.pid)
        busy1, steal1 = cpu_ticks(cpu)
        elapsed = time.monotonic() - t0
        load = sampler.stop()
        arrivals = dict(sink.stop())
        f.stop()
        tick = os.sysconf("SC_CLK_TCK")
        n = len(results)
        waits = [(t1 - t0_) * 1000 for _, t0_, t1 in results.values()]
        added = [(arrivals[i] - t0_) * 1000 for i, (_, t0_, _) in results.items() if i in arrivals]
        # From the scheduled arrival: what a sender sees when sessions ran out and messages waited to start.
        overall = [(arrivals[i] - sched) * 1000 for i, (sched, _, _) in results.items() if i in arrivals]
        own, engine = (user1 - user0) + (sys1 - sys0), rest1 - rest0
        busy, steal = (busy1 - busy0) / tick, (steal1 - steal0) / tick
        others = max(0.0, busy - own - engine)
        print(f"\n== open loop, Poisson arrivals at {rate:g} msg/s offered for {seconds:g} s: {n} of {len(offsets)}"
              f" accepted; filter (listener + {workers} scan worker(s)) pinned to CPU {cpu}, generator and sink"
              f" on CPU(s) {sorted(os.sched_getaffinity(0))}; filter nice {nice}; model {'on' if model else 'off'} ==")
        print(f"  achieved          {n / accepted_s:8.1f} msg/s accepted; sessions opened {opened}"
              f" ({'pipelining' if pipelining else 'no pipelining'}); start lag p99"
              f" {percentile(lags, .99) * 1000:.1f} ms, max {max(lags) * 1000:.1f} ms")
        print(f"  DATA→250 (Postfix waits)   p50 {percentile(waits, .5):7.1f} ms  p95 {percentile(waits, .95):7.1f}"
              f"  p99 {percentile(waits, .99):7.1f}  max {max(waits):7.1f}")
        if added:
            print(f"  DATA→next hop (added)      p50 {percentile(added, .5):7.1f} ms  p95 "
                  f"{percentile(added, .95):7.1f}  p99 {percentile(added, .99):7.1f}  max {max(added):7.1f}")
            print(f"  arrival→next hop (+ lag)   p50 {percentile(overall, .5):7.1f} ms  p95 "
                  f"{percentile(overall, .95):7.1f}  p99 {percentile(overall, .99):7.1f}  max {max(overall):7.1f}")
        print(f"  delivered {len(arrivals)}, quarantined (held in the store) {n - len(arrivals)}")
        if n:
            print(f"  filter CPU per message {(own + engine) / n * 1000:.2f} ms: SMTP path {own / n * 1000:.2f}, engine"
                  f" {engine / n * 1000:.2f}; the filter kept CPU {cpu} {(own + engine) / elapsed * 100:.0f} % busy")
        print(f"  CPU {cpu} used by other work during the run: {others / elapsed * 100:.0f} % (steal"
              f" {steal / elapsed * 100:.0f} %); machine load average (1 min) {load} on {os.cpu_count()} CPUs")
        print(f"  filter stages, ms p50/p95/p99: {f.stage_timings()}")
        return {"rate": rate, "achieved": n / accepted_s, "p50": percentile(added, .5), "p95": percentile(added, .95),
                "p99": percentile(added, .99), "accept_p99": percentile(waits, .99),
                "arrival_p99": percentile(overall, .99),
                "cpu": (own + engine) / max(n, 1) * 1000, "others": others / elapsed * 100}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def crash(messages: list[bytes], kills: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="rempart-crash-"))
    try:
        config = work / "rempart.toml"
        # The model is off here: this phase measures durability, and restarts are quicker without it.
        config.write_text(CONFIG.format(workers=1) + "retry_initial_seconds = 0.2\nretry_max_seconds = 2.0\n"
                          + NO_MODEL)
        result = Campaign(work, messages, kills=kills, config=config).run(drain_timeout=900)
        print(f"\n== crash: {result.sent} messages, {result.kills} kill -9 restarts ==")
        print(f"  accepted (250) {result.accepted}, delivered {result.delivered_distinct}, "
              f"quarantined {result.quarantined_distinct}, LOST {len(result.lost)}")
        print(f"  duplicate copies at the next hop {result.duplicates} (byte-identical: {result.identical_duplicates}),"
              f" duplicate cases {result.duplicate_cases}, orphan workers {result.orphans}")
        print(f"  transactions tried {result.attempts} ({result.deferred} deferred, retried), {result.seconds:.0f} s;"
              f" restart to listening: median {statistics.median(result.restart_seconds):.1f} s")
        if result.lost:
            print(f"  lost: {result.lost[:20]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report_delay(messages: list[bytes], reports: int, poll: float) -> None:
    from email.message import EmailMessage

    from tests.gateway.dovecot import Dovecot, dovecot_available

    why = dovecot_available()
    if why:
        print(f"\n== report: skipped ({why}) ==")
        return
    work = Path(tempfile.mkdtemp(prefix="rempart-report-"))
    work.chmod(0o755)
    dovecot = Dovecot(work, {"signalement": "bench-password"})
    relay = Sink()
    process = None
    try:
        dovecot.start()
        relay.start()
        assert relay.controller is not None
        (work / "password").write_text("bench-password\n")
        config = work / "rempart.toml"
        config.write_text(
            f'language = "fr"\n[org]\nname = "Cabinet Exemple"\ndomains = ["cabinet-example.fr"]\n'
            f'[gateway.imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nusername = "signalement"\n'
            f'password_file = "{work / "password"}"\ntls_ca_file = "{dovecot.cert}"\npoll_seconds = {poll}\n'
            f'[gateway.feedback]\nsmtp_port = {relay.controller.port}\nfrom_address = "securite@cabinet-example.fr"\n')
        log = open(work / "imap.log", "ab")  # noqa: SIM115 - handed to the child
        process = subprocess.Popen([sys.executable, "-m", "rempart.cli.app", "gateway", "imap", "--config",
                                    str(config)], cwd=REPO, env={**os.environ, "REMPART_DATA_DIR": str(work / "data")},
                                   stdout=log, stderr=log, start_new_session=True)
        time.sleep(15)  # let it start and settle into its poll rhythm
        rng = random.Random(3)
        delays = []
        for i in range(reports):
            mail = EmailMessage()
            mail["From"] = f"employe{i}@cabinet-example.fr"
            mail["To"] = "signalement@cabinet-example.fr"
            mail["Subject"] = "TR: suspect"
            mail.set_content("Ce message me semble louche.\n")
            mail.add_attachment(messages[rng.randrange(len(messages))], maintype="application",
                                subtype="octet-stream", filename="suspect.eml")
            time.sleep(rng.uniform(0, poll))
            before = relay.count()
            t0 = time.monotonic()
            dovecot.deliver("signalement", mail.as_bytes())
            relay.wait_for(before + 1, timeout=120)
            delays.append(time.monotonic() - t0 if relay.count() > before else float("inf"))
        print(f"\n== report loop: {reports} reports, poll every {poll:g} s (Dovecot over TLS, CLI process) ==")
        print(f"  report → feedback e-mail: median {statistics.median(delays):.1f} s, max {max(delays):.1f} s")
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        relay.stop()
        dovecot.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus" / "dev"))
    parser.add_argument("--phase", choices=["throughput", "latency", "openloop", "crash", "report", "all"],
                        default="all")
    parser.add_argument("--limit", type=int, default=0, help="corpus messages for throughput/latency (0 = all)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent SMTP sessions (throughput)")
    parser.add_argument("--rate", type=float, default=100.0, help="offered load for the latency phase, msg/s")
    parser.add_argument("--cpu", type=int, default=1, help="CPU the filter is pinned to (-1: none)")
    parser.add_argument("--rates", default="25,50,75,100", help="openloop: offered rates, msg/s")
    parser.add_argument("--order", choices=["sorted", "shuffled"], default="sorted",
                        help="openloop: corpus messages in path order (blocks by folder) or shuffled (seed 0)")
    parser.add_argument("--duration", type=float, default=60.0, help="openloop: seconds of arrivals per rate")
    parser.add_argument("--max-sessions", type=int, default=64, help="openloop: concurrent SMTP sessions at most")
    parser.add_argument("--nice", type=int, default=0,
                        help="openloop: the filter's nice value; below 0 it goes before other work on its CPU, as if"
                             " the CPU were its own (on a shared machine)")
    parser.add_argument("--no-pipelining", action="store_true",
                        help="openloop: one command at a time even when the filter offers PIPELINING")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--crash-messages", type=int, default=5000)
    parser.add_argument("--reports", type=int, default=6)
    parser.add_argument("--poll", type=float, default=10.0)
    parser.add_argument("--no-model", action="store_true", help="throughput/latency without the learned model")
    parser.add_argument("--scan-workers", type=int, default=1, help="[gateway] scan_workers (throughput/latency)")
    parser.add_argument("--event-loop", default="", choices=["", "asyncio", "uvloop"],
                        help="the filter's event loop ($REMPART_EVENT_LOOP; default: uvloop when installed)")
    args = parser.parse_args()
    messages = corpus(Path(args.corpus), args.limit)
    if args.cpu >= 0 and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)) - {args.cpu})  # clients and sink elsewhere
    if args.phase in ("throughput", "all"):
        flow(messages, args.clients, 0.0, args.cpu, "throughput", not args.no_model, args.scan_workers,
             args.event_loop)
    if args.phase in ("latency", "all"):
        flow(messages, max(args.clients, 16), args.rate, args.cpu, f"latency at {args.rate:g} msg/s offered",
             not args.no_model, args.scan_workers, args.event_loop)
    if args.phase in ("openloop", "all"):
        if args.order == "shuffled":
            # Mail arrives mixed: in path order the corpus comes in homogeneous blocks (5 KB list mail, then
            # 20 KB honeypot phishing with attachments), so a run's load depends on which block its window hits.
            messages = list(messages)
            random.Random(0).shuffle(messages)
        rows = [open_loop(messages, float(r), args.duration, args.cpu, not args.no_model, args.scan_workers,
                          args.max_sessions, args.event_loop, not args.no_pipelining, args.nice)
                for r in args.rates.split(",")]
        print("\n  offered  achieved  DATA→next hop p50 / p95 / p99 ms  DATA→250 p99  arrival→next hop p99"
              "  filter CPU/msg  other work on the filter's CPU")
        for row in rows:
            print(f"  {row['rate']:7.0f}  {row['achieved']:8.1f}  {row['p50']:8.1f} / {row['p95']:6.1f} /"
                  f" {row['p99']:6.1f}  {row['accept_p99']:12.1f}  {row['arrival_p99']:19.1f}  {row['cpu']:11.2f} ms"
                  f"  {row['others']:5.0f} %")
    if args.phase in ("crash", "all"):
        pool = corpus(Path(args.corpus), 0)
        crash([pool[i % len(pool)] for i in range(args.crash_messages)], args.kills)
    if args.phase in ("report", "all"):
        report_delay(messages, args.reports, args.poll)
    return 0


if __name__ == "__main__":
    sys.exit(main())
