/* PES information extraction by SAX streaming: see core/pes.h. */
#include "core/pes.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/strbuf.h"
#include "core/xml.h"

#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define MAX_DEPTH 16
#define PES_MAX_NESTING 256

struct pes_parse {
	struct pes_info *info;
	int depth;                    /* of the current element, root = 1 */
	char names[MAX_DEPTH + 1][40]; /* local names by depth (truncated) */
	int sig_depth;                /* inside a ds:Signature from that depth */
	int bord_depth;               /* inside a Bordereau at that depth */
	struct pes_bordereau bord;
	int elem_depth;               /* inside an ElementACQUIT at that depth */
	struct pes_erreur ack;        /* context of the current ElementACQUIT */
	bool ack_ko;
	int erreur_depth;
	struct pes_erreur erreur;
};

/* Copies at most N-1 bytes of SRC[0..len) into DST without cutting a
 * UTF-8 sequence. */
static void
copy_value(char *dst, size_t n, const unsigned char *src, size_t len)
{
	if (len >= n) {
		len = n - 1;
		while (len > 0 && (src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

#define SET(field, v, len) copy_value((field), sizeof(field), (v), (len))

static void
append_token(char *list, size_t n, const char *tok)
{
	size_t l = strlen(tok);
	for (const char *p = list; (p = strstr(p, tok)); p += l)
		if ((p == list || p[-1] == ',') && (p[l] == ',' || !p[l]))
			return;
	size_t have = strlen(list);
	if (have + l + 2 > n)
		return;
	if (have)
		list[have++] = ',';
	memcpy(list + have, tok, l + 1);
}

/* "PES_DepenseAller" -> "depense", "PES_PJ" -> "pj". */
static void
domain_token(const char *name, char *out, size_t n)
{
	const char *p = strncmp(name, "PES_", 4) == 0 ? name + 4 : name;
	size_t l = strlen(p);
	static const char *const suffixes[] = { "Aller", "Retour" };
	for (size_t i = 0; i < 2; i++) {
		size_t sl = strlen(suffixes[i]);
		if (l > sl && strcmp(p + l - sl, suffixes[i]) == 0) {
			l -= sl;
			break;
		}
	}
	if (l >= n)
		l = n - 1;
	for (size_t i = 0; i < l; i++)
		out[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] - 'A' + 'a') : p[i];
	out[l] = '\0';
}

static const struct {
	const char *name, *kind;
} roots[] = {
	{ "PES_Aller", "aller" },
	{ "PES_Retour", "retour" },
	{ "PES_ACQUIT", "acquit" },
	{ "PES_ACQUIT_RETOUR", "acquit_retour" },
	{ "PES_NonAcquit", "non_acquit" },
};

static bool
eq(const xmlChar *a, const char *b)
{
	return strcmp((const char *)a, b) == 0;
}

/* Recognises the root; false after stopping the parser (which frees the
 * input buffer: the attributes must not be read any more). */
static bool
on_root(void *ctx, struct pes_parse *p, const xmlChar *name, const xmlChar *uri)
{
	struct pes_info *in = p->info;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (eq(name, roots[i].name)) {
			str_copy(in->kind, sizeof(in->kind), roots[i].kind);
			str_copy(in->racine, sizeof(in->racine), roots[i].name);
			if (uri)
				SET(in->ns, uri, strlen((const char *)uri));
			if (strcmp(in->kind, "non_acquit") == 0)
				str_copy(in->etat_ack, sizeof(in->etat_ack), "2");
			return true;
		}
	char msg[300];
	char shown[80];
	copy_value(shown, sizeof(shown), name, strlen((const char *)name));
	snprintf(msg, sizeof(msg), _("Ce fichier XML n'est pas un PES : élément racine <%s>"),
		 shown);
	xml_sax_stop(ctx, msg);
	return false;
}

static void
push_erreur(struct pes_info *in, const struct pes_erreur *e)
{
	if (in->n_erreurs++ >= PES_MAX_ERREURS)
		return;
	if (!in->erreurs)
		in->erreurs = xcalloc(16, sizeof(*in->erreurs));
	else if (in->n_erreurs_lues >= 16 && !(in->n_erreurs_lues & (in->n_erreurs_lues - 1)))
		in->erreurs = xrealloc(in->erreurs, 2 * in->n_erreurs_lues * sizeof(*in->erreurs));
	in->erreurs[in->n_erreurs_lues++] = *e;
}

static void
push_bordereau(struct pes_info *in, const struct pes_bordereau *b)
{
	if (in->n_bordereaux++ >= PES_MAX_BORDEREAUX)
		return;
	if (!in->bordereaux)
		in->bordereaux = xcalloc(16, sizeof(*in->bordereaux));
	else if (in->n_bordereaux_lus >= 16 && !(in->n_bordereaux_lus & (in->n_bordereaux_lus - 1)))
		in->bordereaux =
			xrealloc(in->bordereaux, 2 * in->n_bordereaux_lus * sizeof(*in->bordereaux));
	in->bordereaux[in->n_bordereaux_lus++] = *b;
}

/* The value of the V attribute (or of ATTR), NULL when absent. */
static const xmlChar *
attr(int nb, const xmlChar **attrs, const char *name, size_t *len)
{
	for (int i = 0; i < nb; i++)
		if (eq(attrs[i * 5], name) && !attrs[i * 5 + 2]) {
			*len = (size_t)(attrs[i * 5 + 4] - attrs[i * 5 + 3]);
			return attrs[i * 5 + 3];
		}
	return NULL;
}

/* A V-valued element NAME under PARENT: stores it where it belongs. */
static void
on_value(struct pes_parse *p, const char *parent, const char *name, const xmlChar *v, size_t len)
{
	struct pes_info *in = p->info;
	if (strcmp(parent, "Parametres") == 0) {
		if (strcmp(name, "NomFic") == 0)
			SET(in->nom_fic, v, len);
		else if (strcmp(name, "TypFic") == 0)
			SET(in->typ_fic, v, len);
		else if (strcmp(name, "Version") == 0)
			SET(in->version, v, len);
	} else if (strcmp(parent, "EnTetePES") == 0) {
		static const struct {
			const char *name;
			size_t off, size;
		} f[] = {
#define F(n, m) { n, offsetof(struct pes_info, m), sizeof(((struct pes_info *)0)->m) }
			F("DteStr", dte_str), F("IdPost", id_post), F("LibellePoste", libelle_poste),
			F("IdColl", id_coll), F("CodCol", cod_col), F("CodColl", cod_col),
			F("CodBud", cod_bud), F("LibelleColBud", libelle_col_bud),
#undef F
		};
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (strcmp(name, f[i].name) == 0)
				copy_value((char *)in + f[i].off, f[i].size, v, len);
	} else if (strncmp(parent, "EnTete", 6) == 0 && strcmp(name, "InfoDematerialisee") == 0) {
		if (!in->info_dematerialisee[0])
			SET(in->info_dematerialisee, v, len);
	} else if (p->bord_depth && strcmp(parent, "BlocBordereau") == 0) {
		struct pes_bordereau *b = &p->bord;
		if (strcmp(name, "Exer") == 0)
			SET(b->exer, v, len);
		else if (strcmp(name, "IdBord") == 0)
			SET(b->id_bord, v, len);
		else if (strcmp(name, "DteBordEm") == 0)
			SET(b->dte_bord_em, v, len);
		else if (strcmp(name, "TypBord") == 0)
			SET(b->typ_bord, v, len);
		else if (strcmp(name, "NbrPce") == 0)
			SET(b->nbr_pce, v, len);
		else if (strcmp(name, "MtCumulAnnuel") == 0)
			SET(b->mt_cumul_annuel, v, len);
		else if ((!strcmp(name, "MtBordHT") || !strcmp(name, "MtBordHt") ||
			  !strcmp(name, "MtBordTTC")) &&
			 !b->montant_champ[0]) {
			SET(b->montant, v, len);
			str_copy(b->montant_champ, sizeof(b->montant_champ), name);
		}
	} else if (p->erreur_depth && strcmp(parent, "Erreur") == 0) {
		if (strcmp(name, "NumAnoAck") == 0)
			SET(p->erreur.code, v, len);
		else if (strcmp(name, "LibelleAnoAck") == 0)
			SET(p->erreur.libelle, v, len);
	} else if (p->elem_depth) {
		struct pes_erreur *a = &p->ack;
		if (strcmp(name, "DomaineAck") == 0)
			SET(a->domaine, v, len);
		else if (strcmp(name, "EtatAck") == 0)
			p->ack_ko = !(len == 1 && v[0] == '1');
		else if (strcmp(name, "NumBord") == 0)
			SET(a->num_bord, v, len);
		else if (strcmp(name, "ExerciceBord") == 0)
			SET(a->exercice, v, len);
		else if (strcmp(name, "IdUnique") == 0)
			SET(a->id_unique, v, len);
		else if (strcmp(name, "NumPiece") == 0)
			SET(a->num_piece, v, len);
		else if (strcmp(name, "NumLigne") == 0)
			SET(a->num_ligne, v, len);
	} else if (strcmp(parent, "NonAcquit") == 0) {
		if (strcmp(name, "Motif") == 0) {
			struct pes_erreur e = { 0 };
			SET(e.libelle, v, len);
			push_erreur(in, &e);
		}
	}
}

static void
start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
	      int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
	      const xmlChar **attrs)
{
	(void)prefix, (void)nb_namespaces, (void)namespaces, (void)nb_defaulted;
	struct pes_parse *p = xml_sax_user(ctx);
	struct pes_info *in = p->info;
	int d = ++p->depth;
	const char *name = (const char *)localname;
	const char *parent = d >= 2 && d - 1 <= MAX_DEPTH ? p->names[d - 1] : "";
	if (d <= MAX_DEPTH)
		str_copy(p->names[d], sizeof(p->names[d]), name);
	if (d > PES_MAX_NESTING) {
		if (d == PES_MAX_NESTING + 1)
			xml_sax_stop(ctx, _("Le fichier XML est imbriqué trop profondément "
					    "(plus de 256 niveaux)"));
		return;
	}
	if (p->sig_depth)
		return;
	size_t len;
	const xmlChar *v;
	if (d == 1) {
		if (!on_root(ctx, p, localname, uri))
			return;
		if ((v = attr(nb_attributes, attrs, "Id", &len)))
			SET(in->id_attr, v, len);
		return;
	}
	if (strcmp(name, "Signature") == 0 && uri && eq(uri, DSIG_NS)) {
		in->n_signatures++;
		if (d == 2)
			in->signature_globale = true;
		if (p->bord_depth && d == p->bord_depth + 1)
			p->bord.signe = true;
		p->sig_depth = d;
		return;
	}
	if (d == 2 && strcmp(name, "Enveloppe") && strcmp(name, "EnTetePES")) {
		char tok[32];
		append_token(in->domaines, sizeof(in->domaines), name);
		domain_token(name, tok, sizeof(tok));
		if (tok[0])
			append_token(in->type_pes, sizeof(in->type_pes), tok);
	}
	if (d == 3 && strcmp(name, "Bordereau") == 0 && !p->bord_depth) {
		memset(&p->bord, 0, sizeof(p->bord));
		p->bord_depth = d;
		domain_token(parent, p->bord.domaine, sizeof(p->bord.domaine));
		if ((v = attr(nb_attributes, attrs, "Id", &len))) {
			p->bord.has_id = true;
			SET(p->bord.id_attr, v, len);
		}
		return;
	}
	if (strcmp(name, "PJ") == 0 && (strcmp(parent, "PES_PJ") == 0 || d == 2))
		in->n_pj++;
	if (strcmp(name, "ElementACQUIT") == 0 && !p->elem_depth) {
		memset(&p->ack, 0, sizeof(p->ack));
		p->ack_ko = false;
		p->elem_depth = d;
		return;
	}
	if (strcmp(name, "Erreur") == 0 && !p->erreur_depth && p->elem_depth) {
		p->erreur = p->ack;
		p->erreur.code[0] = p->erreur.libelle[0] = '\0';
		p->erreur_depth = d;
		return;
	}
	if (p->elem_depth && strcmp(name, "DetailPiece") == 0)
		p->ack.num_piece[0] = p->ack.num_ligne[0] = '\0';
	if (p->elem_depth && strcmp(name, "DetailLigne") == 0)
		p->ack.num_ligne[0] = '\0';
	if ((v = attr(nb_attributes, attrs, "V", &len)))
		on_value(p, parent, name, v, len);
}

static void
end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	(void)localname, (void)prefix, (void)uri;
	struct pes_parse *p = xml_sax_user(ctx);
	struct pes_info *in = p->info;
	int d = p->depth--;
	if (p->sig_depth) {
		if (d == p->sig_depth)
			p->sig_depth = 0;
		return;
	}
	if (d == p->bord_depth) {
		p->bord_depth = 0;
		if (!in->exercice[0])
			str_copy(in->exercice, sizeof(in->exercice), p->bord.exer);
		in->n_bordereaux_signes += p->bord.signe;
		in->n_bordereaux_sans_id += !p->bord.has_id;
		push_bordereau(in, &p->bord);
	} else if (d == p->erreur_depth) {
		p->erreur_depth = 0;
		push_erreur(in, &p->erreur);
	} else if (d == p->elem_depth) {
		p->elem_depth = 0;
		in->n_elements_ack++;
		in->n_elements_ko += p->ack_ko;
	}
}

static void
finish(struct pes_info *in)
{
	if (strcmp(in->kind, "acquit") == 0 && in->n_elements_ack)
		str_copy(in->etat_ack, sizeof(in->etat_ack), in->n_elements_ko ? "2" : "1");
	/* "depense,recette" first when both are there; else the others. */
	char t[64] = "";
	if (strstr(in->domaines, "PES_Depense"))
		append_token(t, sizeof(t), "depense");
	if (strstr(in->domaines, "PES_Recette"))
		append_token(t, sizeof(t), "recette");
	if (t[0])
		str_copy(in->type_pes, sizeof(in->type_pes), t);
}

static bool
run(const char *path, const char *data, size_t len, struct pes_info *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	xmlSAXHandler sax;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = start_element;
	sax.endElementNs = end_element;
	struct pes_parse *p = xcalloc(1, sizeof(*p));
	p->info = out;
	bool ok = path ? xml_sax_file_safe(path, &sax, p, err)
		       : xml_sax_mem_safe(data, len, &sax, p, err);
	if (ok && !out->kind[0])
		ok = err_set(err, ERR_INPUT, _("Ce fichier XML n'est pas un PES"));
	free(p);
	if (!ok) {
		pes_info_free(out);
		return false;
	}
	finish(out);
	return true;
}

bool
pes_info_read(const char *path, struct pes_info *out, struct err *err)
{
	return run(path, NULL, 0, out, err);
}

bool
pes_info_read_mem(const char *data, size_t len, struct pes_info *out, struct err *err)
{
	return run(NULL, data, len, out, err);
}

void
pes_info_free(struct pes_info *info)
{
	if (!info)
		return;
	free(info->bordereaux);
	free(info->erreurs);
	memset(info, 0, sizeof(*info));
}

void
pes_info_foreach(const struct pes_info *in,
		 void (*fn)(const char *key, const char *value, void *arg), void *arg)
{
	char num[32];
	fn("type", in->kind, arg);
	fn("racine", in->racine, arg);
	fn("nom_fic", in->nom_fic, arg);
	fn("typ_fic", in->typ_fic, arg);
	fn("id_coll", in->id_coll, arg);
	fn("cod_col", in->cod_col, arg);
	fn("cod_bud", in->cod_bud, arg);
	fn("libelle_col_bud", in->libelle_col_bud, arg);
	fn("dte_str", in->dte_str, arg);
	fn("id_post", in->id_post, arg);
	fn("libelle_poste", in->libelle_poste, arg);
	bool ack = strcmp(in->kind, "acquit") == 0 || strcmp(in->kind, "non_acquit") == 0;
	if (!ack) {
		fn("exercice", in->exercice, arg);
		fn("type_pes", in->type_pes, arg);
		fn("domaines", in->domaines, arg);
		fn("info_dematerialisee", in->info_dematerialisee, arg);
		fn("pes_signe", in->n_signatures ? "1" : "0", arg);
		snprintf(num, sizeof(num), "%d", in->n_signatures);
		fn("nb_signatures", num, arg);
		fn("signature_globale", in->signature_globale ? "1" : "0", arg);
		snprintf(num, sizeof(num), "%zu", in->n_bordereaux_signes);
		fn("nb_bordereaux_signes", num, arg);
		fn("id_pes_aller", in->id_attr, arg);
		snprintf(num, sizeof(num), "%zu", in->n_bordereaux);
		fn("nb_bordereaux", num, arg);
		snprintf(num, sizeof(num), "%zu", in->n_bordereaux_sans_id);
		fn("nb_bordereaux_sans_id", num, arg);
		snprintf(num, sizeof(num), "%zu", in->n_pj);
		fn("nb_pj", num, arg);
	} else {
		fn("etat_ack", in->etat_ack, arg);
		snprintf(num, sizeof(num), "%zu", in->n_elements_ack);
		fn("nb_elements_ack", num, arg);
		snprintf(num, sizeof(num), "%zu", in->n_elements_ko);
		fn("nb_elements_ko", num, arg);
		snprintf(num, sizeof(num), "%zu", in->n_erreurs);
		fn("nb_erreurs", num, arg);
	}
}
