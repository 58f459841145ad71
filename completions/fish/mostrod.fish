# fish completion for mostrod
set -l cmds run ctl stop
set -l ctlcmds status order cancel settle take-dispute add-solver disputes flush-ratings
complete -c mostrod -f
complete -c mostrod -n "not __fish_seen_subcommand_from $cmds" -a run -d 'Run the daemon (the default)'
complete -c mostrod -n "not __fish_seen_subcommand_from $cmds" -a ctl -d 'Local admin through the engine socket'
complete -c mostrod -n "not __fish_seen_subcommand_from $cmds" -a stop -d 'Stop the running daemon'
complete -c mostrod -s h -l help -d 'Print usage'
complete -c mostrod -s d -l dir -x -a '(__fish_complete_directories)' -d 'Settings directory'
complete -c mostrod -l dirsettings -x -a '(__fish_complete_directories)' -d 'Settings directory (mostrod spelling)'
complete -c mostrod -n "not __fish_seen_subcommand_from ctl stop" -l embedded-relay -d 'Run mostro-relay serve on the loopback relays'
complete -c mostrod -n "__fish_seen_subcommand_from ctl stop" -s t -l timeout -x -d 'Seconds to wait'
complete -c mostrod -n "__fish_seen_subcommand_from ctl; and not __fish_seen_subcommand_from $ctlcmds" -a status -d 'Clock, network, orders by status'
complete -c mostrod -n "__fish_seen_subcommand_from ctl; and not __fish_seen_subcommand_from $ctlcmds" -a order -d 'One order (order_id=UUID)'
complete -c mostrod -n "__fish_seen_subcommand_from ctl; and not __fish_seen_subcommand_from $ctlcmds" -a cancel -d 'admin-cancel (order_id=UUID)'
complete -c mostrod -n "__fish_seen_subcommand_from ctl; and not __fish_seen_subcommand_from $ctlcmds" -a settle -d 'admin-settle (order_id=UUID)'
complete -c mostrod -n "__fish_seen_subcommand_from ctl; and not __fish_seen_subcommand_from $ctlcmds" -a take-dispute -d 'Take a dispute (dispute_id=UUID)'
complete -c mostrod -n "__fish_seen_subcommand_from ctl; and not __fish_seen_subcommand_from $ctlcmds" -a add-solver -d 'Register a solver (solver=npub...)'
complete -c mostrod -n "__fish_seen_subcommand_from ctl; and not __fish_seen_subcommand_from $ctlcmds" -a disputes -d 'The disputes (status=...)'
complete -c mostrod -n "__fish_seen_subcommand_from ctl; and not __fish_seen_subcommand_from $ctlcmds" -a flush-ratings -d 'Publish the queued 38384 events'
complete -c mostrod -n "__fish_seen_subcommand_from $ctlcmds" -a 'order_id= dispute_id= solver= status=' -d 'KEY=VALUE'
