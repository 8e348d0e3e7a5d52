# Every man page renders without groff warnings (man -l, as a user would).
. tests/lib/tap.sh
for page in man/*.[0-9]; do
	out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	is "$out" "" "$page s'affiche sans avertissement de groff"
	text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
	like "$text" 'NOM|NAME' "$page a une section NOM"
done
# Every registered subcommand is documented in liasse(1).
for cmd in $("$LIASSE" help | sed -n '/^Commandes/,/^$/p' | awk 'NR>1 && NF {print $1}'); do
	like "$(cat man/liasse.1)" "liasse $cmd" "la commande $cmd est décrite dans liasse(1)"
done
