#!/usr/bin/env bash
# make bench, TUI part: bytes written to the terminal per navigation step
# (cursor down, page down, open a dossier, back) by liasse in an 80x24
# tmux pane over a list of 10,000 dossiers. Figures only (goal: at most
# 2 KB per step); never fails on size. Uses the cluster of the caller when
# PGHOST is set (tests/bench/run), else starts its own.
# BENCH_TUI_DOSSIERS=N changes the list size.
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
LIASSE=${LIASSE:-$PWD/$B/liasse}
N=${BENCH_TUI_DOSSIERS:-10000}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/liasse-bench-tui.XXXXXX")
chmod 755 "$TMP"
. tests/lib/pg.sh
own_pg=
if [ -z "${PGHOST:-}" ]; then
	pg_start "$TMP/pg" >/dev/null
	own_pg=1
fi
SOCK="$TMP/tmux.sock"
CONF="$TMP/tmux.conf"
printf 'set -g status off\nset -g escape-time 0\nset -g default-terminal xterm-256color\n' >"$CONF"
tm() { tmux -S "$SOCK" -f "$CONF" "$@"; }
cleanup() {
	tm kill-server >/dev/null 2>&1 || true
	[ -n "$own_pg" ] && pg_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" XDG_STATE_HOME="$TMP/home/.state"
mkdir -p "$HOME"
unset LINES COLUMNS NO_COLOR
psql() { command psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
DB=bench_tui
dropdb --if-exists "$DB" 2>/dev/null || true
createdb "$DB"
"$LIASSE" --db "dbname=$DB" db init >/dev/null
ent=$(psql -d "$DB" -c "SELECT liasse.create_entite(liasse.entite_racine(), 'collectivite', 'Commune du banc', NULL, NULL)")
uid=$(psql -d "$DB" -c "SELECT liasse.create_user('bench_tui', NULL, 'Banc', 'Essai', 'b@example.org', $ent)")
psql -d "$DB" -c "SELECT liasse.grant_role($uid, 'agent-collectivite', $ent)" >/dev/null
echo "Génération de $N dossiers helios-generique..."
psql -d "$DB" -U bench_tui -o /dev/null \
	-c "SELECT liasse.dossier_create($ent, 'helios-generique', 'PES ' || g || ' mandats et titres de l''exercice') FROM generate_series(1, $N) g"

settle() {
	local prev="" cur i
	for i in $(seq 1 50); do
		sleep 0.1
		cur=$(tm capture-pane -p -t t)
		[ "$cur" = "$prev" ] && [ "$i" -gt 2 ] && return 0
		prev=$cur
	done
}
wait_for() {
	local i; for i in $(seq 1 600); do
		tm capture-pane -p -t t | grep -qF -- "$1" && return 0; sleep 0.1; done
	echo "introuvable à l'écran : $1" >&2; return 1
}
OUT="$TMP/out"
: >"$OUT"
tm new-session -d -s t -x 80 -y 24 "$LIASSE --db 'dbname=$DB user=bench_tui'; sleep 60"
tm resize-window -t t -x 80 -y 24
wait_for "Types de dossiers"
tm send-keys -t t / H e l i o s Enter; settle
tm send-keys -t t Enter
wait_for "Position 1 à"
settle
tm pipe-pane -o -t t "cat >> '$OUT'"
sleep 0.3

# step LABEL KEY COUNT [TEXT]: average bytes over COUNT presses of KEY
# (waiting for TEXT on the screen after the last one, when given).
step() {
	local label=$1 key=$2 count=$3 want=${4:-} before after i
	before=$(stat -c %s "$OUT")
	for i in $(seq 1 "$count"); do tm send-keys -t t "$key"; settle; done
	[ -n "$want" ] && wait_for "$want" && settle
	sleep 0.3
	after=$(stat -c %s "$OUT")
	printf '%-36s %6d %10d\n' "$label" "$count" $(((after - before) / count))
}
printf '\n%-36s %6s %10s\n' "Pas de navigation (80x24, $N dossiers)" "fois" "octets/pas"
step "curseur vers le bas" Down 20
step "page suivante" NPage 10
step "page précédente" PPage 5
step "ouvrir un dossier (Entrée)" Enter 1 "États du dossier"
step "onglet suivant" Tab 1
step "retour à la liste (Échap)" Escape 1 "Position"
step "début de la liste" Home 1 "Position 1 à 20"
step "fin de la liste (une requête)" End 1 "Position $((N - 19)) à $N"
step "remonter d'une page depuis la fin" PPage 5
tm capture-pane -p -t t | tail -n 2 | head -n 1
echo "(objectif : au plus 2 048 octets par pas)"
