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
