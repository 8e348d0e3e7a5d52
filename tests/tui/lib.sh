# TUI tests: the real binary in a tmux pane (STYLE.md §6.14).
#   . tests/tui/lib.sh
#   tui_db NAME            a test database with a commune, an agent, dossiers
#   run_liasse [ARGS...]   starts liasse in an 80x24 pane (shell inside)
#   keys KEY...            tmux send-keys, then waits for the screen to settle
#   wait_for TEXT [SECS]   waits until TEXT is on the screen (default 5 s)
#   screen                 prints the screen text (trailing blanks removed)
#   assert_screen NAME     compares the screen with stdin (diff -u)
#   assert_has NAME TEXT / assert_lacks NAME TEXT
. tests/lib/tap.sh

export LINES=24 COLUMNS=80 TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color
export HOME="$TEST_TMP/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_STATE_HOME="$HOME/.state"
export LIASSE_TEST_NOW="2026-11-20 10:00:00"
unset NO_COLOR
# No smart-card service: the status line must not depend on this machine's
# readers (tests/tui/sign.sh points it back at the card lab's pcscd).
export PCSCLITE_CSOCK_NAME="$TEST_TMP/pcscd-absent.comm"
mkdir -p "$XDG_CONFIG_HOME/liasse" "$XDG_STATE_HOME"
TUI_SOCK="$TEST_TMP/tmux.sock"
TUI_CONF="$TEST_TMP/tmux.conf"
cat >"$TUI_CONF" <<'CONF'
set -g status off
set -g default-terminal xterm-256color
set -g escape-time 0
set -g history-limit 100
CONF

tm() { tmux -S "$TUI_SOCK" -f "$TUI_CONF" "$@"; }
tui_cleanup() {
	tm kill-server >/dev/null 2>&1 || return 0
	local i; for i in 1 2 3 4 5 6 7 8 9 10; do
		tm has-session >/dev/null 2>&1 || break; sleep 0.1; done
	rm -f "$TUI_SOCK"
}
trap tui_cleanup EXIT

# screen [-e]: the pane's text, without trailing blanks.
screen() { tm capture-pane -p "$@" -t t 2>/dev/null | sed 's/[[:space:]]*$//'; }

# settle: waits until the screen stops changing (at most ~3 s).
settle() {
	local prev="" cur i
	for i in $(seq 1 30); do
		sleep 0.1
		cur=$(screen)
		[ "$cur" = "$prev" ] && [ "$i" -gt 1 ] && return 0
		prev=$cur
	done
}

# wait_for TEXT [SECONDS]: true when TEXT shows up in time.
wait_for() {
	local text=$1 secs=${2:-5} i
	for i in $(seq 1 $((secs * 10))); do
		screen | grep -qF -- "$text" && return 0
		sleep 0.1
	done
	return 1
}

# start_shell: a bash in an 80x24 pane with a plain prompt.
start_shell() {
	tui_cleanup
	tm new-session -d -s t -x "$COLUMNS" -y "$LINES" \
		"env -u TMUX PS1='prompt\$ ' TERM=xterm-256color bash --norc --noprofile -i"
	wait_for 'prompt$' 5
}

# run_liasse [ARGS...]: liasse with the test database as $TUI_USER.
run_liasse() {
	start_shell
	local args="" a
	for a in "$@"; do args+=" $(printf '%q' "$a")"; done
	tm send-keys -t t "clear; $LIASSE --db 'dbname=$DB user=${TUI_USER:-postgres}'$args; echo \"fin=\$?\"" Enter
	settle
}

keys() { tm send-keys -t t "$@"; settle; }

assert_screen() {
	local name=$1 want got
	want=$(cat)
	got=$(screen)
	if [ "$got" = "$want" ]; then ok "$name"; else
		fail "$name"
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/#   /' | head -n 60
	fi
}
assert_has() {
	if screen | grep -qF -- "$2"; then ok "$1"; else
		fail "$1"; echo "#   absent : $2"; screen | sed 's/^/#   |/'; fi
}
assert_lacks() {
	if screen | grep -qF -- "$2"; then fail "$1"; echo "#   présent : $2"; screen | sed 's/^/#   |/'; else
		ok "$1"; fi
}

# tui_db NAME: database NAME with "Commune A" (+ "Commune B") under the
# root, agent tui_NAME with agent-collectivite rights on Commune A; sets
# DB, TUI_USER, ENT_A, ENT_B.
tui_db() {
	newdb "$1" || return 1
	TUI_USER="tui_$1"
	ENT_A=$(sql -c "SELECT liasse.create_entite(liasse.entite_racine(), 'collectivite', 'Commune A', NULL, NULL)")
	ENT_B=$(sql -c "SELECT liasse.create_entite(liasse.entite_racine(), 'collectivite', 'Commune B', NULL, NULL)")
	local uid
	uid=$(sql -c "SELECT liasse.create_user('$TUI_USER', NULL, 'Dupont', 'Marie', 'marie@example.org', $ENT_A)") || return 1
	sql -c "SELECT liasse.grant_role($uid, 'agent-collectivite', $ENT_A)" >/dev/null || return 1
	export TUI_USER ENT_A ENT_B
}

# dossier_new TYPE TITLE: creates a dossier on Commune A as the agent; prints its id.
dossier_new() {
	sql_as "$TUI_USER" -c "SELECT liasse.dossier_create($ENT_A, '$1', \$t\$$2\$t\$)"
}
