#!/usr/bin/env python3
"""The fleet soak (issue 17 item 6): three instances of the packaged jar on a PostgreSQL and a Redis of their own,
mixed traffic for a while, one fault every few minutes, then the books are checked.

Traffic, from 6 workers spread over the instances (each worker its own address, user and session): password
logins, refreshes, credential writes, reveals (a service account with reveal:credentials), audit searches.
Faults, in turn: kill -9 of one instance (restarted 5 s later), Redis stopped for 30 s, PostgreSQL stopped and
started again (fast shutdown, 8 s down). At the end:
  - every acknowledged credential write is found: the stored value is the last acknowledged one or a later
    write whose answer was lost;
  - every acknowledged login has its LOGIN_SUCCESS (count), every worker's last acknowledged refresh token
    still refreshes;
  - each organization's audit chain verifies intact;
  - no 5xx outside fault windows (a window: the fault plus 10 s after recovery);
  - RSS of each instance at the end against its RSS after warm-up (3 minutes after its start), each the least of
    seven readings over 3 s (an Argon2id hash in flight maps 64 MiB for its duration);
  - refresh_tokens rows: each a retired token inside its retention window or the current token of a session the
    session retention keeps; none beyond.
Run by bench/soak.sh; prints a JSON summary and writes it to the file given by --out.
"""
import argparse
import base64
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

PG_BIN = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
PG_BIN = f"/usr/lib/postgresql/{PG_BIN}/bin"
ADMIN = "soak-admin@example.test"
PASSWORD = "Soak-Admin-Passw0rd!"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Services:
    """PostgreSQL and Redis owned by the soak, so they can be stopped without touching anyone else's."""

    def __init__(self, work):
        self.work = work
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.pg_data = os.path.join(work, "pg")
        os.makedirs(self.pg_data)
        shutil.chown(self.pg_data, "postgres", "postgres")
        self.as_postgres([f"{PG_BIN}/initdb", "-D", self.pg_data, "-A", "trust", "-U", "postgres", "--no-sync"])
        with open(os.path.join(self.pg_data, "postgresql.conf"), "a") as f:
            f.write(f"port = {self.pg_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.pg_data}'\n"
                    "max_connections = 200\nshared_buffers = 128MB\n")
        self.pg_start()
        self.redis_start()

    def as_postgres(self, cmd):
        subprocess.run(["runuser", "-u", "postgres", "--"] + cmd, check=True, stdout=subprocess.DEVNULL)

    def pg_start(self):
        self.as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.pg_data, "-l", os.path.join(self.pg_data, "log"), "-w", "start"])

    def pg_stop(self):
        self.as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.pg_data, "-m", "fast", "-w", "stop"])

    def redis_start(self):
        subprocess.run(["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                        "--daemonize", "yes", "--logfile", os.path.join(self.work, "redis.log")], check=True)
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)

    def redis_stop(self):
        subprocess.run(["redis-cli", "-p", str(self.redis_port), "shutdown", "nosave"], capture_output=True)

    def sql(self, query):
        out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "-Atc", query],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def close(self):
        self.redis_stop()
        try:
            self.pg_stop()
        except subprocess.CalledProcessError:
            pass


class Instance:
    def __init__(self, index, work, jar, services, master_key, java_opts):
        self.index = index
        self.port = free_port()
        self.data = os.path.join(work, f"instance-{index}")
        os.makedirs(self.data)
        self.jar = jar
        self.env = dict(os.environ, LIFTOS_DATA_DIR=self.data, LIFTOS_HTTP_PORT=str(self.port), LIFTOS_HTTP_HOST="127.0.0.1",
                        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{services.pg_port}/postgres",
                        REDIS_URL=f"redis://127.0.0.1:{services.redis_port}", MASTER_ENCRYPTION_KEY_PATH=master_key,
                        LIFTOS_TRUSTED_PROXIES="127.0.0.1", LIFTOS_RATE_LIMIT_IP_PER_HOUR="1000000",
                        # One fleet, one public URL: it is the tokens' issuer, so every instance must be given the same.
                        LIFTOS_PUBLIC_URL="https://soak.liftos.test",
                        LIFTOS_PURGE_INTERVAL_SECONDS="60", LIFTOS_LOG_LEVEL="WARN", LIFTOS_BOOTSTRAP_ORG="Soak Org",
                        LIFTOS_BOOTSTRAP_ADMIN_EMAIL=ADMIN, LIFTOS_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD, JAVA_TOOL_OPTIONS=java_opts)
        self.proc = None
        self.started_at = 0
        self.rss_warm = None
        self.rss_samples = []

    def start(self):
        log = open(os.path.join(self.data, "serve.log"), "ab")
        self.proc = subprocess.Popen(["java", "-jar", self.jar, "serve"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.started_at = time.time()
        self.rss_warm = None

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if requests.get(self.url("/health"), timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit(f"instance {self.index} not ready")

    def rss_kib(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except FileNotFoundError:
            return None

    def resident_floor_kib(self):
        """The least RSS over 3 s: what the process keeps, without the 64 MiB working memory of an Argon2id hash
        that happens to be in flight at the moment of a single reading (it is mapped per hash and unmapped after)."""
        readings = []
        for _ in range(7):
            rss = self.rss_kib()
            if rss is not None:
                readings.append(rss)
            time.sleep(0.5)
        return min(readings) if readings else None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Books:
    """What the load was told (acknowledged) and what it saw, shared by the workers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.status = {}
        self.errors_outside = []
        self.logins_acked = {}
        self.writes = {}  # key -> list of (value, acked)
        self.requests = 0
        self.connection_errors = 0

    def count(self, what, code, in_window):
        with self.lock:
            self.requests += 1
            self.status[f"{what}:{code}"] = self.status.get(f"{what}:{code}", 0) + 1
            if code >= 500 and not in_window:
                self.errors_outside.append((time.strftime("%H:%M:%S"), what, code))


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.windows = []  # (start, end or None)
        self.log = []

    def open(self, name):
        with self.lock:
            self.windows.append([time.time(), None])
            self.log.append({"fault": name, "at": time.strftime("%H:%M:%S")})

    def close(self, grace=10, **facts):
        with self.lock:
            self.windows[-1][1] = time.time() + grace
            self.log[-1].update(facts)

    def active(self, at=None):
        at = at or time.time()
        with self.lock:
            return any(s <= at and (e is None or at <= e) for s, e in self.windows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--fault-every", type=float, default=180, help="seconds between faults")
    ap.add_argument("--jar", default="target/liftos-security.jar")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="liftos-soak-")
    os.chmod(work, 0o755)
    services = Services(work)
    master_key = os.path.join(work, "master_encryption_key.txt")
    with open(master_key, "w") as f:
        f.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    os.chmod(master_key, 0o600)
    java_opts = open("Dockerfile").read().split('JAVA_TOOL_OPTIONS="')[1].split('"')[0] + " " + os.environ.get("SOAK_JAVA_OPTS", "")
    instances = [Instance(i, work, os.path.abspath(args.jar), services, master_key, java_opts) for i in range(3)]
    try:
        for inst in instances:
            inst.start()
        for inst in instances:
            inst.wait_ready()
        summary = soak(args, services, instances)
    finally:
        for inst in instances:
            inst.stop()
        services.close()
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if summary["verdict"] == "pass" else 1)


def soak(args, services, instances):
    books, faults = Books(), Faults()
    fwd = lambda i: {"X-Forwarded-For": f"10.9.0.{i + 10}", "User-Agent": "liftos-soak"}
    first = instances[0]
    admin = requests.post(first.url("/v1/auth/login"), json={"email": ADMIN, "password": PASSWORD}, headers=fwd(99)).json()
    admin_token = admin["access_token"]
    org = requests.get(first.url("/v1/me"), headers={**fwd(99), "Authorization": f"Bearer {admin_token}"}).json()["org_id"]
    auth = {**fwd(99), "Authorization": f"Bearer {admin_token}"}
    # The load is many users' worth from six workers: the organization's per-user limits raised as an operator
    # would for service traffic (the per-session refresh budget stays at its default).
    cfg = requests.get(first.url(f"/v1/orgs/{org}/security-config"), headers=auth).json()
    cfg["api_rate_limits"] = {"auth": {"limit": 100000, "window": 300}, "api": {"limit": 10000000, "window": 3600},
                              "sensitive": {"limit": 100000, "window": 60}}
    cfg["max_concurrent_sessions"] = 20
    r = requests.put(first.url(f"/v1/orgs/{org}/security-config"), headers=auth, json=cfg)
    assert r.status_code == 200, r.text
    sa = requests.post(first.url(f"/v1/orgs/{org}/service-accounts"), headers=auth,
                       json={"name": "soak-reader", "roles": ["viewer"], "permissions": ["reveal:credentials"]}).json()
    sa_basic = (sa["client_id"], sa["client_secret"])
    workers = 6
    users = []
    for w in range(workers):
        email = f"soak-{w}@example.test"
        r = requests.post(first.url(f"/v1/orgs/{org}/users"), headers=auth,
                          json={"email": email, "password": PASSWORD, "roles": ["admin"]})
        assert r.status_code == 201, r.text
        users.append(email)
    stop_at = time.time() + args.minutes * 60
    last_refresh = {}

    def call(what, method, inst, path, w, **kw):
        in_window = faults.active()
        try:
            r = requests.request(method, inst.url(path), timeout=15, headers={**fwd(w), **kw.pop("headers", {})}, **kw)
        except requests.RequestException:
            with books.lock:
                books.connection_errors += 1
                if not (in_window or faults.active()):
                    books.errors_outside.append((time.strftime("%H:%M:%S"), what, "no answer"))
            return None
        books.count(what, r.status_code, in_window or faults.active())
        return r

    def worker(w):
        rnd = random.Random(w)
        device = f"soak-device-{w}"
        session = None
        token = None
        sa_token = None
        n = 0
        refreshed_at = 0.0
        while time.time() < stop_at:
            inst = instances[(w + n) % 3]
            n += 1
            if inst.proc.poll() is not None:
                inst = instances[(w + n) % 3]
            if session is None or n % 50 == 0:
                r = call("login", "POST", inst, "/v1/auth/login", w, json={"email": users[w], "password": PASSWORD, "device_id": device})
                if r is not None and r.status_code == 200:
                    body = r.json()
                    session, token = body["refresh_token"], body["access_token"]
                    with books.lock:
                        books.logins_acked[users[w]] = books.logins_acked.get(users[w], 0) + 1
                        last_refresh[w] = session
                time.sleep(0.2)
                continue
            pick = rnd.random()
            headers = {"Authorization": f"Bearer {token}"}
            # A refresh every 3 s per session: within LIFTOS_REFRESHES_PER_SESSION_PER_MINUTE (30).
            if time.time() - refreshed_at > 3:
                refreshed_at = time.time()
                r = call("refresh", "POST", inst, "/v1/auth/refresh", w, json={"refresh_token": session, "device_id": device})
                if r is not None and r.status_code == 200:
                    body = r.json()
                    session, token = body["refresh_token"], body["access_token"]
                    with books.lock:
                        last_refresh[w] = session
                elif r is not None and r.status_code == 401:
                    session = None
            elif pick < 0.35:
                key = f"w{w}k{rnd.randrange(4)}"
                value = "EAAB" + secrets.token_hex(40)
                with books.lock:
                    books.writes.setdefault(key, []).append([value, False])
                    entry = books.writes[key][-1]
                r = call("write", "PUT", inst, f"/v1/orgs/{org}/credentials/meta/{key}", w, headers=headers,
                         json={"access_token": value, "app_id": "123456789012345", "app_secret": "0123456789abcdef0123456789abcdef",
                               "ad_account_id": "act_1234567890"})
                if r is not None and r.status_code in (200, 201):
                    with books.lock:
                        entry[1] = True
                elif r is not None and r.status_code == 401:
                    session = None
            elif pick < 0.75:
                if sa_token is None:
                    r = call("grant", "POST", inst, "/oauth2/token", w, data={"grant_type": "client_credentials"}, auth=sa_basic)
                    if r is not None and r.status_code == 200:
                        sa_token = r.json()["access_token"]
                    continue
                key = f"w{w}k{rnd.randrange(4)}"
                r = call("reveal", "GET", inst, f"/v1/orgs/{org}/credentials/meta/{key}/secret", w,
                         headers={"Authorization": f"Bearer {sa_token}"})
                if r is not None and r.status_code == 401:
                    sa_token = None
            else:
                r = call("audit_search", "GET", inst, f"/v1/orgs/{org}/audit?limit=50", w, headers=headers)
                if r is not None and r.status_code == 401:
                    session = None
            time.sleep(0.1)

    def sampler():
        while time.time() < stop_at:
            for inst in instances:
                rss = inst.resident_floor_kib()
                if rss is None:
                    continue
                if inst.rss_warm is None and time.time() - inst.started_at >= 180:
                    inst.rss_warm = rss
                inst.rss_samples.append((round(time.time()), rss))
            time.sleep(15)

    def wait_first_200(inst, path, headers):
        t0 = time.time()
        while time.time() - t0 < 120:
            try:
                if requests.get(inst.url(path), headers=headers, timeout=5).status_code == 200:
                    return time.time() - t0
            except requests.RequestException:
                pass
            time.sleep(0.05)
        return None

    def injector():
        kinds = ["kill9", "redis", "postgres"]
        i = 0
        while time.time() + args.fault_every < stop_at:
            time.sleep(args.fault_every)
            kind = kinds[i % 3]
            i += 1
            if kind == "kill9":
                victim = instances[2]
                faults.open("kill -9 instance 2")
                victim.kill9()
                time.sleep(5)
                victim.start()
                victim.wait_ready()
                faults.close(restart_to_ready_s=round(time.time() - victim.started_at, 2))
            elif kind == "redis":
                faults.open("redis stopped 30 s")
                services.redis_stop()
                time.sleep(30)
                services.redis_start()
                faults.close()
            else:
                faults.open("postgresql stopped 8 s")
                services.pg_stop()
                time.sleep(8)
                services.pg_start()
                back = wait_first_200(instances[0], "/health", {})
                faults.close(postgres_back_to_first_200_s=round(back, 3) if back is not None else None)

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(workers)]
    threads += [threading.Thread(target=sampler, daemon=True), threading.Thread(target=injector, daemon=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # RSS at the end of the traffic, before the books: the closing checks (three whole-chain verifications, a reveal
    # of every key) are a different load, whose working memory is not what the soak measures.
    end_rss = {inst.index: inst.resident_floor_kib() for inst in instances}

    # The books.
    fresh_admin = requests.post(first.url("/v1/auth/login"), json={"email": ADMIN, "password": PASSWORD}, headers=fwd(98)).json()
    auth = {**fwd(98), "Authorization": f"Bearer {fresh_admin['access_token']}"}
    grant = requests.post(first.url("/oauth2/token"), data={"grant_type": "client_credentials"}, auth=sa_basic, headers=fwd(97)).json()
    reader = {**fwd(97), "Authorization": f"Bearer {grant['access_token']}"}
    lost_writes = []
    for key, sent in books.writes.items():
        acked = [i for i, (_, ok) in enumerate(sent) if ok]
        if not acked:
            continue
        for _ in range(30):
            r = requests.get(first.url(f"/v1/orgs/{org}/credentials/meta/{key}/secret"), headers=reader, timeout=15)
            if r.status_code != 429:
                break
            time.sleep(int(r.headers.get("Retry-After", "2")))
        stored = r.json()["credentials"]["access_token"] if r.status_code == 200 else None
        allowed = {v for v, _ in sent[acked[-1]:]}
        if stored not in allowed:
            lost_writes.append(key)
    logins_in_audit = {}
    for email in users:
        logins_in_audit[email] = int(services.sql(
            "SELECT count(*) FROM audit_events e JOIN users u ON u.id = e.actor_id "
            f"WHERE e.event_type = 'LOGIN_SUCCESS' AND u.email = '{email}'"))
    lost_logins = {e: books.logins_acked.get(e, 0) - logins_in_audit[e] for e in users if logins_in_audit[e] < books.logins_acked.get(e, 0)}
    dead_refresh = []
    for w, tok in last_refresh.items():
        r = requests.post(first.url("/v1/auth/refresh"), json={"refresh_token": tok, "device_id": f"soak-device-{w}"},
                          headers=fwd(w), timeout=15)
        if r.status_code != 200:
            dead_refresh.append({"worker": w, "status": r.status_code})
    chains = {}
    for inst in instances:
        v = requests.post(inst.url(f"/v1/orgs/{org}/audit/verify"), headers=auth, json={}, timeout=60).json()
        chains[f"instance-{inst.index}"] = v.get("status")
    rss = {}
    for inst in instances:
        end = end_rss[inst.index]
        rss[f"instance-{inst.index}"] = {"warm_kib": inst.rss_warm, "end_kib": end,
                                         "samples_kib": [kib for _, kib in inst.rss_samples[::8]],
                                         "growth_pct": round(100.0 * (end - inst.rss_warm) / inst.rss_warm, 1) if inst.rss_warm and end else None}
    retention_hours = 24
    refresh_rows = int(services.sql("SELECT count(*) FROM refresh_tokens"))
    live_sessions = int(services.sql("SELECT count(*) FROM auth_sessions WHERE ended_at IS NULL AND expires_at > now()"))
    # Every row must be a retired token inside the retired-token retention or the current token of a session the
    # session retention still keeps (ended sessions are kept 90 days by default, their tokens with them).
    sessions_kept = int(services.sql("SELECT count(*) FROM auth_sessions"))
    beyond_retention = int(services.sql(f"SELECT count(*) FROM refresh_tokens WHERE status = 'rotated' AND carries_family "
                                        f"AND used_at < now() - interval '{retention_hours} hours'"))
    rotated_in_window = int(services.sql(f"SELECT count(*) FROM refresh_tokens WHERE status = 'rotated' AND used_at > now() - interval '{retention_hours} hours'"))
    # An instance restarted less than warm-up before the end has no warm figure; the never-killed ones always do.
    rss_ok = all(v["growth_pct"] <= 20 for v in rss.values() if v["growth_pct"] is not None) \
        and rss["instance-0"]["growth_pct"] is not None and rss["instance-1"]["growth_pct"] is not None
    verdict = (not lost_writes and not lost_logins and not dead_refresh and all(s == "intact" for s in chains.values())
               and not books.errors_outside and rss_ok and refresh_rows <= sessions_kept + rotated_in_window and beyond_retention == 0)
    return {
        "minutes": args.minutes, "requests": books.requests, "unanswered_requests": books.connection_errors,
        "status_counts": dict(sorted(books.status.items())), "faults": faults.log,
        "acknowledged_writes": sum(1 for s in books.writes.values() for _, ok in s if ok), "lost_writes": lost_writes,
        "acknowledged_logins": sum(books.logins_acked.values()), "lost_login_events": lost_logins,
        "last_refresh_tokens_dead": dead_refresh, "audit_chains": chains, "5xx_outside_fault_windows": books.errors_outside[:20],
        "rss": rss, "refresh_tokens_rows": refresh_rows, "live_sessions": live_sessions,
        "rotations_within_retention_window": rotated_in_window, "sessions_kept": sessions_kept,
        "retired_tokens_beyond_retention": beyond_retention, "verdict": "pass" if verdict else "fail",
    }


if __name__ == "__main__":
    main()
