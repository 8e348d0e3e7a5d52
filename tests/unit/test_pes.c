/* core/pes.c: extraction from the real samples of ../shared/samples/pes. */
#include <stdlib.h>

#include "core/err.h"
#include "core/pes.h"
#include "tests/unit/unit.h"

static bool
read_sample(const char *rel, struct pes_info *in)
{
	struct err e = { 0 };
	bool ok = pes_info_read(unit_shared(rel), in, &e);
	if (!ok)
		printf("#   %s: %s (%s)\n", rel, e.msg, e.detail);
	return ok;
}

TEST(pes_aller_latin1_accents)
{
	struct pes_info in;
	CHECK(read_sample("samples/pes/aller/depense_accents_latin1.xml", &in));
	CHECK_STR(in.kind, "aller");
	CHECK_STR(in.nom_fic, "HELIOS_SIMU_ALR2_1496987735_826268894.xml");
	CHECK_STR(in.typ_fic, "PESALR2");
	CHECK_STR(in.id_coll, "12345678912345");
	CHECK_STR(in.cod_col, "123");
	CHECK_STR(in.cod_bud, "12");
	CHECK_STR(in.libelle_col_bud, "Test é(-è_çà)="); /* ISO-8859-1 in the file */
	CHECK_STR(in.dte_str, "2017-06-09");
	CHECK_STR(in.id_post, "034000");
	CHECK_STR(in.exercice, "2009");
	CHECK_STR(in.type_pes, "depense");
	CHECK_STR(in.domaines, "PES_DepenseAller,PES_PJ");
	CHECK_STR(in.info_dematerialisee, "0");
	CHECK_STR(in.id_attr, "ID1800478292");
	CHECK(in.n_signatures == 0);
	CHECK(in.n_bordereaux == 1 && in.n_bordereaux_lus == 1);
	if (in.n_bordereaux_lus == 1) {
		CHECK(in.bordereaux[0].has_id);
		CHECK_STR(in.bordereaux[0].id_attr, "BORD767613");
		CHECK_STR(in.bordereaux[0].id_bord, "1234567");
		CHECK_STR(in.bordereaux[0].nbr_pce, "1");
		CHECK_STR(in.bordereaux[0].montant, "75724.75");
		CHECK_STR(in.bordereaux[0].montant_champ, "MtBordHT");
	}
	pes_info_free(&in);
}

TEST(pes_aller_without_ids)
{
	struct pes_info in;
	CHECK(read_sample("samples/pes/aller/depense_sans_id.xml", &in));
	CHECK_STR(in.id_attr, "");
	CHECK_STR(in.id_coll, "99988877766655");
	CHECK_STR(in.nom_fic, "161266992");
	CHECK(in.n_bordereaux == 1 && in.n_bordereaux_sans_id == 1);
	if (in.n_bordereaux_lus)
		CHECK(!in.bordereaux[0].has_id && !strcmp(in.bordereaux[0].id_bord, "72"));
	pes_info_free(&in);
	CHECK(read_sample("samples/pes/aller/depense_creation_document.xml", &in));
	CHECK_STR(in.id_attr, "3f80998588e86daebd5656ca624e0a14");
	CHECK(in.n_bordereaux_sans_id == 1);
	CHECK_STR(in.dte_str, "2014-10-23");
	pes_info_free(&in);
	CHECK(read_sample("samples/pes/aller/depense_bordereau_id_small.xml", &in));
	CHECK_STR(in.nom_fic, "HELIOS_SIMU_ALR2_1529593767_1834011863.xml");
	CHECK(in.n_bordereaux_lus == 1 && !strcmp(in.bordereaux[0].id_attr, "BORD822933"));
	pes_info_free(&in);
}

TEST(pes_recette_six_bordereaux_prefix_p)
{
	struct pes_info in;
	CHECK(read_sample("samples/pes/aller/recette_6_bordereaux_prefixe_p.xml", &in));
	CHECK_STR(in.kind, "aller");
	CHECK_STR(in.type_pes, "recette");
	CHECK_STR(in.libelle_col_bud, ""); /* absent from this file */
	CHECK_STR(in.cod_col, "11");
	CHECK_STR(in.cod_bud, "00");
	CHECK_STR(in.id_post, "082008");
	CHECK_STR(in.exercice, "2008");
	CHECK(in.n_bordereaux == 6 && in.n_bordereaux_lus == 6);
	if (in.n_bordereaux_lus == 6) {
		CHECK_STR(in.bordereaux[0].id_attr, "ID20081042008-04-2901");
		CHECK_STR(in.bordereaux[0].montant, "31591.40");
		CHECK_STR(in.bordereaux[0].montant_champ, "MtBordHt"); /* recette spelling */
		CHECK_STR(in.bordereaux[5].id_bord, "90109");
		CHECK_STR(in.bordereaux[5].nbr_pce, "2");
		CHECK_STR(in.bordereaux[5].montant, "469.4");
		CHECK_STR(in.bordereaux[5].domaine, "recette");
	}
	pes_info_free(&in);
}

TEST(pes_signed_samples_are_signed)
{
	static const char *const files[] = {
		"libersign_sha256_bordereau.xml", "libersign_sha256_bordereau_2.xml",
		"libersign_sha1_xades111_2mo.xml", "dgfip_cert_sha256_expire2016.xml",
		"berger_levrault_sha256_avec_pj.xml", "altere_doit_echouer.xml",
		"genere_softhsm_bordereau.xml", "genere_softhsm_global.xml",
	};
	char rel[128];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct pes_info in;
		snprintf(rel, sizeof(rel), "samples/pes/signed/%s", files[i]);
		CHECK(read_sample(rel, &in));
		CHECK(in.n_signatures >= 1);
		pes_info_free(&in);
	}
	struct pes_info in;
	CHECK(read_sample("samples/pes/signed/genere_softhsm_global.xml", &in));
	CHECK(in.signature_globale && in.n_bordereaux_signes == 0);
	pes_info_free(&in);
	CHECK(read_sample("samples/pes/signed/genere_softhsm_bordereau.xml", &in));
	CHECK(!in.signature_globale && in.n_bordereaux_signes == 1);
	CHECK(in.n_bordereaux_lus == 1 && in.bordereaux[0].signe);
	pes_info_free(&in);
	CHECK(read_sample("samples/pes/aller/depense_bordereau_id_small.xml", &in));
	CHECK(in.n_signatures == 0 && !in.bordereaux[0].signe);
	pes_info_free(&in);
}

TEST(pes_acquit_ok_and_ko)
{
	struct pes_info in;
	CHECK(read_sample("samples/pes/retour/acquit_ok.xml", &in));
	CHECK_STR(in.kind, "acquit");
	CHECK_STR(in.etat_ack, "1");
	CHECK(in.n_elements_ack == 5 && in.n_elements_ko == 0 && in.n_erreurs == 0);
	CHECK_STR(in.nom_fic, "HELIOS_SIMU_ALR2_1477486132_1155762524.xml");
	pes_info_free(&in);

	CHECK(read_sample("samples/pes/retour/acquit_partiel_ko.xml", &in));
	CHECK_STR(in.etat_ack, "2");
	CHECK(in.n_elements_ack == 9 && in.n_elements_ko == 1);
	CHECK(in.n_erreurs == 1);
	if (in.n_erreurs_lues == 1) {
		CHECK_STR(in.erreurs[0].domaine, "5");
		CHECK_STR(in.erreurs[0].num_bord, "140");
		CHECK_STR(in.erreurs[0].num_piece, "514");
		CHECK_STR(in.erreurs[0].num_ligne, "1");
		CHECK_STR(in.erreurs[0].code, "ERREUR_AUTRE");
		CHECK_STR(in.erreurs[0].libelle, "1963 - Domiciliation erronée");
	}
	pes_info_free(&in);

	/* Erreur directly under ElementACQUIT (a PJ) and under DetailPiece. */
	CHECK(read_sample("samples/pes/retour/acquit_ko_MIX.xml", &in));
	CHECK_STR(in.etat_ack, "2");
	CHECK(in.n_elements_ack == 4 && in.n_elements_ko == 3 && in.n_erreurs == 6);
	if (in.n_erreurs_lues == 6) {
		CHECK_STR(in.erreurs[4].num_piece, "5432");
		CHECK_STR(in.erreurs[4].num_ligne, "");
		CHECK_STR(in.erreurs[5].id_unique, "TI00064567");
		CHECK_STR(in.erreurs[5].code, "ERREUR_DOUBLON_PJ");
		CHECK_STR(in.erreurs[5].libelle,
			  "1984 - L'identifiant unique de la PJ a déjà été intégré dans HELIOS");
	}
	pes_info_free(&in);
}

TEST(pes_retour_and_other_roots)
{
	struct pes_info in;
	CHECK(read_sample("samples/pes/retour/pes_retour_depense.xml", &in));
	CHECK_STR(in.kind, "retour");
	CHECK_STR(in.cod_col, "221"); /* CodColl in a PES Retour */
	CHECK_STR(in.type_pes, "depense");
	CHECK_STR(in.libelle_poste, "CORBARIEU ");
	CHECK(in.n_bordereaux == 1);
	pes_info_free(&in);
	CHECK(read_sample("samples/pes/retour/acquit_de_pes_retour_2025.xml", &in));
	CHECK_STR(in.kind, "acquit_retour");
	CHECK_STR(in.cod_col, "007");
	pes_info_free(&in);
	CHECK(read_sample("samples/pes/retour/dgfip_exemple_nonacquit.xml", &in));
	CHECK_STR(in.kind, "non_acquit");
	CHECK_STR(in.etat_ack, "2");
	CHECK(in.n_erreurs_lues == 1 && !strcmp(in.erreurs[0].libelle, "String"));
	pes_info_free(&in);
}

TEST(pes_refuses_non_pes_and_keeps_nothing)
{
	struct pes_info in;
	struct err e = { 0 };
	const char html[] = "<?xml version=\"1.0\"?><html><PES_Aller/></html>";
	CHECK(!pes_info_read_mem(html, sizeof(html) - 1, &in, &e));
	CHECK_STR(e.msg, "Ce fichier XML n'est pas un PES : élément racine <html>");
	CHECK(in.bordereaux == NULL && in.kind[0] == '\0');
	const char dtd[] = "<!DOCTYPE PES_Aller [<!ENTITY e \"x\">]><PES_Aller/>";
	CHECK(!pes_info_read_mem(dtd, sizeof(dtd) - 1, &in, &e));
	CHECK(strstr(e.msg, "DTD") != NULL);
	CHECK(!pes_info_read("/nonexistent.xml", &in, &e));
	CHECK(e.code == ERR_IO);
}

struct acc {
	char buf[4096];
	size_t len;
};

static void
collect(const char *k, const char *v, void *arg)
{
	struct acc *acc = arg;
	int n = snprintf(acc->buf + acc->len, sizeof(acc->buf) - acc->len, "|%s=%s|", k, v);
	if (n > 0 && acc->len + (size_t)n < sizeof(acc->buf))
		acc->len += (size_t)n - 1; /* share the separator */
}

TEST(pes_foreach_gives_the_dossier_fields)
{
	struct pes_info in;
	CHECK(read_sample("samples/pes/aller/depense_accents_latin1.xml", &in));
	struct acc acc = { "", 0 };
	pes_info_foreach(&in, collect, &acc);
	CHECK(strstr(acc.buf, "|nom_fic=HELIOS_SIMU_ALR2_1496987735_826268894.xml|") != NULL);
	CHECK(strstr(acc.buf, "|libelle_col_bud=Test é(-è_çà)=|") != NULL);
	CHECK(strstr(acc.buf, "|pes_signe=0|") != NULL);
	CHECK(strstr(acc.buf, "|nb_bordereaux=1|") != NULL);
	CHECK(strstr(acc.buf, "|type_pes=depense|") != NULL);
	CHECK(strncmp(acc.buf, "|type=aller|", 12) == 0);
	pes_info_free(&in);
}
