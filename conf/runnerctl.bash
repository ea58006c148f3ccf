# runnerctl.bash: bash completion for runnerctl(1).  make install puts it
# in PREFIX/share/bash-completion/completions/runnerctl, where
# bash-completion loads it on first use; or `source` it.
#
# Completes the commands, each command's options, app names (from
# `runnerctl apps`) for start, the aliases of instances (from `runnerctl
# status`) for send, read, attach, logs and ask, and those aliases and
# their apps' names for stop, restart, kill and status, signal names for
# kill -s, commands for help, asking the runnerd that -s SOCKET or -H
# HOST on the line names, before or after the command (or $RUNNER_HOST,
# or the default one): with -H ssh://..., the names come from the remote
# runnerd, through ssh (ControlMaster makes that quick; see runnerctl(1)).
# runnerctl's human output is a table with a header line; the first
# column is the name.  Nothing here starts a runnerd.

# _runnerctl_names PROGRAM WHERE COMMAND: the first column of the table
# `PROGRAM [WHERE] COMMAND` prints, one per line; nothing when no
# runnerd answers.  PROGRAM is the runnerctl on the line (ctl/runnerctl
# in the tree, say); WHERE is "-s SOCKET", "-H HOST" or empty.
_runnerctl_names()
{
	local -a at=()

	[[ -n $2 ]] && at=("${2%% *}" "${2#* }")
	"$1" "${at[@]}" "$3" 2>/dev/null </dev/null |
	    command awk 'NR > 1 && NF > 0 { print $1 }'
}

# _runnerctl_targets PROGRAM WHERE: the aliases of the instances and the
# names of their apps (the first two columns of `status`), each once.
_runnerctl_targets()
{
	local -a at=()

	[[ -n $2 ]] && at=("${2%% *}" "${2#* }")
	"$1" "${at[@]}" status 2>/dev/null </dev/null |
	    command awk 'NR > 1 && NF > 1 && !seen[$1]++ { print $1 }
		NR > 1 && NF > 1 && !seen[$2]++ { print $2 }'
}

# _runnerctl_files [-d]: files (-d: directories) for the current word.
_runnerctl_files()
{
	mapfile -t COMPREPLY < <(compgen "${1:--f}" -- "$_runnerctl_cur")
	# As -o filenames would: a directory gets a slash, not a space.
	compopt -o filenames 2>/dev/null
}

# _runnerctl_sockets: the sockets and directories for the current word
# (a socket's directory also holds runnerd's state file, never a socket).
_runnerctl_sockets()
{
	local f

	_runnerctl_files
	for f in "${!COMPREPLY[@]}"; do
		[[ -S ${COMPREPLY[f]} || -d ${COMPREPLY[f]} ]] ||
		    unset -v 'COMPREPLY[f]'
	done
	COMPREPLY=("${COMPREPLY[@]}")
}

# _runnerctl_reply WORDS...: COMPREPLY = those of WORDS that start with
# the current word.
_runnerctl_reply()
{
	local w

	COMPREPLY=()
	for w in "$@"; do
		[[ $w == "$_runnerctl_cur"* ]] && COMPREPLY+=("$w")
	done
}

_runnerctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev='' prog=${COMP_WORDS[0]}
	local _runnerctl_cur=$cur
	local socket='' host='' where='' cmd='' w i nops=0 dashdash=0 text=0
	local -a opts=() valopts=() names=()
	local -a cmds=(start stop rm restart kill status deps metrics apps send
	    read attach ask logs reload update shutdown upgrade ping dial-stdio
	    version help)

	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# What comes before the word being completed: runnerctl's options,
	# the command, its options (skipping their values) and operands.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -z $cmd ]]; then
			case $w in
			-s)
				((i++))
				socket=${COMP_WORDS[i]}
				;;
			-H)
				((i++))
				host=${COMP_WORDS[i]}
				;;
			-*) ;;
			*) cmd=$w ;;
			esac
			continue
		fi
		# send: everything after the alias is text, options too.
		if ((dashdash || text)) || [[ $w != -* || $w == - ]]; then
			((nops++))
			[[ $cmd == send ]] && text=1
			continue
		fi
		case $cmd,$w in
		*,--)
			dashdash=1
			;;
		# runnerctl's own -s after the command; kill's is its signal.
		kill,-s) ((i++)) ;;
		*,-s)
			((i++))
			socket=${COMP_WORDS[i]}
			;;
		*,-H)
			((i++))
			host=${COMP_WORDS[i]}
			;;
		start,--alias | start,--socket | start,--cwd | read,--wait | \
		    ask,--timeout | logs,-n | upgrade,--binary)
			((i++))
			;;
		esac
	done
	# A ~ at the start of a path is the shell's, not runnerctl's.
	[[ $socket == "~"/* ]] && socket=$HOME/${socket#"~"/}
	[[ $prog == "~"/* ]] && prog=$HOME/${prog#"~"/}
	# Where to ask: -s, else -H (runnerctl takes $RUNNER_HOST itself).
	if [[ -n $socket ]]; then
		where="-s $socket"
	elif [[ -n $host ]]; then
		where="-H $host"
	fi

	if [[ $prev == -H ]]; then
		_runnerctl_reply ssh:// unix://
		compopt -o nospace 2>/dev/null
		return 0
	fi
	if [[ -z $cmd ]]; then
		if [[ $prev == -s ]]; then
			_runnerctl_sockets
		elif [[ $cur == -* ]]; then
			_runnerctl_reply -s -H --json --version --help
		else
			_runnerctl_reply "${cmds[@]}"
		fi
		return 0
	fi

	case $cmd in
	start)
		opts=(--alias --socket --cwd --strict --no-wait -v --no-autostart
		    --)
		valopts=(--alias --socket --cwd)
		;;
	stop) opts=(--all --with-dependents) ;;
	rm) opts=(--all) ;;
	restart)
		opts=(--all --rolling --max-unavailable -v)
		valopts=(--max-unavailable)
		;;
	kill) opts=(-s --all) valopts=(-s) ;;
	send) opts=(-n --eof) ;;
	read) opts=(--wait) valopts=(--wait) ;;
	ask) opts=(--timeout) valopts=(--timeout) ;;
	logs) opts=(-f -n) valopts=(-n) ;;
	status) opts=(-w --check -q) ;;
	upgrade) opts=(--binary) valopts=(--binary) ;;
	esac
	[[ $cmd != kill ]] && valopts+=(-s)

	# The value of an option: a path, or nothing to offer (a number).
	if ((!dashdash && !text)) && [[ -n $prev &&
	    " ${valopts[*]} " == *" $prev "* ]]; then
		case $prev in
		--socket) _runnerctl_files ;;
		--cwd) _runnerctl_files -d ;;
		--binary) _runnerctl_files ;;
		# kill's -s: the names kill(1) users reach for first.
		-s) if [[ $cmd == kill ]]; then
			_runnerctl_reply HUP INT QUIT KILL USR1 USR2 TERM \
			    CONT STOP TSTP WINCH
		else
			_runnerctl_sockets
		fi ;;
		esac
		return 0
	fi
	# After "--", start's extra arguments: the app's; files will do.
	if ((dashdash)); then
		[[ $cmd == start ]] && _runnerctl_files
		return 0
	fi
	if ((text)); then
		return 0
	fi
	if [[ $cur == -* ]]; then
		_runnerctl_reply "${opts[@]}" --help
		return 0
	fi

	case $cmd in
	start | deps)
		((nops == 0)) &&
		    mapfile -t names < <(_runnerctl_names "$prog" "$where" apps)
		;;
	stop | restart | kill | status | rm)
		mapfile -t names < <(_runnerctl_targets "$prog" "$where")
		;;
	help)
		((nops == 0)) && names=("${cmds[@]}")
		;;
	send | read | attach | logs | ask)
		((nops == 0)) &&
		    mapfile -t names < <(_runnerctl_names "$prog" "$where" status)
		;;
	reload | update)
		((nops == 0)) && _runnerctl_files
		return 0
		;;
	esac
	_runnerctl_reply "${names[@]}"
	return 0
}

# bash looks a completion up by the command word as typed: the installed
# runnerctl, and the one in the source tree as the README runs it.
complete -F _runnerctl runnerctl ctl/runnerctl ./ctl/runnerctl
