# fish completion for mostro-ln
set -l cmds decode validate lnurl encode
complete -c mostro-ln -f
complete -c mostro-ln -n "not __fish_seen_subcommand_from $cmds" -a decode -d 'decode BOLT11 invoices to JSON'
complete -c mostro-ln -n "not __fish_seen_subcommand_from $cmds" -a validate -d "apply Mostro's payout invoice rules"
complete -c mostro-ln -n "not __fish_seen_subcommand_from $cmds" -a lnurl -d 'resolve a Lightning Address / LNURL'
complete -c mostro-ln -n "not __fish_seen_subcommand_from $cmds" -a encode -d 'sign an invoice from JSON fields'
complete -c mostro-ln -l help -s h -d 'print usage'

complete -c mostro-ln -n '__fish_seen_subcommand_from decode validate lnurl encode' -s e -l errors -d 'also write error records on stdout'
complete -c mostro-ln -n '__fish_seen_subcommand_from decode' -l strict -d 'refuse non-minimal x, c, 9 fields'
complete -c mostro-ln -n '__fish_seen_subcommand_from decode' -l spec-features -d 'do not require the payment_secret feature'

complete -c mostro-ln -n '__fish_seen_subcommand_from validate lnurl' -s a -l amount -x -d 'amount in sat'
complete -c mostro-ln -n '__fish_seen_subcommand_from validate lnurl' -s t -l timeout -x -d 'LNURL request timeout (s)'
complete -c mostro-ln -n '__fish_seen_subcommand_from validate' -s f -l fee -x -d 'Mostro fee in sat'
complete -c mostro-ln -n '__fish_seen_subcommand_from validate' -s n -l network -x -a 'mainnet testnet signet regtest simnet testnet4 unknown' -d 'node network'
complete -c mostro-ln -n '__fish_seen_subcommand_from validate' -s w -l window -x -d 'invoice_expiration_window (s)'
complete -c mostro-ln -n '__fish_seen_subcommand_from validate' -l max-cltv -x -d 'max_final_cltv_expiry_delta'
complete -c mostro-ln -n '__fish_seen_subcommand_from validate' -l min-amount -x -d 'min_payment_amount (sat)'
complete -c mostro-ln -n '__fish_seen_subcommand_from validate' -l payout -d 'payout mode'
complete -c mostro-ln -n '__fish_seen_subcommand_from validate' -l mostrod-compat -d 'accept sub-satoshi amounts'
complete -c mostro-ln -n '__fish_seen_subcommand_from validate' -l now -x -d 'current time (unix)'
complete -c mostro-ln -n '__fish_seen_subcommand_from lnurl' -s c -l comment -x -d 'LUD-12 comment'
complete -c mostro-ln -n '__fish_seen_subcommand_from encode' -s k -l key-file -r -F -d 'secret key file (0600)'
complete -c mostro-ln -n '__fish_seen_subcommand_from encode' -l key-fd -x -d 'read the secret key from a descriptor'
complete -c mostro-ln -n '__fish_seen_subcommand_from encode' -l now -x -d 'default timestamp (unix)'
