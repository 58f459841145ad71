# fish completion for mostro-key
set -l cmds new derive pub encode decode
complete -c mostro-key -f
complete -c mostro-key -n "not __fish_seen_subcommand_from $cmds" -s h -l help -d 'Print usage'
complete -c mostro-key -n "not __fish_seen_subcommand_from $cmds" -a new -d 'A fresh BIP-39 mnemonic'
complete -c mostro-key -n "not __fish_seen_subcommand_from $cmds" -a derive -d 'NIP-06 keys from a mnemonic'
complete -c mostro-key -n "not __fish_seen_subcommand_from $cmds" -a pub -d 'Public key of a secret key'
complete -c mostro-key -n "not __fish_seen_subcommand_from $cmds" -a encode -d 'Encode NIP-19 strings'
complete -c mostro-key -n "not __fish_seen_subcommand_from $cmds" -a decode -d 'Decode NIP-19 strings'

complete -c mostro-key -n "__fish_seen_subcommand_from new" -l words -x -a '12 15 18 21 24' -d 'Mnemonic length'
complete -c mostro-key -n "__fish_seen_subcommand_from new" -l out -r -F -d 'Write to a new 0600 file'

complete -c mostro-key -n "__fish_seen_subcommand_from derive" -l index -x -d 'Index or range A-B'
complete -c mostro-key -n "__fish_seen_subcommand_from derive" -l account -x -d 'Hardened account (default 38383)'
complete -c mostro-key -n "__fish_seen_subcommand_from derive" -l secret -d 'Also print secret and nsec'
complete -c mostro-key -n "__fish_seen_subcommand_from derive" -l mnemonic-file -r -F -d 'Mnemonic file (0600)'
complete -c mostro-key -n "__fish_seen_subcommand_from derive" -l mnemonic-fd -x -d 'Mnemonic file descriptor'

complete -c mostro-key -n "__fish_seen_subcommand_from pub encode" -l key-file -r -F -d 'Secret key file (0600)'
complete -c mostro-key -n "__fish_seen_subcommand_from pub encode" -l key-fd -x -d 'Secret key file descriptor'
complete -c mostro-key -n "__fish_seen_subcommand_from encode; and not __fish_seen_subcommand_from npub nsec note nprofile nevent naddr" -a 'npub nsec note nprofile nevent naddr' -d 'NIP-19 type'
complete -c mostro-key -n "__fish_seen_subcommand_from $cmds" -s h -l help -d 'Print usage'
