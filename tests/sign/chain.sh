#!/usr/bin/env bash
# The chain checked at signing time against a configured CA (--ca, or "ca"
# in the configuration file): the lab's CA lets the signature through, a
# foreign CA refuses it before the PIN, naming the issuer, nothing written;
# pes sign, document sign, dossier signer.
. tests/sign/lib.inc
. tests/lib/dossier.sh
dossier_setup schain || { fail "préparation"; exit 1; }
export XDG_CONFIG_HOME=$W/conf
mkdir -p "$XDG_CONFIG_HOME/liasse"
SMALL=$PES/aller/depense_bordereau_id_small.xml
TOK=("${SOFTHSM[@]}" --token CARDLAB-SIGN)
# a foreign CA (self-signed, made here)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/foreign.key" -out "$W/foreign.crt" \
	-days 30 -subj "/C=FR/O=Autre AC/CN=AC étrangère de test" >/dev/null 2>&1
# a folder holding the lab's CA
mkdir -p "$W/cadir"
cp "$CARDLAB_CA_CERT" "$W/cadir/lab.pem"

# --- lab CA (file, then folder): signed
out=$("$LIASSE" pes sign "${TOK[@]}" --ca "$CARDLAB_CA_CERT" --pin-file "$W/pin" "$SMALL" "$W/ok.xml" 2>&1)
is "$?" 0 "--ca AC du laboratoire : signé"
is "$(xmlsec_all "$W/ok.xml" 1)" 1 "--ca AC du laboratoire : xmlsec1 vérifie"
out=$("$LIASSE" pes sign "${TOK[@]}" --ca "$W/cadir" --pin-file "$W/pin" "$SMALL" "$W/okdir.xml" 2>&1)
is "$?" 0 "--ca dossier d'AC : signé"
is "$(xmlsec_all "$W/okdir.xml" 1)" 1 "--ca dossier d'AC : xmlsec1 vérifie"

# --- foreign CA: refused before the PIN, the issuer named, nothing written
out=$("$LIASSE" pes sign "${TOK[@]}" --ca "$W/foreign.crt" --pin-file /nonexistent/pin "$SMALL" "$W/ko.xml" 2>&1)
is "$?" 1 "--ca AC étrangère : refusé"
like "$out" "Signature refusée : le certificat de Jeanne Martin, émis par « Cardlab AC Test RGS - NE PAS UTILISER EN PRODUCTION », n'est pas reconnu par les autorités de certification configurées \($W/foreign.crt\)" "--ca AC étrangère : message (titulaire, émetteur)"
[[ $out == *"fichier de code PIN"* ]] && fail "--ca AC étrangère : refus avant le code PIN" || ok "--ca AC étrangère : refus avant le code PIN"
compgen -G "$W/ko.xml*" >/dev/null && fail "--ca AC étrangère : rien écrit" || ok "--ca AC étrangère : rien écrit"
out=$("$LIASSE" pes sign "${TOK[@]}" --ca "$W/absent.pem" --pin-file /nonexistent/pin "$SMALL" "$W/ko2.xml" 2>&1)
is "$?" 1 "--ca illisible : refusé"
like "$out" "Impossible de charger les certificats d'AC" "--ca illisible : message"
[ -e "$W/ko2.xml" ] && fail "--ca illisible : rien écrit" || ok "--ca illisible : rien écrit"

# --- document sign
printf '%%PDF-1.4\n%% test\n' >"$W/doc.pdf"
out=$("$LIASSE" document sign "${TOK[@]}" --ca "$W/foreign.crt" --pin-file "$W/pin" "$W/doc.pdf" "$W/doc.p7s" 2>&1)
is "$?" 1 "document sign, AC étrangère : refusé"
like "$out" "n'est pas reconnu par les autorités de certification" "document sign, AC étrangère : message"
compgen -G "$W/doc.p7s*" >/dev/null && fail "document sign, AC étrangère : rien écrit" || ok "document sign, AC étrangère : rien écrit"
check "document sign, AC du laboratoire : signé" "$LIASSE" document sign "${TOK[@]}" --ca "$CARDLAB_CA_CERT" --pin-file "$W/pin" "$W/doc.pdf" "$W/doc.p7s"
check "document sign : openssl cms -verify" openssl cms -verify -binary -inform PEM -in "$W/doc.p7s" \
	-content "$W/doc.pdf" -CAfile "$CARDLAB_CA_CERT" -purpose any -out /dev/null

# --- the configuration file's "ca"; the option wins over it
printf 'ca %s\n' "$W/foreign.crt" >"$XDG_CONFIG_HOME/liasse/config"
out=$("$LIASSE" pes sign "${TOK[@]}" --pin-file "$W/pin" "$SMALL" "$W/conf.xml" 2>&1)
is "$?" 1 "ca de la configuration (AC étrangère) : refusé"
like "$out" "émis par « Cardlab AC Test RGS" "ca de la configuration : l'émetteur nommé"
[ -e "$W/conf.xml" ] && fail "ca de la configuration : rien écrit" || ok "ca de la configuration : rien écrit"
out=$("$LIASSE" pes sign "${TOK[@]}" --ca "$CARDLAB_CA_CERT" --pin-file "$W/pin" "$SMALL" "$W/conf.xml" 2>&1)
is "$?" 0 "--ca avant la configuration : signé"

# --- dossier signer: refused, dossier unchanged; then signed with the lab's CA
id=$(new_pes "PES chaîne" "$PES/aller/recette_6_bordereaux_prefixe_p.xml")
state() { dsql "$UA" "SELECT etat || '|' || version FROM dossier WHERE id = $1"; }
before=$(state "$id")
out=$(L "$UA" dossier signer "$id" "${TOK[@]}" --pin-file "$W/pin" 2>&1 </dev/null)
is "$?" 1 "dossier signer, AC étrangère : refusé"
like "$out" "n'est pas reconnu par les autorités de certification" "dossier signer, AC étrangère : message"
is "$(state "$id")" "$before" "dossier signer, AC étrangère : dossier inchangé"
printf 'ca %s\n' "$W/cadir" >"$XDG_CONFIG_HOME/liasse/config"
out=$(L "$UA" dossier signer "$id" "${TOK[@]}" --pin-file "$W/pin" 2>&1 </dev/null)
is "$?" 0 "dossier signer, AC du laboratoire (configuration) : signé"
L "$UA" dossier get "$id" fichier_pes_signe "$W/dossier.xml" >/dev/null
is "$(xmlsec_all "$W/dossier.xml" 6)" 6 "dossier signer : xmlsec1 vérifie les 6 signatures stockées"
