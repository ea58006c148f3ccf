#!/bin/sh
# sshd.sh DIR PORT: a private OpenSSH server for the ssh tests
# (tests/integration/test_ssh.c) and make bench (tests/bench/ssh.sh),
# written once for both.  In DIR it makes a host key, a user key (id,
# id.pub) in authorized_keys, known_hosts naming 127.0.0.1 and
# localhost on PORT, sshd_config, and ssh_config for the client (use it
# as RUNNER_SSH="ssh -F DIR/ssh_config"; `Host localhost` there means
# that server).  Then it becomes (exec) `sshd -D -e` on 127.0.0.1:PORT:
# the caller's child is the server, to stop by its pid; it says
# "Server listening on 127.0.0.1 port PORT." on stderr when it accepts.
#
# As root, the server runs in a mount namespace of its own where
# /etc/passwd is a copy giving nobody (uid 65534) /bin/sh and DIR as
# home, so a test can log in as an unprivileged user without adding
# one to the system, and root /bin/sh (bash -c from sshd reads
# ~/.bashrc, seconds on some machines: not what is measured); nothing
# outside that namespace changes.  Exit 77
# when sshd or ssh-keygen is missing (the caller skips).
set -eu
dir=$1 port=$2
sshd=/usr/sbin/sshd
if [ ! -x "$sshd" ] || ! command -v ssh-keygen >/dev/null; then
	echo "sshd.sh: no $sshd or ssh-keygen" >&2
	exit 77
fi
rm -f "$dir/host_key" "$dir/id"
ssh-keygen -q -t ed25519 -N '' -C runner-test-host -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -C runner-test-user -f "$dir/id"
cp "$dir/id.pub" "$dir/authorized_keys"
printf '[127.0.0.1]:%s,[localhost]:%s %s\n' "$port" "$port" \
    "$(cut -d' ' -f1,2 "$dir/host_key.pub")" >"$dir/known_hosts"
# nobody reads authorized_keys (sshd reads it as the user).
chmod 0711 "$dir"
chmod 0644 "$dir/authorized_keys" "$dir/known_hosts"
cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin yes
StrictModes no
UsePAM no
PidFile none
PrintMotd no
LogLevel INFO
MaxStartups 100:30:200
MaxSessions 100
EOF
cat >"$dir/ssh_config" <<EOF
Host localhost
	HostName 127.0.0.1
	Port $port
Host *
	IdentityFile $dir/id
	IdentitiesOnly yes
	UserKnownHostsFile $dir/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	LogLevel ERROR
EOF
if [ "$(id -u)" = 0 ]; then
	# sshd insists on its privilege separation directory.
	mkdir -p /run/sshd
	sed -e "s|^nobody:\([^:]*\):\([^:]*\):\([^:]*\):\([^:]*\):[^:]*:.*|nobody:\1:\2:\3:\4:$dir:/bin/sh|" \
	    -e 's|^\(root:[^:]*:0:[^:]*:[^:]*:[^:]*\):.*|\1:/bin/sh|' \
	    /etc/passwd >"$dir/passwd"
	chmod 0644 "$dir/passwd"
	if command -v unshare >/dev/null &&
	    unshare --mount --propagation private true 2>/dev/null; then
		# The script is sh -c's: its $1... are its own.
		# shellcheck disable=SC2016
		exec unshare --mount --propagation private sh -c \
		    'mount --bind "$1" /etc/passwd && touch "$4/nobody-ok" &&
		    exec "$2" -D -e -f "$3"' \
		    sh "$dir/passwd" "$sshd" "$dir/sshd_config" "$dir"
	fi
fi
exec "$sshd" -D -e -f "$dir/sshd_config"
