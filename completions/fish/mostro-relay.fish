# fish completion for mostro-relay
set -l cmds pub req sub info serve
complete -c mostro-relay -f
complete -c mostro-relay -n "not __fish_seen_subcommand_from $cmds" -s h -l help -d 'Print usage'
complete -c mostro-relay -n "not __fish_seen_subcommand_from $cmds" -a pub -d 'Publish events from stdin'
complete -c mostro-relay -n "not __fish_seen_subcommand_from $cmds" -a req -d 'Stored events until EOSE'
complete -c mostro-relay -n "not __fish_seen_subcommand_from $cmds" -a sub -d 'Follow a subscription'
complete -c mostro-relay -n "not __fish_seen_subcommand_from $cmds" -a info -d 'NIP-11 document'
complete -c mostro-relay -n "not __fish_seen_subcommand_from $cmds" -a serve -d 'The embedded relay'

complete -c mostro-relay -n "__fish_seen_subcommand_from pub req sub info" -l connect-timeout -x -d 'Bound on each connection attempt'
complete -c mostro-relay -n "__fish_seen_subcommand_from pub req sub info" -l wait-timeout -x -d 'req: wait for EOSE; sub: run time'
complete -c mostro-relay -n "__fish_seen_subcommand_from pub req sub" -l auth-key-file -r -F -d 'NIP-42 key file (0600)'
complete -c mostro-relay -n "__fish_seen_subcommand_from pub req sub" -l auth-key-fd -x -d 'NIP-42 key file descriptor'
complete -c mostro-relay -n "__fish_seen_subcommand_from pub req sub" -l status -d 'Status as JSON records on stdout'
complete -c mostro-relay -n "__fish_seen_subcommand_from pub req sub" -s q -l quiet -d 'No status lines on stderr'

complete -c mostro-relay -n "__fish_seen_subcommand_from pub" -l ok-timeout -x -d 'Wait for each OK'
complete -c mostro-relay -n "__fish_seen_subcommand_from pub" -l min-ok -x -d 'Relays that must accept each event'
complete -c mostro-relay -n "__fish_seen_subcommand_from pub" -l window -x -d 'Events in flight per relay'

complete -c mostro-relay -n "__fish_seen_subcommand_from req sub" -l filter -x -d 'NIP-01 filter (JSON)'
complete -c mostro-relay -n "__fish_seen_subcommand_from req sub" -l lookback -x -d 'Resume look-back'
complete -c mostro-relay -n "__fish_seen_subcommand_from req sub" -l state -r -F -d 'Cursor file'
complete -c mostro-relay -n "__fish_seen_subcommand_from req" -l all -d 'Page back past result caps'
