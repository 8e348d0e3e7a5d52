# liasse frequence next: the run times of PASTELL's frequency expressions
# (pastell.md §3, the examples of its help text), suspension when the
# last line runs out, a French refusal naming the line of a bad expression.
. tests/lib/tap.sh

export TZ=UTC
F() { "$LIASSE" frequence next "$@"; }
from='2026-01-01 10:00'
nl='
'
is "$(F '10' --from "$from" -n 3)" "2026-01-01 10:10:00${nl}2026-01-01 10:20:00${nl}2026-01-01 10:30:00" \
	"« 10 » : toutes les 10 minutes"
is "$(F "10 X 2${nl}60" --from "$from" -n 4)" \
	"2026-01-01 10:10:00${nl}2026-01-01 10:20:00${nl}2026-01-01 11:20:00${nl}2026-01-01 12:20:00" \
	"« 10 X 2 / 60 » : deux fois à 10 minutes, puis toutes les heures"
is "$(F "(40 2 * * *) X 1${nl}60" --from "$from" -n 3)" \
	"2026-01-02 02:40:00${nl}2026-01-02 03:40:00${nl}2026-01-02 04:40:00" \
	"« (40 2 * * *) X 1 / 60 » : à 2 h 40, puis toutes les heures"
is "$(F '1 X 10' --from "$from" -n 12 | tail -n 3)" "2026-01-01 10:09:00${nl}2026-01-01 10:10:00${nl}suspendu" \
	"« 1 X 10 » : dix fois chaque minute, puis suspendu"
is "$(F '1 X 10' --from "$from" -n 12 | wc -l | tr -d ' ')" 11 "suspendu : plus aucune date après"
is "$(F "30s X 2${nl}(0 8 * * 1)" --from '2026-01-01 10:00:00' -n 4)" \
	"2026-01-01 10:00:30${nl}2026-01-01 10:01:00${nl}2026-01-05 08:00:00${nl}2026-01-12 08:00:00" \
	"secondes puis cron : le lundi à 8 h"
is "$(F '10' --from "$from" -n 1)" "2026-01-01 10:10:00" "-n 1 : une seule date"
is "$(F '1440' --from '2026-01-01' -n 2)" "2026-01-02 00:00:00${nl}2026-01-03 00:00:00" "--from sans heure : minuit"

out=$(F "10${nl}toutes les heures" 2>&1); rc=$?
is "$rc" 2 "expression invalide : code 2"
like "$out" "^liasse: expression invalide : Ligne 2 : attendu" "message en français nommant la ligne fautive"
out=$(F "(61 2 * * *)" 2>&1); rc=$?
is "$rc" 2 "cron invalide : code 2"
like "$out" "Ligne 1" "cron invalide : la ligne nommée"
out=$(F "10 X 0" 2>&1); rc=$?
is "$rc" 2 "« X 0 » refusé"
out=$(F '10' --from 'demain' 2>&1); rc=$?
is "$rc" 2 "date de départ invalide : code 2"
like "$out" "date invalide : « demain »" "date invalide : message en français"
