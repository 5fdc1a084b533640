#!/usr/bin/env bash
# The demo: a Samtale server on the embedded default (SQLite in ./demo-data), seeded with a demo
# municipality (a caseworker, two youths, a parent, threads with history), and two app windows,
# the caseworker's and a youth's, talking live. Without a display it leaves CLI profiles to talk
# from instead. On a fresh Debian 12 machine (as root) it first installs what it needs.
# Stop it with Ctrl-C (or by closing the windows); run it again to continue where you left off.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh

ensure_build_deps
ensure_rust
ensure_app_build_deps
ensure_smtp_sink

log "building (the first time takes a while: about 25 minutes on two cores)"
bash scripts/build-ui.sh
# SAMTALE_DEMO_BUILD=debug uses the debug build the tests make (quicker to get when it is there).
if [ "${SAMTALE_DEMO_BUILD:-release}" = debug ]; then
  cargo build --workspace --bins --locked --features samtale-app/custom-protocol
  BIN=$(realpath -m "${CARGO_TARGET_DIR:-target}")/debug
else
  cargo build --release --locked -p samtale-server -p samtale-cli -p samtale-app --features samtale-app/custom-protocol
  BIN=$(realpath -m "${CARGO_TARGET_DIR:-target}")/release
fi
DEMO=${SAMTALE_DEMO_DIR:-$PWD/demo-data}
LISTEN=${SAMTALE_LISTEN:-127.0.0.1:8080}
URL="http://$LISTEN"
export SAMTALE_DATA_DIR="$DEMO/server"
export SAMTALE_PASSWORD="demo-kodeord-2026"
mkdir -p "$DEMO"

cli() { local who=$1; shift; "$BIN/samtale" --profile "$DEMO/$who" "$@"; }

if [ ! -f "$DEMO/server/samtale.db" ]; then
  log "creating the demo municipality"
  "$BIN/samtale-server" create-tenant --name "Demo Kommune" --slug demo --admin-username admin --admin-name "Demo Admin" >/dev/null
  "$BIN/samtale-server" add-staff --slug demo --role caseworker --username sara --name "Sara Holm" >/dev/null
fi
# Sara's unit: the conversations she starts belong to it, and notices come from it.
if ! "$BIN/samtale-server" units --slug demo | grep -q Ungeindsatsen; then
  "$BIN/samtale-server" units --slug demo --add Ungeindsatsen >/dev/null
  "$BIN/samtale-server" staff-unit --slug demo --username sara --unit Ungeindsatsen >/dev/null
fi

# A local mail server (STARTTLS, its own certificate) that keeps every mail it gets as a file in
# demo-data/mail: the content-free notices by e-mail, and the codes that confirm an address.
SMTP_PORT=${SAMTALE_DEMO_SMTP_PORT:-2525}
mkdir -p "$DEMO/mail"
if [ ! -f "$DEMO/smtp.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$DEMO/smtp.key" -out "$DEMO/smtp.crt" 2>/dev/null
fi
[ -f "$DEMO/contact.key" ] || od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$DEMO/contact.key"
"$SAMTALE_TEST_PYTHON" tests/support/smtpd.py "$SMTP_PORT" "$DEMO/mail" "$DEMO/smtp.crt" "$DEMO/smtp.key" > "$DEMO/smtp.out" 2>&1 &
SMTP=$!
for _ in $(seq 1 200); do grep -q READY "$DEMO/smtp.out" 2>/dev/null && break; sleep 0.05; done
grep -q READY "$DEMO/smtp.out" || { log "the mail server did not start (port $SMTP_PORT taken?)"; kill $SMTP; exit 1; }
# Notices a minute after a message goes unread, at any hour, and "kan ikke nås digitalt" at once
# for whom nothing reaches (the defaults are an hour, 21.00-08.00 quiet, and 14 days).
export SAMTALE_CONTACT_KEY=$(cat "$DEMO/contact.key")
export SAMTALE_SMTP_HOST=127.0.0.1 SAMTALE_SMTP_PORT=$SMTP_PORT SAMTALE_SMTP_FROM=samtale@demo.invalid
export SAMTALE_SMTP_CA_FILE=$DEMO/smtp.crt
export SAMTALE_NOTICE_WAIT_SECONDS=60 SAMTALE_NOTICE_QUIET_HOURS=none SAMTALE_UNREACHABLE_AFTER_DAYS=0

"$BIN/samtale-server" serve --listen "$LISTEN" > "$DEMO/server.out" &
SERVER=$!
trap 'kill $SERVER $SMTP 2>/dev/null; wait $SERVER $SMTP 2>/dev/null' EXIT
for _ in $(seq 1 200); do grep -q listening "$DEMO/server.out" 2>/dev/null && break; sleep 0.05; done
grep -q listening "$DEMO/server.out" || { log "the server did not start"; exit 1; }

if [ ! -f "$DEMO/.seeded" ]; then
  log "seeding people and conversations"
  cli sara login --server "$URL" --tenant demo --username sara --device "Saras bærbare" >/dev/null
  code=$(cli sara invite --role youth --name Mikkel | sed -n 's/^code: //p')
  mikkel=$(cli mikkel --json join "$code" --server "$URL" --name "Mikkel" --device "Mikkels telefon" | sed -n 's/.*"user":"\([0-9A-Z]*\)".*/\1/p')
  code=$(cli sara invite --role youth --name Emma | sed -n 's/^code: //p')
  emma=$(cli emma --json join "$code" --server "$URL" --name "Emma" --device "Emmas telefon" | sed -n 's/.*"user":"\([0-9A-Z]*\)".*/\1/p')
  qr=$(cli sara invite --role parent --name Hanne --youth "$mikkel" | sed -n 's/^qr:   //p')
  hanne=$(cli hanne --json join "$qr" --name "Hanne" --device "Hannes telefon" | sed -n 's/.*"user":"\([0-9A-Z]*\)".*/\1/p')
  family=$(cli sara new-thread --kind family "$mikkel" "$hanne")
  youth=$(cli sara new-thread --kind youth "$emma")
  cli sara send "$family" "Hej Mikkel og Hanne 👋 Skal vi holde mødet om praktikpladsen på torsdag kl. 15?" >/dev/null
  cli hanne send "$family" "Det passer fint. Vi kommer begge to." >/dev/null
  cli mikkel send "$family" "Ok 👍 skal jeg tage mit CV med?" >/dev/null
  cli sara send "$family" "Ja tak, gerne på papir. Vi ses torsdag!" >/dev/null
  cli sara send "$youth" "Hej Emma, hvordan gik eksamen i går? 😊" >/dev/null
  cli emma send "$youth" "Den gik faktisk godt! Jeg fik 10 🎉" >/dev/null
  cli mikkel read "$family" >/dev/null
  touch "$DEMO/.seeded"
fi

# Three months of Mikkel's smileys (08.00 and 20.00 every day) in his own conversation with
# Sara, with a dip after a school change she recorded: the timeline shows something real on
# first start. The engines' clocks are shifted to each moment (SAMTALE_CLOCK_SHIFT_MS), so each
# answer is dated and classified as if given then.
if [ ! -f "$DEMO/.seeded-checkins" ]; then
  log "seeding three months of Mikkel's smileys (a minute or so)"
  mikkel=$(cli mikkel --json whoami | sed -n 's/.*"user":"\([0-9A-Z]*\)".*/\1/p')
  own=$(cli sara --json new-thread --kind youth "$mikkel" | sed -n 's/.*"thread":"\([0-9A-Z]*\)".*/\1/p')
  now=$(date +%s%3N)
  days=91
  first=$(date -d "$days days ago" +%F)
  start=$(TZ=Europe/Copenhagen date -d "$first 07:00" +%s%3N)
  plan=$(SAMTALE_CLOCK_SHIFT_MS=$((start - now)) cli sara --json plan "$own" --time all@08:00 --time all@20:00 \
    --tag skole --tag hjemme --tag venner --tag søvn --tag fritid --note | sed -n 's/.*"plan":"\([0-9A-Z]*\)".*/\1/p')
  change=$(date -d "30 days ago" +%F)
  cli sara event "$own" --category school_change --at "$change" --text "Skifter til Vestskolen" >/dev/null
  for d in $(seq 0 $((days - 1))); do
    day=$(date -d "$first + $d days" +%F)
    for hm in 08:00 20:00; do
      slot=$(TZ=Europe/Copenhagen date -d "$day $hm" +%s%3N)
      [ $((slot + 3600000)) -lt "$now" ] || continue
      # Now and then a slot goes unanswered.
      [ $(((d * 7 + 10#${hm%%:*}) % 23)) -eq 0 ] && continue
      if [ "$d" -lt $((days - 30)) ]; then
        score=$((4 + (d % 3 == 0) - (d % 7 == 5))); tag=venner
      elif [ "$d" -lt $((days - 8)) ]; then
        score=$((2 + (d % 4 == 0) - (d % 5 == 2))); tag=skole
      else
        score=$((3 + (d % 2))); tag=fritid
      fi
      SAMTALE_CLOCK_SHIFT_MS=$((slot + 20 * 60000 - now)) cli mikkel check-in "$plan" "$score" --tag "$tag" >/dev/null
    done
  done
  cli sara sync >/dev/null
  touch "$DEMO/.seeded-checkins"
fi
family=$(cli sara threads | awk '/family/ {print $1; exit}')
# An appointment in the family conversation Mikkel has answered, and a question about the last
# meeting (with his mother's answer); the appointment is also on his timeline.
if [ ! -f "$DEMO/.seeded-cards" ]; then
  log "seeding an appointment and a question"
  thursday=$(TZ=Europe/Copenhagen date -d "next thursday" +%F)
  appt=$(cli sara --json appointment "$family" --title "Møde om praktikpladsen" --at "${thursday}T15:00" \
    --minutes 45 --place "Ungecentret, Søndergade 4" --note "Tag dit CV med." | sed -n 's/.*"id":"\([0-9A-Z]*\)".*/\1/p' | head -1)
  cli mikkel rsvp "$appt" coming >/dev/null
  q=$(cli sara --json ask "$family" "Hvordan var mødet på skolen i går?" --comment | sed -n 's/.*"id":"\([0-9A-Z]*\)".*/\1/p' | head -1)
  cli hanne answer "$q" 4 --comment "Godt, men lidt langt" >/dev/null
  cli sara sync >/dev/null
  touch "$DEMO/.seeded-cards"
fi
# Sara's first two messages with the family recorded into the case file, delivered to a folder
# (the demo's "case system"): the mark shows in both apps, the PDF/A lies in demo-data/journal.
if [ ! -f "$DEMO/.seeded-record" ]; then
  log "seeding a record into the case file ($DEMO/journal)"
  mkdir -p "$DEMO/journal"
  cli sara set-connector "{\"kind\":\"folder\",\"path\":\"$DEMO/journal\"}" >/dev/null
  picks=$(cli sara --json read "$family" | grep -o '"id":"[0-9A-Z]*","thread"' | head -2 | sed 's/"id":"\([0-9A-Z]*\)".*/--message \1/')
  # shellcheck disable=SC2086
  cli sara record "$family" $picks --case-number "27.12.08-G01-1042-26" \
    --title "Aftale om møde om praktikplads" --kle 27.12.08 >/dev/null
  touch "$DEMO/.seeded-record"
fi
mikkel_id=$(cli mikkel --json whoami | sed -n 's/.*"user":"\([0-9A-Z]*\)".*/\1/p')
# Hanne confirms her e-mail address with the code that came to the mail server and consents to
# e-mail about new messages from the unit; the unit gets its letterhead. Emma gives nothing: a
# message to her that stays unread puts her on Sara's "kan ikke nås digitalt" list.
if [ ! -f "$DEMO/.seeded-reach" ]; then
  log "seeding contacts, consents and the unit's letterhead"
  cli admin login --server "$URL" --tenant demo --username admin --device "Admins computer" >/dev/null
  unit=$(cli admin units | awk '/Ungeindsatsen/ {print $1; exit}')
  cli admin edit-unit "$unit" --name Ungeindsatsen --address "Rådhuset|Torvet 1|7100 Demoby" \
    --phone "70 10 20 30" --email ungeindsatsen@demo.invalid --hours "mandag-fredag 9-15" >/dev/null
  cli hanne set-contact email hanne@demo.invalid >/dev/null
  before=$(ls "$DEMO/mail" | grep -c '\.eml$' || true)
  cli hanne contact-code email >/dev/null
  for _ in $(seq 1 200); do [ "$(ls "$DEMO/mail" | grep -c '\.eml$' || true)" -gt "$before" ] && break; sleep 0.05; done
  mail=$(ls "$DEMO/mail"/*.eml | sort | tail -1)
  code=$("$SAMTALE_TEST_PYTHON" -c 'import email, email.policy, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(re.search(r"\b(\d{6})\b", m.get_body(("plain",)).get_content()).group(1))' "$mail")
  cli hanne verify-contact email "$code" >/dev/null
  cli hanne give-consent --unit "$unit" --purpose new-messages --channel email >/dev/null
  emma=$(cli emma --json whoami | sed -n 's/.*"user":"\([0-9A-Z]*\)".*/\1/p')
  hanne=$(cli hanne --json whoami | sed -n 's/.*"user":"\([0-9A-Z]*\)".*/\1/p')
  cli sara send "$(cli sara --json new-thread --kind youth "$emma" | sed -n 's/.*"thread":"\([0-9A-Z]*\)".*/\1/p')" \
    "Hej Emma, har du tid til en snak i næste uge?" >/dev/null
  cli sara send "$(cli sara --json new-thread --kind parents "$hanne" | sed -n 's/.*"thread":"\([0-9A-Z]*\)".*/\1/p')" \
    "Hej Hanne, tak for i dag. Jeg sender referatet i morgen." >/dev/null
  touch "$DEMO/.seeded-reach"
fi

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  log "opening the caseworker's and Mikkel's app windows"
  # The app opens the same encrypted profiles the CLI seeded, with their keys.
  app() { SAMTALE_PROFILE="$DEMO/$1" SAMTALE_DB_KEY="$(cat "$DEMO/$1/db.key")" SAMTALE_SERVER="$URL" "$BIN/samtale-app" & }
  app sara
  app mikkel
fi
cat <<MSG

  Samtale demo is running on $URL (data in $DEMO; Ctrl-C stops it).

  The caseworker's conversations:
    $BIN/samtale --profile $DEMO/sara threads
    $BIN/samtale --profile $DEMO/sara read $family

  Answer as the youth, then read it as the caseworker (with read marks):
    $BIN/samtale --profile $DEMO/mikkel send $family "Tak, jeg kommer!"
    $BIN/samtale --profile $DEMO/sara read $family

  Safety codes to compare:  $BIN/samtale --profile $DEMO/sara people

  Notices: a minute after a message goes unread, Hanne gets an e-mail with no content; it
  lands in $DEMO/mail. Emma gave no number: she is on Sara's list
    $BIN/samtale --profile $DEMO/sara unreachable
    $BIN/samtale --profile $DEMO/sara letter <Emma's id> --out brev.pdf

MSG
wait $SERVER
