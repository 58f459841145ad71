# fish completion for mostro-order
set -l cmds run replay ctl msg settings
complete -c mostro-order -f
complete -c mostro-order -n "not __fish_seen_subcommand_from $cmds" -s h -l help -d 'Print usage'
complete -c mostro-order -n "not __fish_seen_subcommand_from $cmds" -a run -d 'The engine'
complete -c mostro-order -n "not __fish_seen_subcommand_from $cmds" -a replay -d 'Re-run a recorded input log'
complete -c mostro-order -n "not __fish_seen_subcommand_from $cmds" -a ctl -d 'Send a control record to the engine'
complete -c mostro-order -n "not __fish_seen_subcommand_from $cmds" -a msg -d 'Build one client message record'
complete -c mostro-order -n "not __fish_seen_subcommand_from $cmds" -a settings -d 'Read and check settings.toml'

complete -c mostro-order -n "__fish_seen_subcommand_from settings" -s d -l dir -x -a '(__fish_complete_directories)' -d 'Settings directory'
complete -c mostro-order -n "__fish_seen_subcommand_from settings" -l dirsettings -x -a '(__fish_complete_directories)' -d 'Settings directory (mostrod spelling)'
complete -c mostro-order -n "__fish_seen_subcommand_from settings" -l file -r -F -d 'Settings file'
complete -c mostro-order -n "__fish_seen_subcommand_from settings" -l get -x -a 'lightning.backend lightning.lnd_rest_host lightning.sim_db nostr.relays nostr.pubkey nostr.key_source mostro.transport mostro.fee database.path database.url' -d 'Print one value'
complete -c mostro-order -n "__fish_seen_subcommand_from settings" -l secret -d 'Print the Mostro key (hex)'
complete -c mostro-order -n "__fish_seen_subcommand_from settings" -l template -d 'Print the template'
complete -c mostro-order -n "__fish_seen_subcommand_from settings" -l init -d 'Write DIR/settings.toml from the template'
complete -c mostro-order -n "__fish_seen_subcommand_from settings" -l help -d 'Print usage'

# run [OPTIONS]
set -l in_run "__fish_seen_subcommand_from run"
complete -c mostro-order -n "$in_run" -s d -l dir -x -a '(__fish_complete_directories)' -d 'Settings directory (settings.toml, mostro.db)'
complete -c mostro-order -n "$in_run" -l settings -r -F -d "JSON of 'mostro-order settings'"
complete -c mostro-order -n "$in_run" -l db -r -F -d 'The order database'
complete -c mostro-order -n "$in_run" -l mostro-pubkey -x -d "Mostro's public key (hex)"
complete -c mostro-order -n "$in_run" -l set -x -a 'fee= transport= relays= pow= pow_first_contact= fiat_currencies_accepted= dev_fee_percentage= payment_attempts= payment_retries_interval= mostrod_compat=' -d 'KEY=VALUE'
complete -c mostro-order -n "$in_run" -l input -r -F -d 'Another input (FIFO or file)'
complete -c mostro-order -n "$in_run" -l no-stdin -d 'Do not read standard input'
complete -c mostro-order -n "$in_run" -l ln-out -r -F -d 'Lightning ops there (PATH or FD)'
complete -c mostro-order -n "$in_run" -l log -r -F -d 'Append every input record (for replay)'
complete -c mostro-order -n "$in_run" -l ctl-socket -r -F -d 'Control socket (0600)'
complete -c mostro-order -n "$in_run" -l clock -x -a 'ticks system' -d 'Where time comes from'
complete -c mostro-order -n "$in_run" -l batch -x -d 'Inputs per transaction at most'
complete -c mostro-order -n "$in_run" -l seed-file -r -F -d 'Seed of a new database (tests)'
complete -c mostro-order -n "$in_run" -l help -d 'Print usage'

# replay [--db FILE] [--ln-out PATH|FD] LOG
complete -c mostro-order -n "__fish_seen_subcommand_from replay" -r -F
complete -c mostro-order -n "__fish_seen_subcommand_from replay" -l db -r -F -d 'Database to replay into'
complete -c mostro-order -n "__fish_seen_subcommand_from replay" -l ln-out -r -F -d 'Lightning ops there'
complete -c mostro-order -n "__fish_seen_subcommand_from replay" -l help -d 'Print usage'

# ctl --socket PATH COMMAND [KEY=VALUE...]
set -l ctl_cmds status order disputes flush-ratings jobs cancel settle take-dispute add-solver
complete -c mostro-order -n "__fish_seen_subcommand_from ctl" -s s -l socket -r -F -d "The engine's --ctl-socket"
complete -c mostro-order -n "__fish_seen_subcommand_from ctl" -s t -l timeout -x -d 'Seconds to wait for the answer'
complete -c mostro-order -n "__fish_seen_subcommand_from ctl" -l help -d 'Print usage'
complete -c mostro-order -n "__fish_seen_subcommand_from ctl; and not __fish_seen_subcommand_from $ctl_cmds" -a "$ctl_cmds" -d 'Command'
complete -c mostro-order -n "__fish_seen_subcommand_from ctl; and __fish_seen_subcommand_from $ctl_cmds" -a 'order_id= dispute_id= solver= status= request_id=' -d 'Argument'

# msg ACTION [OPTIONS]
set -l msg_actions new-order take-sell take-buy fiat-sent release cancel add-invoice add-bond-invoice rate-user dispute admin-cancel admin-settle admin-add-solver admin-take-dispute send-dm trade-pubkey restore-session last-trade-index orders add-cashu-escrow
set -l in_msg "__fish_seen_subcommand_from msg"
complete -c mostro-order -n "$in_msg; and not __fish_seen_subcommand_from $msg_actions" -a "$msg_actions" -d 'Action'
complete -c mostro-order -n "$in_msg" -l request-id -x -d 'request_id echoed by Mostro'
complete -c mostro-order -n "$in_msg" -l version -x -a '1 2' -d 'Message version'
complete -c mostro-order -n "$in_msg" -l to -x -d "Record recipient (Mostro's key)"
complete -c mostro-order -n "$in_msg" -l transport -x -a 'v1 v2 gift-wrap nip44' -d 'Record transport'
complete -c mostro-order -n "$in_msg" -l pow -x -d 'Record proof-of-work bits'
complete -c mostro-order -n "$in_msg" -l batch -d 'JSON lines on stdin'
complete -c mostro-order -n "$in_msg" -l errors -d 'With --batch: error records'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell take-buy fiat-sent release cancel add-invoice add-bond-invoice rate-user dispute admin-cancel admin-settle admin-add-solver send-dm trade-pubkey add-cashu-escrow" -l id -x -d 'The order (UUID)'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from admin-take-dispute" -l dispute-id -x -d 'The dispute (UUID)'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell take-buy" -l trade-index -x -d 'Trade key index'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell take-buy" -l full-privacy -d 'No trade index'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l kind -x -a 'sell buy' -d 'Order kind'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l fiat-code -x -d 'Fiat currency'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l fiat-amount -x -d 'N or MIN-MAX'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell take-buy" -l min -x -d 'Range minimum'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell take-buy" -l max -x -d 'Range maximum'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l payment-method -x -d 'Payment methods'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell take-buy" -l amount -x -d 'Sats (new-order) or fiat (take)'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l premium -x -d 'Percent premium'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell add-invoice add-bond-invoice" -l invoice -x -d 'Invoice, Lightning Address or LNURL'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from take-sell add-invoice add-bond-invoice" -l invoice-amount -x -d 'Sats the invoice must carry'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l expires-at -x -d 'Take window end'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l expiration-days -x -d 'Take window in days'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from fiat-sent release" -l next-trade -x -d 'PUBKEY:INDEX'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from rate-user" -l rating -x -a '1 2 3 4 5' -d 'Rating'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from orders" -l ids -x -d 'Order ids'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from orders" -l max-orders -x -d "The node's max_orders_per_response"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from admin-add-solver" -l solver -x -d 'NPUB[:read|:write|:read-write]'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from admin-cancel admin-settle" -l slash-seller -d "Slash the seller's bond"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from admin-cancel admin-settle" -l slash-buyer -d "Slash the buyer's bond"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from send-dm" -l text -x -d 'The message'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from add-cashu-escrow" -l token -x -d 'Cashu token'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from add-cashu-escrow" -l mint-url -x -d 'The mint'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from add-cashu-escrow" -l buyer-pubkey -x -d "Buyer's trade key"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from add-cashu-escrow" -l seller-pubkey -x -d "Seller's trade key"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from add-cashu-escrow" -l mostro-pubkey -x -d "Mostro's key"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from add-cashu-escrow" -l fee-token -x -d 'Fee token'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l currencies -x -d "The node's currencies"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell add-invoice add-bond-invoice" -l min-order-amount -x -d "The node's min_order_amount"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l max-order-amount -x -d "The node's max_order_amount"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order" -l fee -x -d "The node's fee"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell add-invoice add-bond-invoice" -l network -x -a 'mainnet testnet signet regtest simnet testnet4 unknown' -d "The node's network"
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell add-invoice add-bond-invoice" -l invoice-window -x -d 'invoice_expiration_window'
complete -c mostro-order -n "$in_msg; and __fish_seen_subcommand_from new-order take-sell add-invoice add-bond-invoice" -l now -x -d 'The current time'
