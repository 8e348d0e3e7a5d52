# The TOUCHES section of liasse(1) is the output of `liasse keys --man`
# (regenerate it with: liasse keys --man), and liasse-keys(5) names every
# action of the action table.
. tests/lib/tap.sh
want=$("$LIASSE" keys --man)
got=$(sed -n '/^\.SH TOUCHES/,/^\.SH CODES DE SORTIE/p' man/liasse.1 | sed '$d')
if [ "$got" = "$want" ]; then ok "liasse(1) TOUCHES = liasse keys --man"; else
	fail "liasse(1) TOUCHES = liasse keys --man"
	diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -n 20 | sed 's/^/#   /'
fi
for a in $("$LIASSE" keys --defaults | cut -f3 | sort -u); do
	like "$(sed 's/\\-/-/g' man/liasse-keys.5)" "$a" "liasse-keys(5) cite l'action $a"
done
for el in $(grep -oE '^color [a-z-]+' themes/default.theme | cut -d' ' -f2); do
	like "$(sed 's/\\-/-/g' man/liasse-themes.5)" "^\.B $el\$" "liasse-themes(5) décrit l'élément $el"
done
