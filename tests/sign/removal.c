/* Card removed in the middle of a signing session: the signer reports it
 * in French, then works again after re-insertion (new session, new login).
 * Built and run by tests/sign/card.sh: removal MODULE TOKEN PINFILE CARDCMD */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/signer.h"
#include "pkcs11/p11.h"

static int failures;

static void
tap(int ok, const char *name, const char *detail)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	if (!ok) {
		failures++;
		if (detail && *detail)
			printf("#   %s\n", detail);
	}
}

static int
sign_and_check(struct signer *s, struct err *err)
{
	static const unsigned char data[] = "bordereau";
	unsigned char *sig;
	size_t len;
	if (!signer_sign(s, SIGNER_RSA_PKCS1_SHA256, data, sizeof data, &sig, &len, err))
		return 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(signer_cert(s))) == 1 &&
		 EVP_DigestVerify(md, sig, len, data, sizeof data) == 1;
	EVP_MD_CTX_free(md);
	free(sig);
	return ok;
}

int
main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: removal MODULE TOKEN PINFILE CARDCMD\n");
		return 2;
	}
	char pin[64] = "", cmd[1024];
	FILE *fp = fopen(argv[3], "r");
	if (!fp || !fgets(pin, sizeof pin, fp))
		return 2;
	fclose(fp);
	pin[strcspn(pin, "\n")] = 0;
	struct err err = { 0 };
	struct p11_module *m = p11_module_open(argv[1], &err);
	struct signer *s = m ? p11_signer_new(m, argv[2], &err) : NULL;
	if (!s) {
		tap(0, "signataire PKCS#11", err.msg);
		return 1;
	}
	tap(signer_begin(s, pin, &err), "ouverture avec le code PIN", err.msg);
	tap(sign_and_check(s, &err), "première signature", err.msg);
	tap(sign_and_check(s, &err), "deuxième signature (login contextuel)", err.msg);

	snprintf(cmd, sizeof cmd, "%s remove 0 >/dev/null", argv[4]);
	tap(system(cmd) == 0, "carte retirée", NULL);
	err_clear(&err);
	int r = sign_and_check(s, &err);
	tap(!r, "signature refusée carte retirée", NULL);
	tap(strstr(err.msg, "retirée") != NULL, "message en français : carte retirée", err.msg);
	printf("# %s (%s)\n", err.msg, err.detail);
	err_clear(&err);
	tap(!signer_begin(s, pin, &err), "pas de réouverture sans carte", NULL);
	printf("# %s\n", err.msg);

	snprintf(cmd, sizeof cmd, "%s insert 0 >/dev/null", argv[4]);
	tap(system(cmd) == 0, "carte réinsérée", NULL);
	signer_end(s);
	err_clear(&err);
	tap(signer_begin(s, pin, &err), "réouverture propre après réinsertion", err.msg);
	tap(sign_and_check(s, &err), "signature après réinsertion", err.msg);
	tap(sign_and_check(s, &err), "deuxième signature après réinsertion", err.msg);
	signer_free(&s);
	p11_module_close(&m);
	OPENSSL_cleanse(pin, sizeof pin);
	return failures ? 1 : 0;
}
