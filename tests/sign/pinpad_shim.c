/* Test-only PKCS#11 module: a PIN pad reader in front of SoftHSM. Every
 * call goes to the module named by PINPAD_SHIM_TARGET (SoftHSM's), except:
 *   C_GetTokenInfo  also reports CKF_PROTECTED_AUTHENTICATION_PATH;
 *   C_Login         with a NULL PIN logs in with PINPAD_SHIM_PIN (what the
 *                   user "types on the keypad"); with a PIN from the
 *                   application it fails (a PIN pad reader takes none).
 * Each C_Login is written to PINPAD_SHIM_LOG ("clavier" or "pin-terminal").
 * Built by tests/sign/pinpad.sh: cc -shared -fPIC ... -ldl */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST shim;
static CK_FUNCTION_LIST_PTR real;

static void
note(const char *what)
{
	const char *path = getenv("PINPAD_SHIM_LOG");
	FILE *f = path ? fopen(path, "a") : NULL;
	if (f) {
		fprintf(f, "%s\n", what);
		fclose(f);
	}
}

static CK_RV
shim_get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = real->C_GetTokenInfo(slot, info);
	if (rv == CKR_OK)
		info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
	return rv;
}

static CK_RV
shim_login(CK_SESSION_HANDLE s, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	if (pin) {
		note("pin-terminal");
		return CKR_ARGUMENTS_BAD;
	}
	note("clavier");
	const char *keypad = getenv("PINPAD_SHIM_PIN");
	if (!keypad)
		return CKR_FUNCTION_CANCELED; /* nothing typed on the keypad */
	(void)len;
	return real->C_Login(s, user, (CK_UTF8CHAR_PTR)keypad, (CK_ULONG)strlen(keypad));
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (!real) {
		const char *target = getenv("PINPAD_SHIM_TARGET");
		void *dl = target ? dlopen(target, RTLD_NOW | RTLD_LOCAL) : NULL;
		CK_C_GetFunctionList gfl = dl ? (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList") : NULL;
		if (!gfl || gfl(&real) != CKR_OK || !real)
			return CKR_GENERAL_ERROR;
		shim = *real;
		shim.C_GetTokenInfo = shim_get_token_info;
		shim.C_Login = shim_login;
	}
	*list = &shim;
	return CKR_OK;
}
