# fish completion for mostro-unwrap
complete -c mostro-unwrap -f
complete -c mostro-unwrap -s h -l help -d 'Print usage'
complete -c mostro-unwrap -l key-file -r -F -d 'Secret key to receive on (0600)'
complete -c mostro-unwrap -l key-fd -x -d 'Secret key descriptor'
complete -c mostro-unwrap -l mnemonic-file -r -F -d 'BIP-39 mnemonic file (0600)'
complete -c mostro-unwrap -l mnemonic-fd -x -d 'Mnemonic descriptor'
complete -c mostro-unwrap -l index -x -d 'NIP-06 indexes N or A-B (default 1-50)'
complete -c mostro-unwrap -l peer -x -d 'Chat peer pubkey (hex or npub)'
complete -c mostro-unwrap -l min-pow -x -d 'Leading zero bits required'
complete -c mostro-unwrap -l max-age -x -d 'Maximum age of the inner created_at (s)'
complete -c mostro-unwrap -l dedupe -d 'Refuse ids of events that already opened'
complete -c mostro-unwrap -l dedupe-window -x -d 'How many opened ids --dedupe remembers (default 50000)'
complete -c mostro-unwrap -l errors -d 'Also write error records'
