/* PES (Hélios) information extraction: PES Aller, PES Retour, PES_ACQUIT
 * (acquittement), PES_ACQUIT_RETOUR and PES_NonAcquit.
 *
 * The file is streamed (core/xml.c, SAX): memory stays bounded whatever
 * its size, and it gets the same protections as any XML (no DTD, no
 * network...). Elements are matched by local name, whatever the prefix
 * (n:, p:...). Values are kept as they are in the file, converted to
 * UTF-8, "" when absent; overlong values are cut at a character boundary
 * (the DGFiP limits are far below the buffer sizes). */
#ifndef LIASSE_PES_H
#define LIASSE_PES_H
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* At most that many bordereaux and acquittement errors are kept in the
 * arrays; the totals are counted anyway. */
#define PES_MAX_BORDEREAUX 10000
#define PES_MAX_ERREURS 1000

struct pes_bordereau {
	bool has_id;          /* the Bordereau element has an Id attribute */
	char id_attr[128];    /* Bordereau/@Id */
	char domaine[16];     /* "depense", "recette"... (from the parent element) */
	char exer[16];        /* BlocBordereau/Exer */
	char id_bord[32];     /* BlocBordereau/IdBord */
	char dte_bord_em[32]; /* BlocBordereau/DteBordEm */
	char typ_bord[16];    /* BlocBordereau/TypBord */
	char nbr_pce[16];     /* BlocBordereau/NbrPce */
	char montant[32];     /* MtBordHT, MtBordHt or MtBordTTC, as in the file */
	char montant_champ[16]; /* which of them: "MtBordHT", "MtBordHt"... */
	char mt_cumul_annuel[32];
	bool signe;           /* has its own ds:Signature */
};

/* One anomaly of an acquittement (Erreur element at the ElementACQUIT,
 * DetailPiece or DetailLigne level), or the Motif of a PES_NonAcquit. */
struct pes_erreur {
	char domaine[8];     /* DomaineAck: 4 PJ, 5 dépense, 6 recette... */
	char num_bord[32];   /* NumBord */
	char exercice[16];   /* ExerciceBord */
	char id_unique[96];  /* IdUnique (PJ) */
	char num_piece[32];  /* DetailPiece/NumPiece */
	char num_ligne[16];  /* DetailLigne/NumLigne */
	char code[64];       /* NumAnoAck, e.g. ERREUR_AUTRE */
	char libelle[512];   /* LibelleAnoAck */
};

struct pes_info {
	char kind[16];      /* "aller", "retour", "acquit", "acquit_retour", "non_acquit" */
	char racine[64];    /* root element's local name, e.g. "PES_Aller" */
	char ns[256];       /* root element's namespace URI */
	char id_attr[128];  /* root Id attribute (PES_Aller/@Id), "" when absent */
	/* Enveloppe/Parametres */
	char version[16], typ_fic[64], nom_fic[256];
	/* EnTetePES (CodColl, in a PES Retour, goes to cod_col) */
	char dte_str[32], id_post[32], libelle_poste[256], id_coll[32], cod_col[16], cod_bud[16];
	char libelle_col_bud[256];
	char exercice[16];  /* Exer of the first bordereau */
	/* "depense", "recette", "depense,recette"; without either, the other
	 * domains ("pj", "facture"...) */
	char type_pes[64];
	char domaines[256]; /* the domain elements as they appear: "PES_DepenseAller,PES_PJ" */
	char info_dematerialisee[8]; /* EnTeteDepense|EnTeteRecette/InfoDematerialisee */
	int n_signatures;   /* ds:Signature elements */
	bool signature_globale; /* one of them is a child of the root */
	size_t n_bordereaux_signes;
	size_t n_bordereaux_sans_id;
	size_t n_pj;        /* PES_PJ/PJ */
	size_t n_bordereaux; /* total in the file */
	struct pes_bordereau *bordereaux; /* the first min(n_bordereaux, PES_MAX_BORDEREAUX) */
	size_t n_bordereaux_lus;
	/* Acquittement: etat_ack "1" when every ElementACQUIT has EtatAck 1,
	 * "2" when one is not (or for a PES_NonAcquit), "" otherwise. */
	char etat_ack[4];
	size_t n_elements_ack, n_elements_ko;
	struct pes_erreur *erreurs; /* the first min(n_erreurs, PES_MAX_ERREURS) */
	size_t n_erreurs, n_erreurs_lues;
};

/* Reads the PES at PATH into OUT (zeroed first). False + err (French:
 * missing file, not XML, DTD, truncated, not a PES...) on failure; OUT
 * then holds nothing to free. On success the caller pes_info_free()s. */
bool pes_info_read(const char *path, struct pes_info *out, struct err *err);
/* Same from LEN bytes at DATA. */
bool pes_info_read_mem(const char *data, size_t len, struct pes_info *out, struct err *err);
void pes_info_free(struct pes_info *info);

/* Calls FN for each "clé: valeur" of INFO, in the stable order printed by
 * `liasse pes info` (the per-bordereau and per-error lines excluded).
 * The keys are the helios-generique field ids: type, racine, nom_fic,
 * typ_fic, id_coll, cod_col, cod_bud, libelle_col_bud, dte_str, id_post,
 * libelle_poste, exercice, type_pes, domaines, info_dematerialisee,
 * pes_signe ("1"/"0"), nb_signatures, signature_globale ("1"/"0"),
 * nb_bordereaux_signes, id_pes_aller, nb_bordereaux,
 * nb_bordereaux_sans_id, nb_pj, and for acquittements etat_ack,
 * nb_elements_ack, nb_elements_ko, nb_erreurs. Empty values are passed
 * too. */
void pes_info_foreach(const struct pes_info *info,
		      void (*fn)(const char *key, const char *value, void *arg), void *arg);

#endif
