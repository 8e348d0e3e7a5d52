#!/usr/bin/env bash
# A certificate the configured CRL lists (the lab's CARDLAB-REVOKED token):
# « Certificat révoqué … » before any PIN; without a terminal the signature
# is refused unless --accepter-revoque; pes sign, dossier signer, the CRL
# from the option or the configuration file.
. tests/sign/lib.inc
. tests/lib/dossier.sh
dossier_setup srev || { fail "préparation"; exit 1; }
export XDG_CONFIG_HOME=$W/conf
mkdir -p "$XDG_CONFIG_HOME/liasse"
SMALL=$PES/aller/depense_bordereau_id_small.xml
REV=("${SOFTHSM[@]}" --token CARDLAB-REVOKED)

# --- no CRL configured: nothing to say
out=$("$LIASSE" pes sign "${REV[@]}" --pin-file "$W/pin" "$SMALL" "$W/nocrl.xml" 2>&1 </dev/null)
is "$?" 0 "sans LCR : signature"
is "$(xmlsec_all "$W/nocrl.xml" 1)" 1 "sans LCR : xmlsec1 vérifie la signature"
[[ $out == *révoqué* ]] && fail "sans LCR : aucun avertissement" || ok "sans LCR : aucun avertissement"

# --- CRL given: warned, refused before the PIN, nothing written
out=$("$LIASSE" pes sign "${REV[@]}" --crl "$CARDLAB_CA_CRL" --pin-file /nonexistent/pin "$SMALL" "$W/rev.xml" 2>&1 </dev/null)
is "$?" 1 "LCR : certificat révoqué refusé"
like "$out" "Certificat révoqué le [0-9]{4}-[0-9]{2}-[0-9]{2} .*\(compromission de la clé\) : le certificat de Marc Petit figure sur la liste de révocation de Cardlab AC Test RGS" "LCR : avertissement en français (date, motif, titulaire, AC)"
like "$out" "Signature refusée : certificat révoqué \(--accepter-revoque" "LCR : refus sans terminal"
[[ $out == *"fichier de code PIN"* ]] && fail "LCR : refus avant le code PIN" || ok "LCR : refus avant le code PIN"
[ -e "$W/rev.xml" ] && fail "LCR : rien n'est écrit" || ok "LCR : rien n'est écrit"

# --- explicit option: warned, signed
out=$("$LIASSE" pes sign "${REV[@]}" --crl "$CARDLAB_CA_CRL" --accepter-revoque --pin-file "$W/pin" "$SMALL" "$W/rev.xml" 2>&1 </dev/null)
is "$?" 0 "--accepter-revoque : signé"
like "$out" "Certificat révoqué le" "--accepter-revoque : l'avertissement reste"
like "$out" "Signature malgré la révocation" "--accepter-revoque : dit"
is "$(xmlsec_all "$W/rev.xml" 1)" 1 "--accepter-revoque : xmlsec1 vérifie la signature"

# --- a certificate that is not listed: no warning
out=$("$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-SIGN --crl "$CARDLAB_CA_CRL" --pin-file "$W/pin" "$SMALL" "$W/good.xml" 2>&1 </dev/null)
is "$?" 0 "certificat non révoqué : signé"
is "$(xmlsec_all "$W/good.xml" 1)" 1 "certificat non révoqué : xmlsec1 vérifie la signature"
[[ $out == *révoqué* ]] && fail "certificat non révoqué : aucun avertissement" || ok "certificat non révoqué : aucun avertissement"

# --- unreadable CRL: said, not blocking
printf 'pas une LCR\n' >"$W/bad.crl"
out=$("$LIASSE" pes sign "${REV[@]}" --crl "$W/bad.crl" --pin-file "$W/pin" "$SMALL" "$W/badcrl.xml" 2>&1 </dev/null)
is "$?" 0 "LCR illisible : signature quand même"
is "$(xmlsec_all "$W/badcrl.xml" 1)" 1 "LCR illisible : xmlsec1 vérifie la signature"
like "$out" "Impossible de lire la LCR .* Révocation non vérifiée" "LCR illisible : signalé"

# --- the CRL from the configuration file; document sign too
printf 'crl %s\n' "$CARDLAB_CA_CRL" >"$XDG_CONFIG_HOME/liasse/config"
out=$("$LIASSE" pes sign "${REV[@]}" --pin-file "$W/pin" "$SMALL" "$W/conf.xml" 2>&1 </dev/null)
is "$?" 1 "LCR de la configuration : refus"
like "$out" "Certificat révoqué le" "LCR de la configuration : avertissement"
printf '%%PDF-1.4\n%% test\n' >"$W/doc.pdf"
out=$("$LIASSE" document sign "${REV[@]}" --pin-file "$W/pin" "$W/doc.pdf" "$W/doc.p7s" 2>&1 </dev/null)
is "$?" 1 "document sign : certificat révoqué refusé"
like "$out" "Certificat révoqué le" "document sign : avertissement"

# --- dossier signer: refused, dossier unchanged; then accepted explicitly
id=$(new_pes "PES révoqué" "$PES/aller/recette_6_bordereaux_prefixe_p.xml")
state() { dsql "$UA" "SELECT etat || '|' || version FROM dossier WHERE id = $1"; }
before=$(state "$id")
out=$(L "$UA" dossier signer "$id" "${REV[@]}" --pin-file "$W/pin" 2>&1 </dev/null)
is "$?" 1 "dossier signer : certificat révoqué refusé"
like "$out" "Certificat révoqué le .* Marc Petit" "dossier signer : avertissement"
is "$(state "$id")" "$before" "dossier signer : dossier inchangé"
out=$(L "$UA" dossier signer "$id" "${REV[@]}" --accepter-revoque --pin-file "$W/pin" 2>&1 </dev/null)
is "$?" 0 "dossier signer --accepter-revoque : signé"
like "$out" "signataire: Marc Petit" "dossier signer --accepter-revoque : signataire"
L "$UA" dossier get "$id" fichier_pes_signe "$W/dossier-rev.xml" >/dev/null
is "$(xmlsec_all "$W/dossier-rev.xml" 6)" 6 "dossier signer --accepter-revoque : xmlsec1 vérifie les 6 signatures stockées"
