# helpers.bash — shared by the key, wrap and unwrap bats suites (load helpers).
#
# Keys of PROTOCOL.md §8.1 (m/44'/1237'/38383'/0/N of NIP06_MNEMONIC):
#   SK0/PK0 identity (index 0), SK1/PK1 trade (index 1), SK2/PK2 another trade key
# and SKM/PKM the Mostro node of tests/vectors/nip59.jsonl; TAKE a take-sell.
#   secret_file PATH TEXT       TEXT and a newline in a 0600 file
#   key_files                   $T/id, $T/trade, $T/other, $T/mostro from the keys above
#   wait_for SECONDS CMD [ARG...]  runs CMD every 50 ms until it succeeds; fails
#                               naming CMD after SECONDS (every wait in a test is
#                               bounded: a missing tool fails it, never hangs it).
#                               The arguments are expanded once, by the caller:
#                               `wait_for 5 test "$(count)" -eq 3` tests one
#                               value forever; put what changes in a function
#   need CMD...                 fails naming the first CMD that is not installed

NIP06_MNEMONIC="leader monkey parrot ring guide accident before fence cannon height naive bean"
SK0=df5ba9d72ec62e9d39a095f1b86936fe10abfc7d56700caa1652a463a40d19b1
PK0=b4bf6548df043786641d4b63e748eda4b55fce21beae991512d23487c7bd8950
SK1=977b9da8056e6a83a991cb31ac507b0a618fbbee355e36e107e0e348686ab833
PK1=1c71f0a29c9d14198781f36897c6d6c08e2c4f905ba69fc5f8e67d375d705a8a
SK2=03c78114b80a2db782bb86be47c8062388d78a0585dfa79b8594e105740758c3
PK2=5011d0e7a57ae27627ab76962537072c6809ef3b9e24c2e3db4e672c61624eef
SKM=82352a2554b713ed0c7edd2229804269bcd9a259fb1032d93085490fa710ff65
PKM=8b04142e01039bed503ea99a9ab40df7bbfadebef9bcfc01aea4352655a89124
TAKE='{"order":{"version":2,"request_id":1,"trade_index":1,"id":"308e1272-d5f4-47e6-bd97-3504baea9c23","action":"take-sell","payload":null}}'

secret_file() { printf '%s\n' "$2" >"$1"; chmod 600 "$1"; }

key_files() {
	secret_file "$T/id" $SK0
	secret_file "$T/trade" $SK1
	secret_file "$T/other" $SK2
	secret_file "$T/mostro" $SKM
}

wait_for() {
	local limit=$1 end
	shift
	end=$((SECONDS + limit))
	until "$@"; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "wait_for: still false after ${limit} s: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "$c is not installed (scripts/install-deps installs it)" >&2; return 1; }
	done
}
