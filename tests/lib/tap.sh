# TAP-style helpers for test scripts. Each script prints "ok - name",
# "not ok - name" or "ok - name # SKIP reason"; tests/run counts them.
# Environment from tests/run: LIASSE (the binary), SHARED (../shared),
# TEST_TMP (a private folder), PGHOST/PGPORT/PGUSER (the test cluster,
# superuser postgres).

ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
skip() { echo "ok - $1 # SKIP $2"; }

# check NAME CMD...: ok when CMD exits 0.
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else fail "$name"; printf '%s\n' "$out" | sed 's/^/#   /' | head -n 20; fi
}
# check_fails NAME CMD...: ok when CMD exits non-zero.
check_fails() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then fail "$name (a réussi)"; else ok "$name"; fi
}
# is ACTUAL EXPECTED NAME
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else
		fail "$3"; printf '#   obtenu :  %s\n#   attendu : %s\n' "$1" "$2"; fi
}
# like TEXT REGEX NAME (extended regex)
like() {
	if printf '%s' "$1" | grep -qE -- "$2"; then ok "$3"; else
		fail "$3"; printf '%s\n' "$1" | head -n 10 | sed 's/^/#   /'; echo "#   motif : $2"; fi
}

# psql as superuser on database $DB (or PGDATABASE): prints unaligned rows.
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "${DB:-$PGDATABASE}" "$@"; }
# sql_as ROLE ...: same, logged in as ROLE (trust authentication).
sql_as() { local role=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -U "$role" -d "${DB:-$PGDATABASE}" "$@"; }

# newdb NAME: a fresh database with the liasse schema; sets DB.
newdb() {
	DB=$1
	createdb "$DB" || return 1
	"$LIASSE" --db "dbname=$DB" db init >/dev/null || return 1
	export DB
}
