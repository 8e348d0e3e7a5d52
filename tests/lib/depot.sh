# Helpers of the dépôt (GED) connector tests (tests/daemon/depot*.sh),
# after dossier_setup: the CLI and the daemon on $DB, and PES dossiers of
# commune A routed to the GED.
PES=$SHARED/samples/pes/aller/depense_accents_latin1.xml
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
D() { "$LIASSE" --db "dbname=$DB" daemon --once >/dev/null; }
etat() { sql -c "SELECT etat FROM liasse.dossier WHERE id = $1"; }
histo() { sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier_etat WHERE dossier_id = $1"; }
# new_pes TITRE: a PES dossier of A oriented to the GED (job send-ged); prints its id.
new_pes() {
	local id
	id=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "$1") || return 1
	L "$UA" dossier attach "$id" fichier_pes "$PES" >/dev/null || return 1
	L "$UA" dossier set "$id" envoi_tdt= envoi_ged=on >/dev/null || return 1
	L "$UA" dossier action "$id" orientation >/dev/null || return 1
	echo "$id"
}
# zls ZIP: the names in ZIP, sorted, on one line; zcat1 ZIP NAME: one member.
zls() { python3 -c 'import sys, zipfile; print(" ".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))' "$1"; }
zcat1() { python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$1" "$2"; }
