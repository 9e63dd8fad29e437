#!/usr/bin/env python3
"""Request paths for the directory benchmark (bench/directory.sh), read from a populated database and the service.

users    DB ORG OUT_MIXED OUT_ONE_LETTER  -> first pages of GET /users?q=...&limit=50: prefixes of real emails and display
                                             names (1, 2, 3 and 5 characters, whole emails, display names in their case),
                                             and the one-letter prefixes alone (the widest matches)
sessions BASE TOKEN DB ORG OUT_HEAVY OUT_ORDINARY -> every page (limit 50, live and all sessions) of the 20 users with
                                             2,000-5,000 sessions, followed through next_cursor; first pages of 1,000
                                             ordinary users (about 10 sessions each)
"""
import http.client
import json
import random
import subprocess
import sys
from urllib.parse import quote, urlparse

random.seed(18)


def sql(db, query):
    out = subprocess.run(["psql", db, "-tAF", "\t", "-c", query], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def users(db, org, out_mixed, out_one):
    rows = sql(db, f"SELECT email, coalesce(display_name, '') FROM users WHERE org_id = '{org}' ORDER BY random() LIMIT 600")
    prefixes = []
    for email, name in rows:
        local = email.split("@")[0]
        prefixes += [local[:1], local[:2], local[:3], local[:5], email]
        if name:
            prefixes.append(name[:3])
    base = f"/v1/orgs/{org}/users?limit=50&q="
    with open(out_mixed, "w") as f:
        for p in prefixes:
            f.write(base + quote(p, safe="") + "\n")
    with open(out_one, "w") as f:
        for email, _ in rows:
            f.write(base + quote(email[:1], safe="") + "\n")
    print(f"  {len(prefixes)} q prefixes ({len(set(prefixes))} distinct), {len(rows)} one-letter")


def get(conn, path, token):
    conn.request("GET", path, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise SystemExit(f"GET {path} -> {r.status} {data[:200]!r}")
    return json.loads(data)


def sessions(base, token, db, org, out_heavy, out_ordinary):
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    heavy = sql(db, f"""SELECT user_id, count(*) FROM auth_sessions WHERE org_id = '{org}'
                        GROUP BY user_id HAVING count(*) >= 1000 ORDER BY count(*) DESC""")
    pages = 0
    with open(out_heavy, "w") as f:
        for user_id, _ in heavy:
            for status in ("active", "all"):
                first = f"/v1/orgs/{org}/users/{user_id}/sessions?limit=50&status={status}"
                path, seen = first, 0
                while True:
                    f.write(path + "\n")
                    pages += 1
                    body = get(conn, path, token)
                    seen += len(body["items"])
                    if not body.get("next_cursor"):
                        break
                    path = first + "&cursor=" + quote(body["next_cursor"], safe="")
                total = int(sql(db, f"SELECT count(*) FROM auth_sessions WHERE user_id = '{user_id}'"
                                    + (" AND ended_at IS NULL" if status == "active" else ""))[0][0])
                if seen != total:
                    raise SystemExit(f"user {user_id} status {status}: paged {seen} sessions, the table holds {total}")
    print(f"  {len(heavy)} users with 1,000+ sessions ({', '.join(c for _, c in heavy[:3])}, ...): {pages} pages, every session seen")
    ordinary = sql(db, f"SELECT id FROM users WHERE org_id = '{org}' ORDER BY random() LIMIT 1000")
    with open(out_ordinary, "w") as f:
        for (user_id,) in ordinary:
            f.write(f"/v1/orgs/{org}/users/{user_id}/sessions?limit=50&status=all\n")


if __name__ == "__main__":
    if sys.argv[1] == "users":
        users(*sys.argv[2:6])
    elif sys.argv[1] == "sessions":
        sessions(*sys.argv[2:8])
    else:
        raise SystemExit("usage: paths.py users|sessions ...")
