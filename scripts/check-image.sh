#!/usr/bin/env bash
# Check a built image without a Docker engine: run the image's ENTRYPOINT (as its non-root
# USER, with its ENV) in a buildah container, wait for /api/health, run the image's own
# HEALTHCHECK command inside it, check the baked index was used, then stop it with SIGTERM.
#
#   scripts/check-image.sh                      # localhost/chatbot:latest
#   IMAGE=localhost/chatbot:test scripts/check-image.sh
#
# The server listens on 127.0.0.1:PORT (a free port; buildah's chroot isolation shares this
# machine's network), not on the image's default 0.0.0.0:8000.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/chatbot:latest}
BUILDAH=(buildah --storage-driver vfs)
PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
LOG=$(mktemp)

inspect=$("${BUILDAH[@]}" inspect --type image "$IMAGE")
config() {  # one field of the image's Docker config, as JSON
  python3 -c 'import json, sys; print(json.dumps(json.loads(sys.stdin.read())["Docker"]["config"].get(sys.argv[1])))' "$1" <<<"$inspect"
}
entrypoint=$(config Entrypoint)
user=$(config User | tr -d '"')
healthcheck=$(config Healthcheck)
echo "== $IMAGE: entrypoint $entrypoint, user $user"
[ "$user" != "" ] && [ "$user" != "root" ] && [ "$user" != "0" ] || { echo "FAIL: the image runs as root" >&2; exit 1; }
[ "$healthcheck" != "null" ] || { echo "FAIL: the image has no HEALTHCHECK (build with --format docker)" >&2; exit 1; }

ctr=$("${BUILDAH[@]}" from "$IMAGE")
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  "${BUILDAH[@]}" rm "$ctr" >/dev/null 2>&1 || true
  rm -f "$LOG"
}
trap cleanup EXIT

# The entrypoint with the image's own command, but on loopback and a free port.
mapfile -t argv < <(python3 -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])))' "$entrypoint")
"${BUILDAH[@]}" run --isolation chroot --env "CHATBOT_PORT=$PORT" --env CHATBOT_HOST=127.0.0.1 "$ctr" -- \
  "${argv[@]}" serve --host 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
server_pid=$!

echo "== waiting for http://127.0.0.1:$PORT/api/health"
health=
for _ in $(seq 1 120); do
  if health=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' \
      "http://127.0.0.1:$PORT/api/health" 2>/dev/null); then
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { echo "FAIL: the server exited:"; cat "$LOG"; exit 1; }
  sleep 0.5
done
[ -n "$health" ] || { echo "FAIL: no answer from /api/health"; cat "$LOG"; exit 1; }
echo "health: $health"
python3 -c 'import json, sys; h = json.loads(sys.argv[1]); assert h["ready"] and h["documents"] > 0 and h["corpus_errors"] == 0, h' "$health"
if [ "${CHECK_BAKED_INDEX:-1}" = 1 ]; then  # the index baked in at build time was loaded, not rebuilt
  python3 -c 'import json, sys; h = json.loads(sys.argv[1]); assert h["reload"]["source"] == "saved", "index rebuilt at start-up, not loaded from the image: " + str(h["reload"])' "$health"
  echo "baked-in index loaded (source: saved)"
fi

echo "== the image's HEALTHCHECK command, inside the container"
mapfile -t check < <(python3 -c 'import json, sys; t = json.loads(sys.argv[1])["Test"]; print("\n".join(t[1:]))' "$healthcheck")
"${BUILDAH[@]}" run --isolation chroot --env "CHATBOT_PORT=$PORT" "$ctr" -- "${check[@]}"
echo "HEALTHCHECK passed"

echo "== a question"
python3 - "$PORT" <<'EOF'
import json, sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/api/chat", data=json.dumps({"message": "How long does Botox last?"}).encode(), headers={"Content-Type": "application/json"})
reply = json.loads(urllib.request.urlopen(req, timeout=10).read())
assert reply["type"] == "answer" and reply["passages"] and reply["disclaimer"], reply
print(f"answer with {len(reply['passages'])} passages: {reply['passages'][0]['citation']['document']}")
EOF

grep -q "Error\|Traceback" "$LOG" && { echo "FAIL: errors in the server log:"; cat "$LOG"; exit 1; }
grep -qi "index" "$LOG" && grep -i "index" "$LOG" | head -3

echo "== SIGTERM"
# buildah -> (its chroot helper) -> chatbot serve (the gunicorn master) -> workers: signal the master.
serve_pid=$(python3 - "$server_pid" <<'EOF'
import os, sys
parent, args = {}, {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        parent[int(pid)] = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        args[int(pid)] = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue
frontier, depth = [int(sys.argv[1])], 0
while frontier and depth < 10:  # breadth first: the master is the shallowest "chatbot serve"
    found = [pid for pid in frontier if "python" in args.get(pid, "").split(" ")[0] and "bin/chatbot serve" in args[pid]]
    if found:
        print(found[0])
        break
    frontier = [pid for pid, ppid in parent.items() if ppid in frontier]
    depth += 1
EOF
)
[ -n "$serve_pid" ] || { echo "FAIL: no chatbot serve process under $server_pid"; exit 1; }
echo "gunicorn master: pid $serve_pid"
kill -TERM "$serve_pid"
for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$server_pid" 2>/dev/null; then echo "FAIL: still running 30 s after SIGTERM"; exit 1; fi
wait "$server_pid" || true
echo "server log:"; sed 's/^/  /' "$LOG" | tail -n 8
grep -q "Shutting down" "$LOG" || { echo "FAIL: gunicorn did not shut down gracefully"; exit 1; }
echo "PASS: $IMAGE answers /api/health and its HEALTHCHECK"
