#!/bin/sh
# One load run on the production layout, in one command (docs/sandbox.md, "Load mode"):
# gunicorn (webhooks, API), the ASGI process (uvicorn: the agents' websocket), the Celery
# workers (the post-call queue, and the calls queue that rings agents) and beat on PostgreSQL
# and Redis, and the Vonage sandbox at the plan's speed; then
# `manage.py sandbox_load` with the arguments given here, its report, and everything stopped.
#
#   DATABASE_URL=postgres://... REDIS_URL=redis://... scripts/load_run.sh \
#       --rate 200/h --talk 3m --agents 14 --duration 3h --speed 40 --queue Billing --seed 1
#
# (`make load LOAD_ARGS="..."` runs this.) Ports: LOAD_PORT (8600) for gunicorn and the three
# after it for uvicorn, the sandbox's API and its control page. WEB_CONCURRENCY (gunicorn's
# workers), CELERY_CONCURRENCY (2) and CELERY_CALLS_CONCURRENCY (2) as in production. The machine's load (uptime) and the
# most PostgreSQL connections the run held are printed beside the report.
set -eu
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database (postgres://...)}"
: "${REDIS_URL:?set REDIS_URL (redis://...): the broker, the channel layer and the cache}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "load_run: DATABASE_URL must be PostgreSQL, not $DATABASE_URL" >&2; exit 2 ;;
esac
speed=""
previous=""
for argument in "$@"; do
  [ "$previous" = "--speed" ] && speed="$argument"
  previous="$argument"
done
[ -n "$speed" ] || { echo "load_run: give the plan's --speed (sandbox_load's options)" >&2; exit 2; }

PY=.venv/bin/python
BIN=.venv/bin
port=${LOAD_PORT:-8600}
web_port=$port
ws_port=$((port + 1))
sandbox_port=$((port + 2))
control_port=$((port + 3))
VAR_DIR=${LOAD_VAR_DIR:-$PWD/var/load}
mkdir -p "$VAR_DIR"
$PY scripts/local_env.py >/dev/null
. ./.local.env
export VAR_DIR DEBUG=0 SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=127.0.0.1,localhost
export PUBLIC_URL="http://127.0.0.1:$web_port"
export SANDBOX_DIR="$VAR_DIR/sandbox"
export VONAGE_API_HOST="127.0.0.1:$sandbox_port" VONAGE_REST_HOST="127.0.0.1:$sandbox_port"
export REQUESTS_CA_BUNDLE="$SANDBOX_DIR/ca-bundle.pem"
export CELERY_TASK_ALWAYS_EAGER=0 EMBEDDED_BEAT=0
# The calls' audio streams go to the ASGI process (a proxy routes /ws/ there in production).
# Live transcription is off unless SPEECH_ENGINE is given: the runs measure the routing chain,
# and one local speech recogniser per call is not what 2 cores carry at 100 calls at once.
export MEDIA_STREAM_URL="ws://127.0.0.1:$ws_port/ws/media/" SPEECH_ENGINE="${SPEECH_ENGINE:-off}"

pids=""
stop_all() {
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $pids; do wait "$pid" 2>/dev/null || true; done
  pids=""
}
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

logs="$VAR_DIR/logs"
mkdir -p "$logs"
echo "load_run: machine before: $(uptime)"
$PY manage.py migrate --noinput >"$logs/migrate.log" 2>&1
$PY manage.py load_demo >/dev/null
# Tasks a stopped run left in the broker would run first and against calls long gone.
$BIN/celery -A callcentre purge -f -Q celery,calls >/dev/null 2>&1 || true
$PY manage.py run_sandbox --port "$sandbox_port" --control-port "$control_port" \
  --speed "$speed" --timestamps wall --app-answer-delay 0 >"$logs/sandbox.log" 2>&1 &
pids="$pids $!"
$BIN/gunicorn --config deploy/gunicorn.conf.py --bind "127.0.0.1:$web_port" callcentre.wsgi \
  >"$logs/gunicorn.log" 2>&1 &
pids="$pids $!"
$BIN/uvicorn callcentre.asgi:application --host 127.0.0.1 --port "$ws_port" \
  --log-level warning --no-access-log >"$logs/uvicorn.log" 2>&1 &
pids="$pids $!"
$BIN/celery -A callcentre worker --loglevel=WARNING --queues=celery \
  --concurrency="${CELERY_CONCURRENCY:-2}" >"$logs/worker.log" 2>&1 &
pids="$pids $!"
$BIN/celery -A callcentre worker --loglevel=WARNING --queues=calls --hostname="calls@%h" \
  --concurrency="${CELERY_CALLS_CONCURRENCY:-2}" >"$logs/calls-worker.log" 2>&1 &
pids="$pids $!"
$BIN/celery -A callcentre beat --loglevel=WARNING \
  --schedule="$VAR_DIR/celerybeat-schedule" >"$logs/beat.log" 2>&1 &
pids="$pids $!"
$PY scripts/when_listening.py "127.0.0.1:$web_port" "127.0.0.1:$ws_port" \
  "127.0.0.1:$control_port" </dev/null >/dev/null

# The most connections the run's database had at once, sampled every half second.
peak_file="$VAR_DIR/peak_connections"
echo 0 >"$peak_file"
(
  peak=0
  while :; do
    now=$(psql "$DATABASE_URL" -tAc \
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()" 2>/dev/null \
      || echo 0)
    if [ "$now" -gt "$peak" ]; then peak=$now; echo "$peak" >"$peak_file"; fi
    sleep 0.5
  done
) &
pids="$pids $!"

# In the background and waited for, so that Ctrl-C stops everything at once.
status=0
$PY manage.py sandbox_load "$@" --app-url "http://127.0.0.1:$web_port" \
  --socket-url "http://127.0.0.1:$ws_port" --control-url "http://127.0.0.1:$control_port" &
load_pid=$!
pids="$load_pid $pids"
wait "$load_pid" || status=$?
echo "load_run: machine after: $(uptime)"
echo "load_run: most PostgreSQL connections at once: $(cat "$peak_file")" \
  "(errors: $(cat "$logs"/*.log | grep -c 'too many clients' || true) 'too many clients')"
echo "load_run: logs in $logs"
exit $status
