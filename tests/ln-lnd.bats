#!/usr/bin/env bats
# mostro-ln run --backend lnd: what only the LND REST transport has — TLS and
# hostname checks, the macaroon header, the exact encodings on the wire
# (checked in the double's request log), stream cuts and error trailers,
# servers that never answer, and the double's own faithfulness.

load ln_helpers

setup_file() { lnd_double_start; }
teardown_file() {
	lnd_double_stop
	[ -f "$BATS_FILE_TMPDIR/other.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/other.pid")" 2>/dev/null
	true
}
setup() { ln_use lnd; }
teardown() { ln_kill; }

# curl straight at the double (its faithfulness)
dcurl() {
	local d
	d=$(lnd_dir)
	curl -sS --max-time 20 --cacert "$d/cert.pem" -H "Grpc-Metadata-macaroon: $(od -An -v -tx1 "$d/admin.macaroon" | tr -d ' \n')" "$@"
}

@test "lnd: the node's cert is the only trust root; hostname is verified" {
	d=$(lnd_dir)
	# a certificate for another host name, served on 127.0.0.1
	node "$MOSTRO_TOP/tests/lnd-double/server.mjs" --cert "$d/other-cert.pem" --key "$d/other-key.pem" \
		--macaroon-hex 00 >"$BATS_FILE_TMPDIR/other.ports" 2>/dev/null 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/other.pid"
	wait_for 5 test -s "$BATS_FILE_TMPDIR/other.ports"
	port=$(jq -r .https "$BATS_FILE_TMPDIR/other.ports")
	echo '{"id":"i","op":"get_info"}' | mostro-ln run --backend lnd --lnd-url "https://127.0.0.1:$port" \
		--lnd-cert "$d/other-cert.pem" --lnd-macaroon "$d/admin.macaroon" >"$LN_OUT"
	jqt "$(ln_result i)" '.ok==false and .error.kind=="transport"'
	# the right server, but trusting another certificate
	echo '{"id":"j","op":"get_info"}' | mostro-ln run --backend lnd --lnd-url "$(lnd_url)" \
		--lnd-cert "$d/other-cert.pem" --lnd-macaroon "$d/admin.macaroon" >"$LN_OUT"
	jqt "$(ln_result j)" '.ok==false and .error.kind=="transport"'
	# localhost is in the SANs too
	echo '{"id":"k","op":"get_info"}' | mostro-ln run --backend lnd --lnd-url "https://localhost:$(lnd_port)/" \
		--lnd-cert "$d/cert.pem" --lnd-macaroon "$d/admin.macaroon" >"$LN_OUT"
	jqt "$(ln_result k)" '.ok'
}

@test "lnd: a wrong macaroon is an auth error (HTTP 500, code 2), on streams too" {
	h=$(rand_hex32)
	ln_start --lnd-macaroon "$(lnd_dir)/wrong.macaroon"
	ln_send '{"id":"i","op":"get_info"}'
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$h\"}"
	jqt "$(ln_result i)" '.error.kind=="auth" and .error.grpc_code==2 and .error.http_status==500'
	jqt "$(ln_result i)" '.error.message|test("verification failed")'
	jqt "$(ln_result w)" '.error.kind=="auth" and .error.http_status==500'
	ln_stop
}

@test "lnd: a refused connection is transport (state unknown), never not_found" {
	h=$(rand_hex32)
	ln_start --lnd-url https://127.0.0.1:1
	ln_send "{\"id\":\"x\",\"op\":\"cancel_hold_invoice\",\"hash\":\"$h\"}"
	ln_send "{\"id\":\"p\",\"op\":\"payment_status\",\"hash\":\"$h\"}"
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$h\",\"reconnect\":false}"
	jqt "$(ln_result x)" '.error.kind=="transport"'
	jqt "$(ln_result p)" '.error.kind=="transport"'
	jqt "$(ln_result w)" '.error.kind=="transport"'
	ln_stop
}

@test "lnd: a URL whose routes LND does not have (404 \"Not Found\") is never not_found" {
	# a path prefix in the URL: grpc-gateway answers 404 code 5 "Not Found"
	# for every call without running any RPC, so nothing is known of the hash
	pre=$(rand_hex32)
	h=$(sha256_hex "$pre")
	ln_start --lnd-url "$(lnd_url)/lnd"
	ln_send "{\"id\":\"x\",\"op\":\"cancel_hold_invoice\",\"hash\":\"$h\"}"
	ln_send "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$pre\"}"
	ln_send "{\"id\":\"l\",\"op\":\"lookup_invoice\",\"hash\":\"$h\"}"
	ln_send "{\"id\":\"p\",\"op\":\"payment_status\",\"hash\":\"$h\"}"
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$h\",\"reconnect\":false}"
	for id in x s l p w; do
		jqt "$(ln_result $id)" '.ok==false and .error.kind=="lnd" and .error.grpc_code==5 and .error.http_status==404'
		jqt "$(ln_result $id)" '.error.message|test("no REST route")'
	done
	ln_stop
}

@test "lnd: encodings on the wire (macaroon hex, base64 body, base64url path, hex lookup, quoted int64)" {
	# a preimage whose hash has '/' in standard base64: the path must not carry it
	# (about one hash in two has one: 100 tries, bounded, so a missing tool fails)
	need xxd base64
	for _ in $(seq 100); do
		pre=$(rand_hex32)
		hash=$(sha256_hex "$pre")
		b64=$(printf '%s' "$hash" | xxd -r -p | base64 -w0)
		[[ $b64 == */* ]] && break
	done
	[[ $b64 == */* ]] || { echo "no hash with '/' in its base64 in 100 tries" >&2; false; }
	b64url=$(printf '%s' "$b64" | tr '/+' '_-')
	pre64=$(printf '%s' "$pre" | xxd -r -p | base64 -w0)
	ln_start
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":5000,\"memo\":\"m\",\"preimage\":\"$pre\"}"
	ln_result c >/dev/null
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	ln_events w 1 >/dev/null
	ln_send "{\"id\":\"l\",\"op\":\"lookup_invoice\",\"hash\":\"$hash\"}"
	ln_result l >/dev/null
	ln_send "{\"id\":\"p\",\"op\":\"payment_status\",\"hash\":\"$hash\"}"
	ln_result p >/dev/null
	node_pay_hold "$hash"
	ln_events w 2 >/dev/null
	ln_send "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$pre\"}"
	ln_result s >/dev/null
	ln_send "{\"id\":\"x\",\"op\":\"cancel_hold_invoice\",\"hash\":\"$hash\"}"
	ln_result x >/dev/null
	ln_stop
	log=$(ctl GET /log)
	mac=$(od -An -v -tx1 "$(lnd_dir)/admin.macaroon" | tr -d ' \n')
	hodl=$(printf '%s' "$log" | jq -c "[.[] | select(.path==\"/v2/invoices/hodl\" and (.body|fromjson|.hash)==\"$b64\")][0]")
	jqt "$hodl" ".method==\"POST\" and .macaroon==\"$mac\" and .content_type==\"application/json\""
	jqt "$hodl" '.body|fromjson|.value=="5000" and .cltv_expiry=="144" and .expiry=="86400" and .memo=="m"'
	jqt "$hodl" '.body|fromjson|keys==["cltv_expiry","expiry","hash","memo","value"]'
	jqt "$log" "[.[] | select(.path==\"/v2/invoices/subscribe/$b64url\" and .method==\"GET\")] | length > 0"
	jqt "$log" "[.[] | select(.path==\"/v1/invoice/$hash\")] | length > 0"
	jqt "$log" "[.[] | select(.path==\"/v2/router/track/$b64url?no_inflight_updates=false\")] | length > 0"
	jqt "$log" "[.[] | select(.path==\"/v2/invoices/settle\" and .body==\"{\\\"preimage\\\":\\\"$pre64\\\"}\")] | length > 0"
	jqt "$log" "[.[] | select(.path==\"/v2/invoices/cancel\" and .body==\"{\\\"payment_hash\\\":\\\"$b64\\\"}\")] | length > 0"
}

@test "lnd: a stream cut mid-line reconnects and replays the current state" {
	pre=$(rand_hex32)
	hash=$(sha256_hex "$pre")
	ln_start
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"preimage\":\"$pre\"}"
	ln_result c >/dev/null
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	ln_events w 1 >/dev/null
	ctl POST /cut_streams '{}' >/dev/null
	ev=$(ln_events w 2 | tail -1)            # after the reconnect: the state again
	jqt "$ev" '.state=="OPEN"'
	grep -q 'reconnecting' "$LN_ERR"
	node_pay_hold "$hash"
	jqt "$(ln_events w 3 | tail -1)" '.state=="ACCEPTED"'
	ln_send "{\"id\":\"s\",\"op\":\"settle_hold_invoice\",\"preimage\":\"$pre\"}"
	jqt "$(ln_result w)" '.result.state=="SETTLED"'
	ln_stop
}

@test "lnd: a stream the node closes cleanly before a terminal state: re-opened, or ends \"closed\"" {
	pre=$(rand_hex32)
	hash=$(sha256_hex "$pre")
	ln_start
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"preimage\":\"$pre\"}"
	ln_result c >/dev/null
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\",\"reconnect\":false}"
	ln_send "{\"id\":\"v\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	ln_events w 1 >/dev/null
	ln_events v 1 >/dev/null
	ctl POST /close_streams '{}' >/dev/null
	jqt "$(ln_result w)" '.ok and .result.end=="closed"'
	jqt "$(ln_events v 2 | tail -1)" '.state=="OPEN"'    # v subscribed again: the state again
	ln_no_result v
	ln_stop
}

@test "lnd: an {\"error\"} trailer ends a stream; without reconnect it is the result" {
	pre=$(rand_hex32)
	hash=$(sha256_hex "$pre")
	ln_start
	ln_send "{\"id\":\"c\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"preimage\":\"$pre\"}"
	ln_result c >/dev/null
	ln_send "{\"id\":\"w\",\"op\":\"watch_invoice\",\"hash\":\"$hash\",\"reconnect\":false}"
	ln_send "{\"id\":\"v\",\"op\":\"watch_invoice\",\"hash\":\"$hash\"}"
	ln_events w 1 >/dev/null
	ln_events v 1 >/dev/null
	ctl POST /stream_error "{\"hash\":\"$hash\",\"code\":2,\"message\":\"boom\"}" >/dev/null
	jqt "$(ln_result w)" '.ok==false and .error.kind=="lnd" and .error.grpc_code==2 and .error.message=="boom"'
	jqt "$(ln_events v 2 | tail -1)" '.state=="OPEN"'    # v reconnected
	ln_no_result v
	ln_stop
}

@test "lnd: a server that never answers hits the client-side bound" {
	h=$(rand_hex32)
	ctl POST /hang '{"path":"/v1/invoice/","times":1}' >/dev/null
	ctl POST /hang '{"path":"/v2/router/track/","times":1}' >/dev/null
	ln_start --request-timeout 400
	ln_send "{\"id\":\"l\",\"op\":\"lookup_invoice\",\"hash\":\"$h\"}"
	ln_send "{\"id\":\"p\",\"op\":\"payment_status\",\"hash\":\"$h\"}"
	jqt "$(ln_result l)" '.ok==false and .error.kind=="transport" and (.error.message|test("[Tt]imeout|timed out"))'
	jqt "$(ln_result p)" '.ok==false and (.error.kind=="transport" or .error.kind=="timeout")'
	ln_stop
}

@test "lnd: create_hold_invoice with an unknown outcome returns its hash and preimage, so the invoice is never orphaned" {
	ctl POST /hang '{"path":"/v2/invoices/hodl","times":1}' >/dev/null
	ln_start --request-timeout 400
	ln_send '{"id":"c","op":"create_hold_invoice","amount_sat":1000}'
	r=$(ln_result c)
	jqt "$r" '.ok==false and .error.kind=="transport" and (.error.hash|test("^[0-9a-f]{64}$")) and (.error.preimage|test("^[0-9a-f]{64}$"))'
	hash=$(jq -r .error.hash <<<"$r")
	pre=$(jq -r .error.preimage <<<"$r")
	[ "$(printf '%s' "$pre" | perl -pe 's/(..)/chr hex $1/ge' | sha256sum | cut -d' ' -f1)" = "$hash" ]
	# the caller retries with the same preimage (or cancels by hash)
	ln_send "{\"id\":\"c2\",\"op\":\"create_hold_invoice\",\"amount_sat\":1000,\"preimage\":\"$pre\"}"
	jqt "$(ln_result c2)" ".ok and .result.hash==\"$hash\""
	ln_stop
}

@test "double: routes, methods, auth wrapping and protojson like LND's REST proxy" {
	u=$(lnd_url)
	# an amount in the HRP, even lnbc0, refuses amt (routerrpc: MilliSat != nil)
	zpr=$(ctl POST /invoice '{"amount_msat":0}' | jq -r .payment_request)
	run dcurl -w ' %{http_code}' -X POST -d "{\"payment_request\":\"$zpr\",\"timeout_seconds\":60,\"fee_limit_sat\":\"10\",\"amt\":\"1000\"}" "$u/v2/router/send"
	[ "$output" = '{"error":{"code":2,"message":"amount must not be specified when paying a non-zero amount invoice","details":[]}}
 500' ]
	run dcurl -w ' %{http_code}' "$u/v1/nope"
	[ "$output" = '{"code":5,"message":"Not Found","details":[]} 404' ]
	run dcurl -w ' %{http_code}' -X POST "$u/v1/getinfo"
	[ "$output" = '{"code":12,"message":"Method Not Allowed","details":[]} 501' ]
	run dcurl -w ' %{http_code}' -X POST -d '{"hash":"AAAA","valu":"1"}' "$u/v2/invoices/hodl"
	[[ $output == *'"code":3'*'unknown field \"valu\"'*' 400' ]]
	# '/' inside a path segment splits the route; unpadded base64 fails
	run dcurl -w ' %{http_code}' "$u/v2/invoices/subscribe/Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0="
	[ "$output" = '{"code":5,"message":"Not Found","details":[]} 404' ]
	run dcurl -w ' %{http_code}' "$u/v2/invoices/subscribe/Yw3NKWbEM2aRElRIu7JbT%2FQSpJxzLbLIq8G4WBvXEN0="
	[ "$output" = '{"code":5,"message":"Not Found","details":[]} 404' ]
	run dcurl -w ' %{http_code}' "$u/v2/router/track/Yw3NKWbEM2aRElRIu7JbT_QSpJxzLbLIq8G4WBvXEN0"
	[[ $output == *'"code":3'*' 400' ]]
	# unknown payment: 404 with the stream error wrapper
	run dcurl -w ' %{http_code}' "$u/v2/router/track/Yw3NKWbEM2aRElRIu7JbT_QSpJxzLbLIq8G4WBvXEN0="
	[ "$output" = "{\"error\":{\"code\":5,\"message\":\"payment isn't initiated\",\"details\":[]}}
 404" ]
	# no macaroon: 500 code 2; wrapped on a stream endpoint
	run curl -sS --cacert "$(lnd_dir)/cert.pem" -w ' %{http_code}' "$u/v1/getinfo"
	[ "$output" = '{"code":2,"message":"expected 1 macaroon, got 0","details":[]} 500' ]
	run curl -sS --cacert "$(lnd_dir)/cert.pem" -w ' %{http_code}' "$u/v2/invoices/subscribe/Yw3NKWbEM2aRElRIu7JbT_QSpJxzLbLIq8G4WBvXEN0="
	[ "$output" = '{"error":{"code":2,"message":"expected 1 macaroon, got 0","details":[]}}
 500' ]
	# int64 out as strings, uint32 as numbers
	run dcurl "$u/v1/getinfo"
	jqt "$output" '(.block_height|type)=="number" and (.best_header_timestamp|type)=="string"'
	# a number where int64 is expected is accepted on input (protojson)
	run dcurl -X POST -d '{"hash":"Yw3NKWbEM2aRElRIu7JbT_QSpJxzLbLIq8G4WBvXEN0","value":1000,"cltvExpiry":40}' "$u/v2/invoices/hodl"
	jqt "$output" '.payment_request|startswith("lnbcrt10u1")'
	jqt "$output" '.add_index|type=="string"'
}

@test "lnd: SendPaymentV2 body: fee cap as a quoted int64, timeout 60, amt only when amountless" {
	a=$(ctl POST /invoice '{"amount_msat":1001000}')
	b=$(ctl POST /invoice '{}')
	ln_start
	ln_send "{\"id\":\"a\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$a")\",\"amount_sat\":1001}"
	ln_send "{\"id\":\"b\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$b")\",\"amount_sat\":100000,\"timeout_secs\":30}"
	ln_result a >/dev/null
	ln_result b >/dev/null
	ln_stop
	log=$(ctl GET /log)
	sa=$(printf '%s' "$log" | jq -c "[.[] | select(.path==\"/v2/router/send\") | .body | fromjson | select(.payment_request==$(jq .payment_request <<<"$a"))][0]")
	jqt "$sa" '.fee_limit_sat=="2" and .timeout_seconds==60 and (has("amt")|not)'
	jqt "$sa" 'keys==["fee_limit_sat","payment_request","timeout_seconds"]'
	sb=$(printf '%s' "$log" | jq -c "[.[] | select(.path==\"/v2/router/send\") | .body | fromjson | select(.payment_request==$(jq .payment_request <<<"$b"))][0]")
	jqt "$sb" '.fee_limit_sat=="200" and .timeout_seconds==30 and .amt=="100000"'
	# the duplicate guard asked TrackPaymentV2 first
	h=$(jq -r .hash <<<"$a")
	b64url=$(printf '%s' "$h" | xxd -r -p | base64 -w0 | tr '/+' '_-')
	jqt "$log" "[.[] | select(.path==\"/v2/router/track/$b64url?no_inflight_updates=false\")] | length > 0"
}

@test "lnd: a payment stream cut mid-way is followed with TrackPaymentV2 to its end" {
	inv=$(ctl POST /invoice '{"amount_msat":7000000}')
	hash=$(jq -r .hash <<<"$inv")
	ctl POST /script "{\"match\":\"$hash\",\"outcome\":\"cut_then_succeed\",\"delay_ms\":300}" >/dev/null
	ln_start
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$inv")\",\"amount_sat\":7000}"
	r=$(ln_result p)
	jqt "$r" ".ok and .result.status==\"SUCCEEDED\" and .result.preimage==\"$(jq -r .preimage <<<"$inv")\""
	grep -q 'following the payment' "$LN_ERR"
	ln_stop
}

@test "lnd: a payment stream we cannot read is followed, never reported as refused" {
	# the first message of SendPaymentV2 has a status this client does not
	# know: the node has the payment, so it is followed by its hash
	inv=$(ctl POST /invoice '{"amount_msat":6000000}')
	hash=$(jq -r .hash <<<"$inv")
	ctl POST /script "{\"match\":\"$hash\",\"outcome\":\"future_status_then_succeed\",\"delay_ms\":300}" >/dev/null
	ln_start
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$inv")\",\"amount_sat\":6000}"
	r=$(ln_result p)
	jqt "$r" ".ok and .result.status==\"SUCCEEDED\" and .result.preimage==\"$(jq -r .preimage <<<"$inv")\""
	grep -q 'following the payment' "$LN_ERR"
	ln_stop
}

@test "lnd: a refused payment keeps LND's code; a transport failure before the node answers stays unknown" {
	inv=$(ctl POST /invoice '{"amount_msat":8000000}')
	hash=$(jq -r .hash <<<"$inv")
	ctl POST /script "{\"match\":\"$hash\",\"outcome\":\"error:2:insufficient local balance\"}" >/dev/null
	ln_start
	ln_send "{\"id\":\"p\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$inv")\",\"amount_sat\":8000}"
	jqt "$(ln_result p)" '.ok==false and .error.kind=="lnd" and .error.grpc_code==2 and .error.http_status==500'
	ln_stop
	ln_start --lnd-url https://127.0.0.1:1 --drain-timeout 500
	ln_send "{\"id\":\"q\",\"op\":\"pay_invoice\",\"payment_request\":\"$(jq -r .payment_request <<<"$inv")\",\"amount_sat\":8000}"
	ln_stop
	jqt "$(ln_result q)" '.ok==false and (.error.kind=="transport" or .error.kind=="timeout")'
}
