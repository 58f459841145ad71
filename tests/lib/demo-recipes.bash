# tests/lib/demo-recipes.bash — run the recipes of man/mostroutils.7 as
# printed (tests/recipes.bats).
#
# In the page's source a recipe is the .EX block after a comment
# `.\" recipe: KIND NAME`; KIND says how it is run: sh (pasted into bash),
# crontab (cron: NAME=value lines, then five time fields and a /bin/sh
# command line with \% for %), script (a file saved as ~/bin/NAME), daemon
# (a foreground command, started in the background here).
#
#   recipes                 "KIND NAME" of every recipe, in page order
#   recipe NAME             its text, unescaped from roff
#   recipe_install NAME     a script recipe saved as $HOME/bin/NAME (0755)
#   cron_env                the crontab recipe's variables, as NAME=value lines
#   cron_job PATTERN        the command of the crontab line whose command
#                           matches PATTERN (a grep -E), % unescaped
#   run_cron CMD [NAME=VALUE...]  CMD as cron runs it: /bin/sh -c, only the
#                           crontab's variables (those of the test's exchange
#                           instead of the placeholders) and HOME
#   fixture_relay NAME      mostro-relay serve on a free port: $RELAY_URL[NAME]
#   sign_pub URL KEYFILE    event templates on stdin signed and published
#   http_fixture DIR        tests/lib/demo-http.mjs serving DIR: $HTTP_URL
#   lnd_double DIR          tests/lnd-double/server.mjs with a fresh cert and
#                           macaroon in DIR: $LND_URL, DIR/tls.cert, DIR/admin.macaroon
#   stop_fixtures           TERM to every server started here, by PID (KILL
#                           after 5 s)
#
# Every wait is bounded (wait_for from helpers.bash).

MAN7=${MOSTRO_TOP}/man/mostroutils.7

recipes() {
	sed -n 's/^\.\\" recipe: \([a-z]*\) \([^ ]*\)$/\1 \2/p' "$MAN7"
}

# unroff: the escapes the page uses in .EX blocks, undone (\e last)
unroff() { sed -e 's/^\\&//' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g'; }

recipe() {
	awk -v want="$1" '
		/^\.\\" recipe: / { name = $4; next }
		name != "" && /^\.EX$/ { inb = 1; next }
		inb && /^\.EE$/ { inb = 0; name = ""; next }
		inb && name == want { print }
	' "$MAN7" | unroff
}

recipe_install() {
	mkdir -p "$HOME/bin"
	recipe "$1" >"$HOME/bin/$1"
	chmod 755 "$HOME/bin/$1"
}

cron_env() { recipe crontab | grep -E '^[A-Za-z_][A-Za-z0-9_]*='; }

cron_job() {
	recipe crontab | grep -vE '^[A-Za-z_][A-Za-z0-9_]*=|^#|^$' |
		sed -E 's/^([^ ]+ +){5}//' | grep -E -- "$1" | head -n 1 | sed 's/\\%/%/g'
}

# run_cron CMD [NAME=VALUE...]: the variables cron would set, with the test's
# values for those the recipe shows as placeholders (PATH, MOSTRO_PUBKEY,
# RELAYS) and any given
run_cron() {
	local cmd=$1 line name
	shift
	local -a env=("HOME=$HOME" "SHELL=/bin/sh" "LOGNAME=${LOGNAME:-root}")
	while IFS= read -r line; do
		name=${line%%=*}
		case $name in
		PATH) env+=("PATH=$PATH") ;;
		MOSTRO_PUBKEY) env+=("MOSTRO_PUBKEY=$MOSTRO_PUBKEY") ;;
		RELAYS) env+=("RELAYS=$RELAYS") ;;
		*) env+=("$line") ;;
		esac
	done < <(cron_env)
	(cd "$HOME" && env -i "${env[@]}" "$@" /bin/sh -c "$cmd")
}

declare -gA RELAY_URL=() FIXTURE_PID=()

fixture_relay() {
	local name=$1 log=$T/relay-$1.log
	mostro-relay serve --listen 127.0.0.1:0 --db "$T/relay-$1.db" </dev/null 2>"$log" 3>&- &
	FIXTURE_PID[relay-$name]=$!
	wait_for 10 grep -q 'listening on' "$log"
	RELAY_URL[$name]=$(sed -n 's/^mostro-relay: listening on \(ws:[^ ]*\) .*/\1/p' "$log")
}

sign_pub() {
	mostro-wrap --plain --key-file "$2" | mostro-relay pub -q "$1" | jq -s -e 'all(.[]; .accepted)' >/dev/null
}

http_fixture() {
	node "$MOSTRO_TOP/tests/lib/demo-http.mjs" "$1" >"$T/http.out" 2>"$T/http.log" 3>&- &
	FIXTURE_PID[http]=$!
	wait_for 10 test -s "$T/http.out"
	HTTP_URL=http://127.0.0.1:$(jq -r .port "$T/http.out")
}

lnd_double() {
	local d=$1 hex
	mkdir -p -m 700 "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/tls.key" -out "$d/tls.cert" -days 2 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
	head -c 96 /dev/urandom >"$d/admin.macaroon"
	chmod 600 "$d/admin.macaroon"
	hex=$(od -An -v -tx1 "$d/admin.macaroon" | tr -d ' \n')
	node "$MOSTRO_TOP/tests/lnd-double/server.mjs" --cert "$d/tls.cert" --key "$d/tls.key" \
		--macaroon-hex "$hex" >"$d/ports" 2>"$d/log" 3>&- &
	FIXTURE_PID[lnd]=$!
	wait_for 10 test -s "$d/ports"
	LND_URL=https://127.0.0.1:$(jq -r .https "$d/ports")
}

stop_fixtures() {
	local name pid end
	for name in "${!FIXTURE_PID[@]}"; do
		pid=${FIXTURE_PID[$name]}
		kill -TERM "$pid" 2>/dev/null || true
		end=$((SECONDS + 5))
		while kill -0 "$pid" 2>/dev/null && [[ $(ps -o stat= -p "$pid") != Z* ]] && ((SECONDS < end)); do sleep 0.05; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	FIXTURE_PID=()
}

# new_key FILE: a fresh secret key (0600); its public key on stdout
new_key() {
	(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1")
	mostro-key pub --key-file "$1" | jq -r .pubkey
}
