#!/usr/bin/env bash
# test_cli.sh LIAISON - the real CLI against the real server: help at every
# level, version, config file and environment, tables and --json, and the
# exit code of each kind of failure.
set -uo pipefail
cli=${1:?path to the liaison CLI}
: "${LIAISON_TEST_URL:?run the tests through tests/run}"
fail=0
check() { # check DESCRIPTION EXPECTED_EXIT COMMAND...
  local desc=$1 want=$2
  shift 2
  "$@" >"$out" 2>"$err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "not ok - $desc: exit $got, wanted $want"
    sed 's/^/    /' "$out" "$err"
    fail=1
  else
    echo "ok - $desc"
  fi
}
contains() { # contains DESCRIPTION FILE TEXT
  if grep -qF -- "$3" "$2"; then echo "ok - $1"; else
    echo "not ok - $1: '$3' not in output"
    sed 's/^/    /' "$2"
    fail=1
  fi
}
out=$(mktemp)
err=$(mktemp)
home=$(mktemp -d)
trap 'rm -rf "$out" "$err" "$home"' EXIT
export HOME=$home
unset XDG_CONFIG_HOME LIAISON_URL LIAISON_CA

check "--help" 0 "$cli" --help
contains "--help lists commands" "$out" "migrations"
contains "--help lists exit codes" "$out" "Exit codes"
check "--version" 0 "$cli" --version
contains "--version prints it" "$out" "liaison 0."
for sub in ping health migrations call; do
  check "$sub --help" 0 "$cli" "$sub" --help
  contains "$sub --help has usage" "$out" "Usage: liaison $sub"
done
check "no command is a usage error" 2 "$cli"
check "unknown command is a usage error" 2 "$cli" frobnicate
check "bad option is a usage error" 2 "$cli" ping --count 0

# Without a CA the system store does not trust the dev CA: unavailable.
check "untrusted server" 6 "$cli" --url "$LIAISON_TEST_URL" health
contains "untrusted server says why" "$err" "not trusted"

# Environment.
export LIAISON_URL=$LIAISON_TEST_URL LIAISON_CA=$LIAISON_TEST_CA
check "ping via environment" 0 "$cli" ping --message "hello" --count 3
contains "ping table" "$out" "ROUND TRIP"
contains "ping echo" "$out" "hello"
check "health table" 0 "$cli" health
contains "health shows schema" "$out" "schema version"
check "health --json" 0 "$cli" --json health
contains "health json" "$out" '"databaseOk": true'
check "migrations list needs authentication" 3 "$cli" migrations list
export LIAISON_TOKEN=$LIAISON_TEST_OPERATOR_TOKEN
check "migrations list" 0 "$cli" migrations list --all
contains "migrations table" "$out" "tenants"
check "migrations list --json" 0 "$cli" --json migrations list --page-size 1
contains "migrations json" "$out" '"migrations"'
check "call with JSON argument" 0 "$cli" call Ping '{"echo":"via call"}'
contains "call output" "$out" '"echo": "via call"'
echo '{"echo":"from stdin"}' >"$home/req.json"
check "call with JSON on stdin" 0 sh -c "\"$cli\" call Ping - < \"$home/req.json\""
contains "call stdin output" "$out" "from stdin"
check "server-side invalid argument" 2 "$cli" call Ping '{"delayMs":9999}'
contains "violation shown" "$err" "delayMs"
check "server-side invalid argument, json" 2 "$cli" --json call Ping '{"delayMs":9999}'
contains "violation as json" "$err" '"violations"'
check "bad cursor" 2 "$cli" migrations list --cursor '!!'
unset LIAISON_TOKEN
check "unknown method" 1 "$cli" call NoSuchThing
check "invalid JSON" 2 "$cli" call Ping '{oops'
check "unavailable server" 6 "$cli" --url liaison://127.0.0.1:1 health
check "bad URL" 2 "$cli" --url http://x health

# Operator, log-in, session file, whoami, users, tokens, audit, log-out.
slug=cli-$$
pw='a password of some length'
echo "$pw" >"$home/pw"
check "admin tenant create needs an operator" 3 sh -c "\"$cli\" admin tenant create --slug $slug --name Cli --admin-email a@cli.example --password-stdin < \"$home/pw\""
LIAISON_TOKEN=$LIAISON_TEST_OPERATOR_TOKEN check "admin tenant create" 0 sh -c "\"$cli\" admin tenant create --slug $slug --name 'Cli GmbH' --admin-email a@cli.example --password-stdin < \"$home/pw\""
contains "tenant shown" "$out" "Cli GmbH"
LIAISON_TOKEN=$LIAISON_TEST_OPERATOR_TOKEN check "admin tenant create again: conflict" 5 sh -c "\"$cli\" admin tenant create --slug $slug --name 'Cli GmbH' --admin-email a@cli.example --password-stdin < \"$home/pw\""
LIAISON_TOKEN=$LIAISON_TEST_OPERATOR_TOKEN check "admin tenant list" 0 "$cli" admin tenant list --all
contains "tenant listed" "$out" "$slug"
LIAISON_TOKEN=$LIAISON_TEST_OPERATOR_TOKEN check "admin tenant show unknown" 4 "$cli" admin tenant show nope-$$
check "admin tenant --help" 0 "$cli" admin tenant --help
contains "admin help lists export" "$out" "export"
check "wrong password: authentication exit code" 3 sh -c "echo 'not the password at all' | \"$cli\" login --tenant $slug --email a@cli.example --password-stdin"
check "login" 0 sh -c "\"$cli\" login --tenant $slug --email a@cli.example --password-stdin < \"$home/pw\""
[ "$(stat -c %a "$home/.config/liaison/session")" = 600 ] && echo "ok - session file is 0600" ||
  { echo "not ok - session file mode"; fail=1; }
grep -q "$pw" "$home/.config/liaison/session" && { echo "not ok - password stored"; fail=1; } ||
  echo "ok - no password in the session file"
check "whoami" 0 "$cli" whoami
contains "whoami shows tenant" "$out" "$slug"
check "user create" 0 sh -c "\"$cli\" user create --email m@cli.example --role manager --name Mai --password-stdin < \"$home/pw\""
check "user create with a short password" 2 sh -c "echo short | \"$cli\" user create --email s@cli.example --role manager --password-stdin"
contains "short password named" "$err" "password"
check "user create with a bad role" 2 sh -c "\"$cli\" user create --email r@cli.example --role boss --password-stdin < \"$home/pw\""
check "user list" 0 "$cli" user list
contains "user listed" "$out" "m@cli.example"
mid=$(grep m@cli.example "$out" | awk '{print $1}')
check "user disable" 0 "$cli" user disable "$mid"
check "user disable unknown" 4 "$cli" user disable 999999999
check "user enable" 0 "$cli" user enable "$mid"
check "token create" 0 "$cli" token create --name ci --role auditor --days 30
contains "token shown once" "$out" "token (shown once): lts_"
tok=$(sed -n 's/^token (shown once): //p' "$out")
check "token list" 0 "$cli" token list
contains "token listed" "$out" "ci"
LIAISON_TOKEN=$tok check "auditor token reads the audit log" 0 "$cli" audit --all
contains "audit shows user creation" "$out" "user.create"
LIAISON_TOKEN=$tok check "auditor token may not create users" 3 sh -c "\"$cli\" user create --email x@cli.example --role manager --password-stdin < \"$home/pw\""
check "audit --json" 0 "$cli" --json audit --entity user
contains "audit json" "$out" '"entries"'
# Catalogue, distributors, contacts and charters, as a person types them.
for sub in product-line product distributor contact charter; do
  check "$sub --help" 0 "$cli" "$sub" --help
done
for sub in draft grant carve-out commitment check activate amend show history; do
  check "charter $sub --help" 0 "$cli" charter "$sub" --help
  contains "charter $sub usage" "$out" "Usage: liaison charter $sub"
done
check "product-line create" 0 "$cli" product-line create --code BRK --name "Brake systems"
brk=$(awk '$1 == "ID" {print $2}' "$out")
check "product-line create FLT" 0 "$cli" product-line create --code FLT --name Filters
flt=$(awk '$1 == "ID" {print $2}' "$out")
check "product-line list" 0 "$cli" product-line list
contains "lines listed" "$out" "Filters"
check "product create" 0 "$cli" product create --sku BRK-1 --line "$brk" --name Pads --unit set --moq 10
check "product create with a bad moq" 2 "$cli" product create --sku BRK-2 --line "$brk" --name Pads --moq -3
check "distributor create" 0 "$cli" distributor create --name "Saigon Auto Parts" --country VN \
  --time-zone Asia/Ho_Chi_Minh --languages vi,en --hours 08:00-17:00 --days 1,2,3,4,5,6
d1=$(awk '$1 == "ID" {print $2}' "$out")
contains "distributor shows its time zone" "$out" "Asia/Ho_Chi_Minh"
check "distributor with an unknown country" 2 "$cli" distributor create --name X --country XX --time-zone UTC
contains "country named" "$err" "fields.country"
check "distributor create 2" 0 "$cli" distributor create --name "Hanoi Motor Supply" --country VN --time-zone Asia/Bangkok
d2=$(awk '$1 == "ID" {print $2}' "$out")
check "distributor status refused" 5 "$cli" distributor status "$d1" active
check "distributor status" 0 "$cli" distributor status "$d1" onboarding
check "distributor list --status" 0 "$cli" distributor list --status onboarding
contains "filtered list" "$out" "Saigon Auto Parts"
check "distributor show unknown" 4 "$cli" distributor show 999999999
check "contact create" 0 "$cli" contact create --distributor "$d1" --name "Nguyễn Văn An" --role "purchasing manager" --language vi
check "contact list" 0 "$cli" contact list --distributor "$d1"
contains "contact listed" "$out" "purchasing manager"
check "charter draft" 0 "$cli" charter draft "$d1"
c1=$(awk '$1 == "charter" {print $2}' "$out")
check "charter grant" 0 "$cli" charter grant "$c1" --region VN --lines "$brk,$flt" --exclusive --from 2026-01-01
contains "grant table" "$out" "GRANTS"
check "charter carve-out" 0 "$cli" charter carve-out "$c1" --account "VinFast" --region VN-HP
check "charter commitment" 0 "$cli" charter commitment "$c1" --line "$brk" --moq 200 --buffer 8 --financing shared --payment-terms 60
check "charter terms" 0 "$cli" charter terms "$c1" --lines "$brk,$flt" --report-due-day 5 --signatories "K. Müller,Nguyễn Văn Minh" --signed-on 2025-12-15
check "charter check clean" 0 "$cli" charter check "$c1"
contains "no conflicts" "$out" "no territory conflicts"
check "charter activate" 0 "$cli" charter activate "$c1"
check "charter draft 2" 0 "$cli" charter draft "$d2"
c2=$(awk '$1 == "charter" {print $2}' "$out")
check "charter grant 2" 0 "$cli" charter grant "$c2" --region VN-SG --lines "$flt" --from 2026-03-01
check "charter check finds the conflict" 5 "$cli" charter check "$c2"
contains "conflict table" "$out" "Saigon Auto Parts"
check "charter activate refused: conflict exit code" 5 "$cli" charter activate "$c2"
contains "conflict explained" "$err" "overlaps Saigon Auto Parts"
check "charter amend" 0 "$cli" charter amend "$d1"
c3=$(awk '$1 == "charter" {print $2}' "$out")
g=$(awk '/^GRANTS/{f=1; next} f && $1 ~ /^[0-9]+$/ {print $1; exit}' "$out")
check "charter ungrant" 0 "$cli" charter ungrant "$c3" "$g"
check "charter grant brakes only" 0 "$cli" charter grant "$c3" --region VN --lines "$brk" --exclusive --from 2026-01-01
check "charter terms brakes only" 0 "$cli" charter terms "$c3" --lines "$brk"
check "charter activate amendment" 0 "$cli" charter activate "$c3"
check "charter activate the second" 0 "$cli" charter activate "$c2"
check "charter history" 0 "$cli" charter history "$d1"
contains "history shows superseded" "$out" "superseded"
check "charter show version 1" 0 "$cli" --json charter show "$d1" --version 1
contains "version 1 as json" "$out" '"version": 1'

printf '%s\n%s\n' "$pw" "another password, long" >"$home/pw2"
check "passwd" 0 sh -c "\"$cli\" user passwd --password-stdin < \"$home/pw2\""
check "logout" 0 "$cli" logout
[ ! -e "$home/.config/liaison/session" ] && echo "ok - session file removed" ||
  { echo "not ok - session file left"; fail=1; }
check "whoami after logout" 3 "$cli" whoami

# Config file, overridden by environment and then by flags.
unset LIAISON_URL LIAISON_CA
mkdir -p "$home/.config/liaison"
printf 'url = %s\nca = %s\n' "$LIAISON_TEST_URL" "$LIAISON_TEST_CA" >"$home/.config/liaison/config"
check "config file" 0 "$cli" health
LIAISON_URL=liaison://127.0.0.1:1 check "environment beats file" 6 "$cli" health
LIAISON_URL=liaison://127.0.0.1:1 check "flag beats environment" 0 "$cli" --url "$LIAISON_TEST_URL" health
echo "nonsense" >"$home/.config/liaison/config"
check "broken config file is a usage error" 2 "$cli" health

[ $fail -eq 0 ] && echo "cli: all passed" || echo "cli: FAILED"
exit $fail
