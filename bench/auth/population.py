#!/usr/bin/env python3
"""Creates a realistic population on a running service for the rate-limited grant benchmarks.

sessions BASE ADMIN_EMAIL ADMIN_PW USERS PER_USER OUT  -> OUT holds USERS x PER_USER refresh tokens, one per line
clients  BASE ADMIN_EMAIL ADMIN_PW COUNT OUT           -> OUT holds COUNT base64 "client_id:secret" lines
Everything goes over one keep-alive connection from 127.0.0.1 (the same address wrk uses).
"""
import base64
import http.client
import json
import sys
from urllib.parse import urlparse


def call(conn, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json", "User-Agent": "liftos-bench"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise SystemExit(f"{method} {path} -> {r.status} {data[:200]!r}")
    return json.loads(data) if data else {}


def main():
    mode, base, email, password = sys.argv[1:5]
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    admin = call(conn, "POST", "/v1/auth/login", {"email": email, "password": password})["access_token"]
    org = call(conn, "GET", "/v1/me", token=admin)["org_id"]
    # the admin's own API budget (1,000/h by default) would stop the set-up itself
    config = {"api_rate_limits": {"api": {"limit": 1000000, "window": 3600}}}
    if mode == "sessions":
        users, per_user, out = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
        config["max_concurrent_sessions"] = max(per_user, 3)
    call(conn, "PUT", f"/v1/orgs/{org}/security-config", config, admin)
    if mode == "sessions":
        pw = "Bench-Popul4tion!"
        with open(out, "w") as f:
            for u in range(users):
                user_email = f"pop-{u}@example.test"
                call(conn, "POST", f"/v1/orgs/{org}/users", {"email": user_email, "password": pw, "roles": ["viewer"]}, admin)
                for _ in range(per_user):
                    f.write(call(conn, "POST", "/v1/auth/login", {"email": user_email, "password": pw})["refresh_token"] + "\n")
    elif mode == "clients":
        count, out = int(sys.argv[5]), sys.argv[6]
        with open(out, "w") as f:
            for i in range(count):
                sa = call(conn, "POST", f"/v1/orgs/{org}/service-accounts",
                          {"name": f"worker-{i}", "roles": ["viewer"]}, admin)
                pair = f"{sa['client_id']}:{sa['client_secret']}".encode()
                f.write(base64.b64encode(pair).decode() + "\n")
    else:
        raise SystemExit("usage: population.py sessions|clients ...")


if __name__ == "__main__":
    main()
