# fish completion for mostro-store
set -l cmds init migrate orders users disputes get export import backup import-mostrod
set -l order_statuses pending waiting-payment waiting-buyer-invoice active fiat-sent settled-hold-invoice success canceled cooperatively-canceled canceled-by-admin expired dispute waiting-taker-bond waiting-maker-bond settled-by-admin completed-by-admin in-progress
complete -c mostro-store -f
complete -c mostro-store -s h -l help -d 'Print usage'
complete -c mostro-store -s d -l dir -x -a '(__fish_complete_directories)' -d 'mostrod settings directory (DIR/mostro.db)'
complete -c mostro-store -l db -r -F -d 'The database file'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a init -d 'Create the database'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a migrate -d 'Bring the schema up to date'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a orders -d 'Orders as JSON lines'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a users -d 'Users as JSON lines'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a disputes -d 'Disputes as JSON lines'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a get -d 'One order or dispute by id'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a export -d 'Every table as JSON lines'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a import -d 'Load an export'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a backup -d 'Online copy of the database'
complete -c mostro-store -n "not __fish_seen_subcommand_from $cmds" -a import-mostrod -d 'Take over a mostrod database'

complete -c mostro-store -n "__fish_seen_subcommand_from orders" -l status -x -a "$order_statuses" -d 'Only this status (repeatable)'
complete -c mostro-store -n "__fish_seen_subcommand_from orders" -l kind -x -a 'buy sell' -d 'Only this kind'
complete -c mostro-store -n "__fish_seen_subcommand_from orders" -l since -x -d 'created_at >= T (unix seconds)'
complete -c mostro-store -n "__fish_seen_subcommand_from orders" -l until -x -d 'created_at < T (unix seconds)'
complete -c mostro-store -n "__fish_seen_subcommand_from orders" -l fiat-code -x -d 'Only this currency'
complete -c mostro-store -n "__fish_seen_subcommand_from orders" -l limit -x -d 'At most N orders'
complete -c mostro-store -n "__fish_seen_subcommand_from users" -l solvers -d 'Only solvers'
complete -c mostro-store -n "__fish_seen_subcommand_from disputes" -l status -x -a 'initiated in-progress seller-refunded settled released' -d 'Only this status (repeatable)'
complete -c mostro-store -n "__fish_seen_subcommand_from export" -s o -l output -r -F -d 'Write a new 0600 file'
complete -c mostro-store -n "__fish_seen_subcommand_from import" -l replace -d 'Replace what the database holds'
complete -c mostro-store -n "__fish_seen_subcommand_from import-mostrod" -l ignore-bonds -d 'Leave bonds in play behind'
complete -c mostro-store -n "__fish_seen_subcommand_from import backup import-mostrod" -F
