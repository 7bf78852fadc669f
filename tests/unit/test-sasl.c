/* test-sasl.c - SASL mechanisms, mechanism choice, APOP and base64:
 * RFC test vectors, hostile and malformed challenges, the choice matrix. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "error.h"
#include "sasl.h"
#include "util.h"
#include "../tap.h"

/* ---- helpers ---- */

static char *b64n(const void *p, size_t n)
{
	return base64_encode(p, n);
}

static char *b64(const char *s)
{
	return b64n(s, strlen(s));
}

/* Decodes base64 into a string where NUL shows as '|' and ^A as '^'. */
static char *unb64(const char *t)
{
	unsigned char *d;
	size_t n;

	if (t == NULL)
		return xstrdup("(null)");
	if (base64_decode(t, strlen(t), &d, &n) < 0)
		return xstrdup("(not base64)");
	for (size_t i = 0; i < n; i++) {
		if (d[i] == '\0')
			d[i] = '|';
		else if (d[i] == 1)
			d[i] = '^';
	}
	return (char *)d;
}

static struct sasl *mk(enum sasl_mech mech, const char *user, const char *secret)
{
	struct sasl_params p = { mech, user, secret, NULL, 0, 0 };
	struct error *err = NULL;
	struct sasl *s = sasl_new(&p, &err);

	if (s == NULL)
		diag("sasl_new: %s", err != NULL ? err->msg : "?");
	error_free(&err);
	return s;
}

/* One step with a challenge given in plain text (base64-encoded here).
 * Returns the rc; *resp_plain gets the decoded response ("*" etc. stay
 * as they are when not base64), *msg the error sentence or NULL. */
static int step_plain(struct sasl *s, const char *challenge, char **resp, char **msg)
{
	char *c = b64(challenge);
	struct error *err = NULL;
	char *r = NULL;
	int rc;

	rc = sasl_step(s, c, strlen(c), &r, &err);
	free(c);
	*resp = r;
	*msg = err != NULL ? xstrdup(err->msg) : NULL;
	error_free(&err);
	return rc;
}

static bool contains(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* ---- base64 ---- */

static void test_base64(void)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Zg=", "Z===", "Zg==Zg==", "Zm9v\n", "Zm 9v", "Zm9v!", "=Zg=", "Zm=v",
		"====", "Z", "Zm9vY",
	};
	unsigned char all[256];
	unsigned char *d;
	size_t n;
	char *e;

	for (size_t i = 0; i < ARRAY_LEN(v); i++) {
		e = b64(v[i][0]);
		is_str(e, v[i][1], "base64 encode \"%s\" (RFC 4648 10)", v[i][0]);
		free(e);
		ok(base64_decode(v[i][1], strlen(v[i][1]), &d, &n) == 0 &&
		   n == strlen(v[i][0]) && memcmp(d, v[i][0], n) == 0,
		   "base64 decode \"%s\"", v[i][1]);
		free(d);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		ok(base64_decode(bad[i], strlen(bad[i]), &d, &n) == -1 && d == NULL,
		   "base64 refuses bad input %zu", i);
		ok(!base64_valid(bad[i], strlen(bad[i])), "base64_valid refuses it too");
	}
	for (size_t i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)i;
	e = b64n(all, sizeof all);
	is_int(strlen(e), base64_encoded_len(sizeof all), "encoded length");
	ok(base64_decode(e, strlen(e), &d, &n) == 0 && n == sizeof all &&
	   memcmp(d, all, n) == 0, "every byte value round-trips");
	free(d);
	free(e);
}

/* ---- SCRAM ---- */

struct scram_vector {
	const char *name;
	enum sasl_mech mech;
	const char *cnonce;
	const char *client_first;
	const char *server_first;
	const char *client_final;
	const char *server_final;
};

static const struct scram_vector rfc5802 = {
	"RFC 5802 SCRAM-SHA-1", SASL_MECH_SCRAM_SHA_1,
	"fyko+d2lbbFgONRv9qkxdawL",
	"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
	"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
	"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
	"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

static const struct scram_vector rfc7677 = {
	"RFC 7677 SCRAM-SHA-256", SASL_MECH_SCRAM_SHA_256,
	"rOprNGfwEbeRWgbNEkqO",
	"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

/* A SCRAM state with the vector's nonce, started. */
static struct sasl *scram_started(const struct scram_vector *v, const char *password)
{
	struct sasl *s = mk(v->mech, "user", password);
	char *ir = NULL;

	sasl_test_set_nonce(s, v->cnonce);
	if (sasl_start(s, &ir, NULL) < 0)
		diag("sasl_start failed");
	sasl_response_free(&ir);
	return s;
}

static void test_scram_vector(const struct scram_vector *v)
{
	struct sasl *s = mk(v->mech, "user", "pencil");
	struct error *err = NULL;
	char *ir = NULL, *resp = NULL, *msg = NULL, *plain;
	int rc;

	sasl_test_set_nonce(s, v->cnonce);
	is_str(sasl_state_name(s), "new", "%s: state new", v->name);
	ok(sasl_start(s, &ir, &err) == 0, "%s: start", v->name);
	plain = unb64(ir);
	is_str(plain, v->client_first, "%s: client-first", v->name);
	free(plain);
	ok(sasl_initial_fits(SASL_PROTO_POP3, v->mech, ir), "%s: fits the AUTH line", v->name);
	sasl_response_free(&ir);
	ok(ir == NULL, "sasl_response_free clears the pointer");

	rc = step_plain(s, v->server_first, &resp, &msg);
	is_int(rc, 0, "%s: server-first accepted", v->name);
	plain = unb64(resp);
	is_str(plain, v->client_final, "%s: exact client-final", v->name);
	free(plain);
	free(msg);
	sasl_response_free(&resp);
	is_str(sasl_state_name(s), "scram-final-sent", "%s: state", v->name);
	ok(!sasl_awaits_verdict(s), "%s: server-final still to come", v->name);

	rc = step_plain(s, v->server_final, &resp, &msg);
	is_int(rc, 0, "%s: server signature verified", v->name);
	is_str(resp, "", "%s: empty response to server-final", v->name);
	ok(sasl_awaits_verdict(s), "%s: verified: only the verdict can come", v->name);
	free(msg);
	sasl_response_free(&resp);
	is_int(sasl_finish(s, &err), 0, "%s: finish", v->name);
	ok(err == NULL, "%s: no error", v->name);
	is_int(sasl_mechanism(s), v->mech, "%s: mechanism", v->name);
	sasl_free(&s);
	ok(s == NULL, "sasl_free clears the pointer");
	sasl_free(&s);
}

/* The vector again, but the AUTH line carried no initial response: the
 * server's empty challenge gets client-first. */
static void test_scram_no_inline(void)
{
	struct sasl *s = scram_started(&rfc7677, "pencil");
	struct error *err = NULL;
	char *resp = NULL, *plain, *msg;

	ok(sasl_step(s, "", 0, &resp, &err) == 0, "empty challenge answered");
	plain = unb64(resp);
	is_str(plain, rfc7677.client_first, "with the initial response");
	free(plain);
	sasl_response_free(&resp);
	ok(step_plain(s, rfc7677.server_first, &resp, &msg) == 0, "then server-first");
	plain = unb64(resp);
	is_str(plain, rfc7677.client_final, "then the same client-final");
	free(plain);
	sasl_response_free(&resp);
	ok(step_plain(s, rfc7677.server_final, &resp, &msg) == 0 &&
	   sasl_finish(s, NULL) == 0, "and success");
	sasl_response_free(&resp);
	sasl_free(&s);

	s = scram_started(&rfc5802, "pencil");
	ok(sasl_step(s, "=", 1, &resp, &err) == 0, "\"=\" is an empty challenge too");
	plain = unb64(resp);
	is_str(plain, rfc5802.client_first, "answered with client-first");
	free(plain);
	sasl_response_free(&resp);
	sasl_free(&s);
}

/* Runs the vector up to server-final with a given server-final text. */
static int scram_final_with(const char *server_final, char **resp, char **msg,
			    struct sasl **out)
{
	struct sasl *s = scram_started(&rfc7677, "pencil");
	char *r, *m;

	step_plain(s, rfc7677.server_first, &r, &m);
	sasl_response_free(&r);
	free(m);
	*out = s;
	return step_plain(s, server_final, resp, msg);
}

static void test_scram_bad_signature(void)
{
	struct sasl *s;
	struct error *err = NULL;
	char *resp, *msg;
	int rc;

	rc = scram_final_with("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &resp, &msg, &s);
	is_int(rc, -1, "wrong server signature rejected");
	is_str(resp, "*", "the exchange is cancelled");
	ok(contains(msg, "could not prove it knows the password"), "says why: %s", msg);
	ok(!contains(msg, "pencil"), "no password in the message");
	is_int(sasl_finish(s, &err), -1, "a later success is still a failure");
	ok(err != NULL && contains(err->msg, "could not prove"), "with the same sentence");
	error_free(&err);
	sasl_rejected(s, "-ERR cancelled", false, &err);
	ok(err != NULL && contains(err->msg, "could not prove") &&
	   contains(err->detail, "-ERR cancelled"), "sasl_rejected keeps the reason and the server's words");
	error_free(&err);
	free(msg);
	sasl_response_free(&resp);
	rc = step_plain(s, "v=anything", &resp, &msg);
	ok(rc == -1 && strcmp(resp, "*") == 0, "a failed exchange stays failed");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	rc = scram_final_with("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4", &resp, &msg, &s);
	is_int(rc, -1, "signature with broken base64 rejected");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	rc = scram_final_with("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", &resp, &msg, &s);
	is_int(rc, -1, "a SHA-1 length signature for SHA-256 rejected");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	rc = scram_final_with("", &resp, &msg, &s);
	is_int(rc, -1, "empty server-final rejected");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	rc = scram_final_with("x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &resp, &msg, &s);
	is_int(rc, -1, "server-final without v= rejected");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	rc = scram_final_with("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,x=ext",
			      &resp, &msg, &s);
	is_int(rc, 0, "extensions after v= are ignored");
	free(msg);
	sasl_response_free(&resp);
	rc = step_plain(s, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &resp, &msg);
	is_int(rc, -1, "a challenge after the verified server-final is refused");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	/* Success without server-final: no proof of the server. */
	s = scram_started(&rfc7677, "pencil");
	step_plain(s, rfc7677.server_first, &resp, &msg);
	sasl_response_free(&resp);
	free(msg);
	is_int(sasl_finish(s, &err), -1, "success without server-final is a failure");
	ok(err != NULL && contains(err->msg, "could not prove"), "%s", err ? err->msg : "");
	error_free(&err);
	sasl_free(&s);

	s = scram_started(&rfc7677, "pencil");
	is_int(sasl_finish(s, &err), -1, "success right after the initial response is a failure");
	error_free(&err);
	sasl_free(&s);

	/* The right signature for the wrong password does not verify. */
	s = scram_started(&rfc7677, "pencils");
	step_plain(s, rfc7677.server_first, &resp, &msg);
	sasl_response_free(&resp);
	free(msg);
	rc = step_plain(s, rfc7677.server_final, &resp, &msg);
	is_int(rc, -1, "another password's server signature rejected");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);
}

/* server-first variants that must all end the exchange. */
static void test_scram_server_first_bad(void)
{
	static const struct {
		const char *msg;
		const char *why;
		const char *says;
	} cases[] = {
		{ "r=XXXXNGfwEbeRWgbNEkqO%hvYDpWUa2RaTC,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		  "nonce not starting with the client's", "does not extend" },
		{ "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		  "nonce equal to the client's", "does not extend" },
		{ "r=rOprNGfwEbeRWgbNEkq,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		  "nonce shorter than the client's", "does not extend" },
		{ "r=rOprNGfwEbeRWgbNEkqOx y,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		  "nonce with a space", "malformed" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095",
		  "4095 iterations", "fewer than" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
		  "0 iterations", "fewer than" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=10000001",
		  "10000001 iterations", "more than" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=999999999999",
		  "12-digit iterations", "more than" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=18446744073709551617",
		  "iterations overflowing 64 bits", "malformed" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-4096",
		  "negative iterations", "malformed" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x",
		  "iterations with junk", "malformed" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=",
		  "empty iterations", "malformed" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==",
		  "no iteration count", "malformed" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,i=4096",
		  "no salt", "malformed" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=,i=4096",
		  "empty salt", "malformed" },
		{ "r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7s!EsUEjb6gQ==,i=4096",
		  "salt not base64", "malformed" },
		{ "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOxy,i=4096",
		  "attributes out of order", "malformed" },
		{ "m=ext,r=rOprNGfwEbeRWgbNEkqOxy,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		  "mandatory extension", "extension" },
		{ "", "empty server-first after the initial response was sent", "" },
		{ "garbage", "garbage", "malformed" },
		{ "r", "a lone r", "malformed" },
		{ "e=unknown-user", "e= in server-first", "does not know the user" },
		{ "e=other-error", "e=other-error", "gave no reason" },
		{ "e=something\x7f\x1bnew", "unknown e= value", "SCRAM error \"something??new\"" },
	};
	char *resp, *msg;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct sasl *s = scram_started(&rfc7677, "pencil");
		int rc;

		if (cases[i].msg[0] == '\0') {
			/* The first empty challenge re-sends the initial
			 * response; a second one is malformed. */
			step_plain(s, "", &resp, &msg);
			sasl_response_free(&resp);
			free(msg);
		}
		rc = step_plain(s, cases[i].msg, &resp, &msg);
		is_int(rc, -1, "server-first refused: %s", cases[i].why);
		ok(resp != NULL && strcmp(resp, "*") == 0, "cancelled with \"*\"");
		ok(contains(msg, cases[i].says), "message: %s", msg ? msg : "(none)");
		is_str(sasl_state_name(s), "failed", "state failed");
		free(msg);
		sasl_response_free(&resp);
		sasl_free(&s);
	}
}

static void test_scram_limits_and_input(void)
{
	struct sasl_params p = { SASL_MECH_SCRAM_SHA_256, "user", "pencil", NULL, 0, 5000 };
	struct sasl *s;
	struct error *err = NULL;
	char *ir, *resp, *msg, *big;
	size_t n;
	int rc;

	/* A lower cap through the parameters. */
	s = sasl_new(&p, NULL);
	sasl_test_set_nonce(s, "abc");
	sasl_start(s, &ir, NULL);
	sasl_response_free(&ir);
	rc = step_plain(s, "r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=6000", &resp, &msg);
	ok(rc == -1 && contains(msg, "limit of 5000"), "scram_iter_max honoured: %s", msg);
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	/* Not base64, too long, NUL inside, truncated base64. */
	s = scram_started(&rfc7677, "pencil");
	rc = sasl_step(s, "cj1yT3By!!", 10, &resp, &err);
	ok(rc == -1 && err != NULL && contains(err->msg, "not base64"), "non-base64 challenge");
	ok(strcmp(resp, "*") == 0, "cancelled");
	error_free(&err);
	sasl_response_free(&resp);
	sasl_free(&s);

	s = scram_started(&rfc7677, "pencil");
	n = SASL_CHALLENGE_MAX + 4;
	big = xmalloc(n + 1);
	memset(big, 'A', n);
	big[n] = '\0';
	rc = sasl_step(s, big, n, &resp, &err);
	ok(rc == -1 && err != NULL && contains(err->msg, "longer than"), "over-long challenge");
	free(big);
	error_free(&err);
	sasl_response_free(&resp);
	sasl_free(&s);

	s = scram_started(&rfc7677, "pencil");
	{
		static const char nul[] = "r=rOprNGfwEbeRWgbNEkqOxy\0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
		char *c = b64n(nul, sizeof nul - 1);

		rc = sasl_step(s, c, strlen(c), &resp, &err);
		ok(rc == -1 && contains(err->msg, "NUL"), "NUL in a challenge");
		free(c);
		error_free(&err);
		sasl_response_free(&resp);
	}
	sasl_free(&s);

	/* Every strict prefix of server-first, encoded, fails cleanly; every
	 * prefix of the encoded full message that is not whole base64 too. */
	{
		const char *sf = rfc7677.server_first;
		char *enc = b64(sf);
		bool all_plain = true, all_enc = true;

		for (size_t k = 0; k < strlen(sf); k++) {
			char *pre = xstrndup(sf, k);

			s = scram_started(&rfc7677, "pencil");
			if (k == 0) {	/* the first empty one re-sends client-first */
				step_plain(s, "", &resp, &msg);
				sasl_response_free(&resp);
				free(msg);
			}
			if (step_plain(s, pre, &resp, &msg) != -1 || strcmp(resp, "*") != 0)
				all_plain = false;
			free(msg);
			sasl_response_free(&resp);
			sasl_free(&s);
			free(pre);
		}
		ok(all_plain, "every truncated server-first is refused");
		for (size_t k = 1; k < strlen(enc); k++) {
			s = scram_started(&rfc7677, "pencil");
			rc = sasl_step(s, enc, k, &resp, &err);
			if (rc != -1)
				all_enc = false;
			error_free(&err);
			sasl_response_free(&resp);
			sasl_free(&s);
		}
		ok(all_enc, "every truncated base64 server-first is refused");
		free(enc);
	}
}

static void test_scram_errors(void)
{
	static const struct {
		const char *e;
		const char *says;
		enum error_kind kind;
	} cases[] = {
		{ "e=invalid-proof", "user name or password is wrong", ERR_PERM },
		{ "e=unknown-user", "does not know the user name", ERR_PERM },
		{ "e=no-resources", "try again later", ERR_TEMP },
		{ "e=server-does-support-channel-binding", "tampered", ERR_PERM },
		{ "e=invalid-encoding", "could not decode", ERR_PERM },
		{ "e=", "SCRAM error \"\"", ERR_PERM },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct sasl *s;
		struct error *err = NULL;
		char *resp, *msg;
		int rc;

		rc = scram_final_with(cases[i].e, &resp, &msg, &s);
		is_int(rc, -1, "server-final %s ends the exchange", cases[i].e);
		ok(contains(msg, cases[i].says), "%s", msg ? msg : "(none)");
		ok(contains(msg, "\"user\"") && contains(msg, "SCRAM-SHA-256"),
		   "names the user and the mechanism");
		free(msg);
		sasl_response_free(&resp);
		sasl_rejected(s, "-ERR [AUTH] Authentication failed.", false, &err);
		ok(err != NULL && err->kind == cases[i].kind && contains(err->msg, cases[i].says),
		   "sasl_rejected reports the SCRAM error, kind %d", err ? (int)err->kind : -1);
		error_free(&err);
		sasl_free(&s);
	}
}

static void test_scram_names(void)
{
	struct sasl *s, *t;
	char *ir, *ir2, *plain, *r1, *r2, *msg;
	struct error *err = NULL;
	struct sasl_params p = { SASL_MECH_SCRAM_SHA_1, "user", "sekr\tit", NULL, 0, 0 };

	s = mk(SASL_MECH_SCRAM_SHA_1, "a,b=c", "pencil");
	sasl_test_set_nonce(s, "xyz");
	sasl_start(s, &ir, NULL);
	plain = unb64(ir);
	is_str(plain, "n,,n=a=2Cb=3Dc,r=xyz", "saslname escapes ',' and '='");
	free(plain);
	sasl_response_free(&ir);
	sasl_free(&s);

	/* Random nonces: 32 base64 characters, different each time. */
	s = mk(SASL_MECH_SCRAM_SHA_256, "user", "pencil");
	t = mk(SASL_MECH_SCRAM_SHA_256, "user", "pencil");
	sasl_start(s, &ir, NULL);
	sasl_start(t, &ir2, NULL);
	plain = unb64(ir);
	ok(strncmp(plain, "n,,n=user,r=", 12) == 0 && strlen(plain) == 12 + 32,
	   "random nonce of 32 characters: %s", plain);
	free(plain);
	ok(strcmp(ir, ir2) != 0, "two exchanges, two nonces");
	sasl_response_free(&ir);
	sasl_response_free(&ir2);
	sasl_free(&s);
	sasl_free(&t);

	/* SASLprep: controls refused, invalid UTF-8 refused, NFC applied. */
	s = sasl_new(&p, &err);
	ok(s == NULL && err != NULL && contains(err->msg, "control"), "SCRAM password with a tab refused");
	ok(err != NULL && !contains(err->msg, "sekr"), "without the password in the message");
	error_free(&err);
	p.secret = "caf\xc3";
	s = sasl_new(&p, &err);
	ok(s == NULL && err != NULL && contains(err->msg, "UTF-8"), "SCRAM password not UTF-8 refused");
	error_free(&err);
	p.mech = SASL_MECH_PLAIN;
	s = sasl_new(&p, &err);
	ok(s != NULL, "PLAIN takes the same bytes as they are");
	sasl_free(&s);

	s = mk(SASL_MECH_SCRAM_SHA_256, "user", "caf\xc3\xa9");	/* precomposed é */
	t = mk(SASL_MECH_SCRAM_SHA_256, "user", "cafe\xcc\x81");	/* e + combining acute */
	ok(s != NULL && t != NULL, "non-ASCII SCRAM passwords accepted");
	sasl_test_set_nonce(s, "rOprNGfwEbeRWgbNEkqO");
	sasl_test_set_nonce(t, "rOprNGfwEbeRWgbNEkqO");
	sasl_start(s, &ir, NULL);
	sasl_start(t, &ir2, NULL);
	sasl_response_free(&ir);
	sasl_response_free(&ir2);
	step_plain(s, rfc7677.server_first, &r1, &msg);
	free(msg);
	step_plain(t, rfc7677.server_first, &r2, &msg);
	free(msg);
	ok(r1 != NULL && r2 != NULL && strcmp(r1, r2) == 0,
	   "composed and decomposed forms give the same proof (normalized)");
	sasl_response_free(&r1);
	sasl_response_free(&r2);
	sasl_free(&s);
	sasl_free(&t);
}

/* ---- CRAM-MD5, PLAIN, LOGIN ---- */

static void test_cram_md5(void)
{
	struct sasl *s = mk(SASL_MECH_CRAM_MD5, "tim", "tanstaaftanstaaf");
	struct error *err = NULL;
	char *ir = (char *)"x", *resp, *msg, *plain;

	ok(sasl_start(s, &ir, &err) == 0 && ir == NULL, "CRAM-MD5 has no initial response");
	ok(step_plain(s, "<1896.697170952@postoffice.reston.mci.net>", &resp, &msg) == 0,
	   "RFC 2195 challenge");
	is_str(resp, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", "RFC 2195 response");
	ok(sasl_awaits_verdict(s), "CRAM-MD5: only the verdict after the response");
	plain = unb64(resp);
	is_str(plain, "tim b913a602c7eda7a495b4e6e7334d3890", "decoded");
	free(plain);
	sasl_response_free(&resp);
	ok(step_plain(s, "<again@x>", &resp, &msg) == -1 && strcmp(resp, "*") == 0,
	   "a second challenge is refused");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	s = mk(SASL_MECH_CRAM_MD5, "tim", "tanstaaftanstaaf");
	sasl_start(s, &ir, NULL);
	ok(step_plain(s, "", &resp, &msg) == -1, "an empty CRAM-MD5 challenge is refused");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	s = mk(SASL_MECH_CRAM_MD5, "tim", "tanstaaftanstaaf");
	sasl_start(s, &ir, NULL);
	ok(sasl_finish(s, NULL) == 0, "CRAM-MD5 success is taken at the server's word");
	sasl_free(&s);
}

static void test_plain_login(void)
{
	struct sasl *s = mk(SASL_MECH_PLAIN, "tim", "tanstaaf");
	struct error *err = NULL;
	char *ir, *resp, *msg, *plain;

	sasl_start(s, &ir, &err);
	plain = unb64(ir);
	is_str(plain, "|tim|tanstaaf", "PLAIN: empty authzid NUL user NUL password");
	free(plain);
	is_str(ir, "AHRpbQB0YW5zdGFhZg==", "PLAIN base64");
	sasl_response_free(&ir);
	ok(!sasl_awaits_verdict(s), "PLAIN: the initial response may still be asked for");
	ok(sasl_step(s, "", 0, &resp, &err) == 0, "empty challenge: initial response again");
	ok(sasl_awaits_verdict(s), "PLAIN: said everything once the response answered it");
	is_str(resp, "AHRpbQB0YW5zdGFhZg==", "the same PLAIN response");
	sasl_response_free(&resp);
	ok(step_plain(s, "more?", &resp, &msg) == -1 && contains(msg, "where none was expected"),
	   "PLAIN refuses further challenges");
	ok(!contains(msg, "tanstaaf"), "no password in the message");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	s = mk(SASL_MECH_PLAIN, "tim", "tanstaaf");
	sasl_start(s, &ir, NULL);
	sasl_response_free(&ir);
	ok(sasl_finish(s, NULL) == 0, "PLAIN success");
	sasl_free(&s);

	s = mk(SASL_MECH_LOGIN, "tim", "tanstaaf");
	ir = (char *)"x";
	ok(sasl_start(s, &ir, NULL) == 0 && ir == NULL, "LOGIN has no initial response");
	ok(sasl_step(s, "UGFzc3dvcmQ6", 12, &resp, NULL) == 0, "first prompt (says Password:)");
	plain = unb64(resp);
	is_str(plain, "tim", "answered with the user name: by order, not by text");
	free(plain);
	sasl_response_free(&resp);
	is_str(sasl_state_name(s), "login-user-sent", "state");
	ok(!sasl_awaits_verdict(s), "LOGIN: the password is still to go");
	ok(sasl_step(s, "what is it?", 11, &resp, NULL) == 0, "second prompt, not even base64");
	plain = unb64(resp);
	is_str(plain, "tanstaaf", "answered with the password");
	ok(sasl_awaits_verdict(s), "LOGIN: only the verdict after the password");
	free(plain);
	sasl_response_free(&resp);
	ok(step_plain(s, "Again:", &resp, &msg) == -1 && strcmp(resp, "*") == 0,
	   "a third prompt is refused");
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);
}

/* ---- OAuth ---- */

static void test_oauth(void)
{
	struct sasl_params p = {
		SASL_MECH_OAUTHBEARER, "user@example.com",
		"vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", "server.example.com", 143, 0
	};
	struct sasl *s;
	struct error *err = NULL;
	char *ir, *resp, *msg, *plain;
	int rc;

	s = mk(SASL_MECH_XOAUTH2, "someuser@example.com",
	       "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
	sasl_start(s, &ir, NULL);
	plain = unb64(ir);
	is_str(plain, "user=someuser@example.com^auth=Bearer "
		      "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg^^", "XOAUTH2 initial response");
	free(plain);
	is_str(ir, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
		   "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==", "XOAUTH2 base64 as Google documents it");
	ok(!sasl_initial_fits(SASL_PROTO_POP3, SASL_MECH_XOAUTH2, ir) ||
	   strlen(ir) + 16 <= 255, "fits agrees with the length");
	sasl_response_free(&ir);
	ok(!sasl_awaits_verdict(s), "XOAUTH2: a refusal comes as a challenge");
	rc = step_plain(s, "{\"status\":\"401\",\"schemes\":\"bearer mac\",\"scope\":\"https://mail.google.com/\"}",
			&resp, &msg);
	is_int(rc, -1, "XOAUTH2 error challenge ends the exchange");
	is_str(resp, "", "answered with the empty line the dance expects");
	ok(contains(msg, "status 401") && contains(msg, "OAuth token") && contains(msg, "someuser"),
	   "the JSON status is in the sentence: %s", msg);
	ok(!contains(msg, "ya29"), "the token is not");
	free(msg);
	sasl_response_free(&resp);
	sasl_rejected(s, "535 5.7.8 Username and Password not accepted.", false, &err);
	ok(err != NULL && contains(err->msg, "status 401") &&
	   contains(err->detail, "535 5.7.8"), "final error: sentence plus the server's words");
	error_free(&err);
	ok(sasl_finish(s, &err) == -1, "a success after the error document is not believed");
	error_free(&err);
	sasl_free(&s);

	s = sasl_new(&p, &err);
	sasl_start(s, &ir, NULL);
	plain = unb64(ir);
	is_str(plain, "n,a=user@example.com,^host=server.example.com^port=143^"
		      "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==^^",
	       "OAUTHBEARER initial response (RFC 7628 4.1)");
	free(plain);
	sasl_response_free(&ir);
	rc = step_plain(s, "{\"status\":\"invalid_token\",\"scope\":\"example_scope\","
			   "\"openid-configuration\":\"https://example.com/.well-known/openid-configuration\"}",
			&resp, &msg);
	is_int(rc, -1, "OAUTHBEARER error challenge ends the exchange");
	is_str(resp, "AQ==", "answered with a lone ^A (RFC 7628 3.2.3)");
	ok(contains(msg, "status invalid_token"), "status in the sentence: %s", msg);
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	/* Host and port are optional; the user name is a saslname. */
	p.host = NULL;
	p.port = 0;
	p.user = "a,b";
	s = sasl_new(&p, NULL);
	sasl_start(s, &ir, NULL);
	plain = unb64(ir);
	is_str(plain, "n,a=a=2Cb,^auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==^^",
	       "OAUTHBEARER without host and port");
	free(plain);
	sasl_response_free(&ir);
	/* Error documents of other shapes. */
	rc = step_plain(s, "{\"error\":\"invalid_grant\",\"nested\":{\"a\":[1,2,{\"b\":null}]},"
			   "\"error_description\":\"Token has been expired or revoked.\"}",
			&resp, &msg);
	ok(rc == -1 && contains(msg, "invalid_grant") && contains(msg, "expired or revoked"),
	   "error and error_description: %s", msg);
	free(msg);
	sasl_response_free(&resp);
	sasl_free(&s);

	{
		static const char *const docs[] = {
			"not json at all\x01\x02",
			"{\"status\":",
			"{\"status\":401}",
			"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
			"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],\"status\":\"x\"}",
			"{\"status\":\"\\u0041\\\"\\n\"}",
			"",
		};
		static const char *const want[] = {
			"not json at all??", "OAuth token", "status 401", "[[[", "OAuth token",
			"status ?\" ", "OAuth token",
		};

		for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
			s = mk(SASL_MECH_XOAUTH2, "u", "tok");
			sasl_start(s, &ir, NULL);
			sasl_response_free(&ir);
			if (docs[i][0] == '\0') {
				step_plain(s, "", &resp, &msg);	/* re-sends the initial */
				sasl_response_free(&resp);
				free(msg);
			}
			rc = step_plain(s, docs[i], &resp, &msg);
			ok(rc == -1 && strcmp(resp, "") == 0 && contains(msg, want[i]),
			   "odd error document %zu: %s", i, msg ? msg : "(none)");
			free(msg);
			sasl_response_free(&resp);
			sasl_free(&s);
		}
	}

	/* Token hygiene. */
	{
		static const char *const bad[] = { "tok en", "token\n", "tok\001en", "t\xc3\xa9" };

		for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
			struct sasl_params q = { SASL_MECH_XOAUTH2, "u", bad[i], NULL, 0, 0 };

			s = sasl_new(&q, &err);
			ok(s == NULL && err != NULL && contains(err->msg, "bare access token"),
			   "token %zu with a space or control character refused", i);
			error_free(&err);
		}
	}
	s = mk(SASL_MECH_XOAUTH2, "u", "tok");
	sasl_start(s, &ir, NULL);
	sasl_response_free(&ir);
	sasl_rejected(s, "-ERR nope", false, &err);
	ok(err != NULL && contains(err->msg, "may have expired") && err->kind == ERR_PERM,
	   "a plain -ERR to XOAUTH2 says the token may have expired");
	error_free(&err);
	sasl_free(&s);
}

static void test_params(void)
{
	struct sasl_params p = { SASL_MECH_PLAIN, "", "pw", NULL, 0, 0 };
	struct error *err = NULL;
	struct sasl *s;
	char *big;

	s = sasl_new(&p, &err);
	ok(s == NULL && err != NULL && err->kind == ERR_CONFIG, "empty user refused");
	error_free(&err);
	p.user = "bad\001user";
	s = sasl_new(&p, &err);
	ok(s == NULL && err != NULL, "control character in the user refused");
	error_free(&err);
	p.user = "u";
	p.secret = "";
	s = sasl_new(&p, &err);
	ok(s == NULL && err != NULL && contains(err->msg, "password is empty"), "empty password refused");
	error_free(&err);
	p.secret = NULL;
	s = sasl_new(&p, &err);
	ok(s == NULL && err != NULL, "no password refused");
	error_free(&err);
	big = xmalloc(SASL_CREDENTIAL_MAX + 2);
	memset(big, 'x', SASL_CREDENTIAL_MAX + 1);
	big[SASL_CREDENTIAL_MAX + 1] = '\0';
	p.secret = big;
	s = sasl_new(&p, &err);
	ok(s == NULL && err != NULL && contains(err->msg, "longer than"), "huge password refused");
	error_free(&err);
	free(big);

	s = mk(SASL_MECH_PLAIN, "jane", "pw");
	sasl_rejected(s, "-ERR [SYS/TEMP] later", true, &err);
	ok(err != NULL && err->kind == ERR_TEMP && contains(err->msg, "\"jane\"") &&
	   contains(err->msg, "PLAIN") && contains(err->detail, "SYS/TEMP"),
	   "temporary rejection: %s", err ? err->msg : "");
	error_free(&err);
	sasl_rejected(s, NULL, false, &err);
	ok(err != NULL && err->kind == ERR_PERM && err->detail == NULL, "rejection without words");
	error_free(&err);
	ok(sasl_rejected(s, "x", false, NULL) == -1, "NULL err is fine");
	ok(sasl_finish(s, &err) == -1 && err != NULL, "success before start is an error");
	error_free(&err);
	sasl_free(&s);

	is_str(sasl_mech_name(SASL_MECH_SCRAM_SHA_256), "SCRAM-SHA-256", "name");
	is_str(sasl_mech_name(SASL_MECH_APOP), "APOP", "name of APOP");
	ok(sasl_mech_reveals_secret(SASL_MECH_PLAIN) && sasl_mech_reveals_secret(SASL_MECH_LOGIN) &&
	   sasl_mech_reveals_secret(SASL_MECH_XOAUTH2) && sasl_mech_reveals_secret(SASL_MECH_OAUTHBEARER) &&
	   sasl_mech_reveals_secret(SASL_MECH_USER), "the revealing mechanisms");
	ok(!sasl_mech_reveals_secret(SASL_MECH_SCRAM_SHA_1) && !sasl_mech_reveals_secret(SASL_MECH_CRAM_MD5) &&
	   !sasl_mech_reveals_secret(SASL_MECH_APOP), "the others");
}

/* ---- choice ---- */

static int choose(const char *list, enum sasl_proto proto, enum config_auth auth,
		  bool tls, bool allow, bool apop, bool user, enum sasl_mech *m, char **msg)
{
	struct sasl_policy pol = { proto, auth, tls, allow, apop, user };
	struct error *err = NULL;
	int rc = sasl_choose(list, &pol, m, &err);

	*msg = err != NULL ? xstrdup(err->msg) : NULL;
	if (err != NULL && err->kind != ERR_CONFIG)
		diag("unexpected error kind %d", (int)err->kind);
	error_free(&err);
	return rc;
}

static void test_choose(void)
{
	static const enum sasl_mech order[] = {
		SASL_MECH_SCRAM_SHA_256, SASL_MECH_SCRAM_SHA_1, SASL_MECH_CRAM_MD5,
		SASL_MECH_PLAIN, SASL_MECH_LOGIN,
	};
	static const enum config_auth every[] = {
		CONFIG_AUTH_AUTO, CONFIG_AUTH_SCRAM_SHA_256, CONFIG_AUTH_SCRAM_SHA_1,
		CONFIG_AUTH_CRAM_MD5, CONFIG_AUTH_PLAIN, CONFIG_AUTH_LOGIN, CONFIG_AUTH_APOP,
		CONFIG_AUTH_USER, CONFIG_AUTH_XOAUTH2, CONFIG_AUTH_OAUTHBEARER,
	};
	enum sasl_mech m;
	char *msg;
	bool all;
	int rc;

	/* auto, with every subset of the five, both protocols, with extras
	 * that must never be picked by auto. */
	all = true;
	for (unsigned set = 0; set < 32; set++) {
		for (int proto = 0; proto < 2; proto++) {
			struct buf list = BUF_INIT;
			int want = -1;

			buf_puts(&list, "GSSAPI XOAUTH2 ");
			for (int i = 4; i >= 0; i--) {
				if (set & (1u << i)) {
					buf_printf(&list, "%s ", sasl_mech_name(order[i]));
					if (want < 0 || i < want)
						want = i;
				}
			}
			buf_puts(&list, "OAUTHBEARER NTLM");
			m = SASL_MECH_USER;
			rc = choose(buf_cstr(&list), (enum sasl_proto)proto, CONFIG_AUTH_AUTO,
				    true, false, false, false, &m, &msg);
			if (want < 0 ? rc != -1 || !contains(msg, "OAuth") :
			    rc != 0 || m != order[want]) {
				all = false;
				diag("set %u proto %d: rc %d mech %d %s", set, proto, rc, (int)m,
				     msg ? msg : "");
			}
			free(msg);
			buf_free(&list);
		}
	}
	ok(all, "auto picks the strongest of every subset, never OAuth");

	rc = choose("plain scram-sha-1 Login", SASL_PROTO_SMTP, CONFIG_AUTH_AUTO, true, false,
		    false, false, &m, &msg);
	ok(rc == 0 && m == SASL_MECH_SCRAM_SHA_1,
	   "names compare case-insensitively");
	free(msg);
	rc = choose("  PLAIN\t\tLOGIN  ", SASL_PROTO_SMTP, CONFIG_AUTH_AUTO, true, false,
		    false, false, &m, &msg);
	ok(rc == 0 && m == SASL_MECH_PLAIN, "odd white space");
	free(msg);
	rc = choose("SCRAM-SHA-256-PLUS PLAINX XPLAIN", SASL_PROTO_SMTP, CONFIG_AUTH_AUTO, true,
		    false, false, false, &m, &msg);
	ok(rc == -1 &&
	   contains(msg, "SCRAM-SHA-256-PLUS PLAINX XPLAIN"),
	   "near-miss names are not taken, but listed: %s", msg);
	free(msg);
	rc = choose("", SASL_PROTO_SMTP, CONFIG_AUTH_AUTO, true, false, false, false, &m, &msg);
	ok(rc == -1 && contains(msg, "offers: nothing"), "nothing offered: %s", msg);
	free(msg);
	rc = choose(NULL, SASL_PROTO_SMTP, CONFIG_AUTH_AUTO, true, false, false, false, &m, &msg);
	ok(rc == -1, "NULL list");
	free(msg);
	rc = choose("XOAUTH2", SASL_PROTO_SMTP, CONFIG_AUTH_AUTO, true, false, false, false, &m, &msg);
	ok(rc == -1 && contains(msg, "smtp-auth = xoauth2"), "only OAuth offered: hint %s", msg);
	free(msg);
	rc = choose("PL\001AIN P\xc3\xa9 LOGIN", SASL_PROTO_SMTP, CONFIG_AUTH_CRAM_MD5, true, false,
		    false, false, &m, &msg);
	ok(rc == -1 && contains(msg, "offers: LOGIN") && !contains(msg, "\001"),
	   "junk names are not echoed: %s", msg);
	free(msg);

	/* POP3 without SASL: APOP, then USER; SASL preferred. */
	rc = choose(NULL, SASL_PROTO_POP3, CONFIG_AUTH_AUTO, true, false, true, true, &m, &msg);
	ok(rc == 0 &&
	   m == SASL_MECH_APOP, "POP3 auto without SASL: APOP");
	free(msg);
	rc = choose(NULL, SASL_PROTO_POP3, CONFIG_AUTH_AUTO, true, false, false, true, &m, &msg);
	ok(rc == 0 &&
	   m == SASL_MECH_USER, "then USER");
	free(msg);
	rc = choose("LOGIN", SASL_PROTO_POP3, CONFIG_AUTH_AUTO, true, false, true, true, &m, &msg);
	ok(rc == 0 &&
	   m == SASL_MECH_LOGIN, "SASL before APOP");
	free(msg);
	rc = choose(NULL, SASL_PROTO_POP3, CONFIG_AUTH_AUTO, true, false, false, false, &m, &msg);
	ok(rc == -1 &&
	   contains(msg, "nothing"), "POP3 with nothing at all");
	free(msg);
	rc = choose("PLAIN", SASL_PROTO_POP3, CONFIG_AUTH_APOP, true, false, false, true, &m, &msg);
	ok(rc == -1 &&
	   contains(msg, "pop3-auth = apop") && contains(msg, "PLAIN USER"),
	   "apop configured, no timestamp: %s", msg);
	free(msg);
	rc = choose("PLAIN", SASL_PROTO_POP3, CONFIG_AUTH_APOP, true, false, true, true, &m, &msg);
	ok(rc == 0 &&
	   m == SASL_MECH_APOP, "apop configured and offered");
	free(msg);
	rc = choose("PLAIN", SASL_PROTO_POP3, CONFIG_AUTH_USER, true, false, true, false, &m, &msg);
	ok(rc == -1 &&
	   contains(msg, "does not offer USER"), "user configured, not offered: %s", msg);
	free(msg);
	rc = choose("PLAIN", SASL_PROTO_SMTP, CONFIG_AUTH_APOP, true, false, true, true, &m, &msg);
	ok(rc == -1 &&
	   contains(msg, "only for POP3"), "apop for SMTP: %s", msg);
	free(msg);
	rc = choose("PLAIN", SASL_PROTO_SMTP, CONFIG_AUTH_USER, true, false, true, true, &m, &msg);
	ok(rc == -1,
	   "user for SMTP");
	free(msg);

	/* Explicit choices. */
	rc = choose("PLAIN LOGIN", SASL_PROTO_POP3, CONFIG_AUTH_SCRAM_SHA_256, true, false, false,
		    false, &m, &msg);
	ok(rc == -1 && contains(msg, "pop3-auth = scram-sha-256") &&
	   contains(msg, "does not offer SCRAM-SHA-256") && contains(msg, "offers: PLAIN LOGIN"),
	   "explicit mechanism not offered: %s", msg);
	free(msg);
	rc = choose("SCRAM-SHA-256 PLAIN LOGIN", SASL_PROTO_SMTP, CONFIG_AUTH_LOGIN, true, false,
		    false, false, &m, &msg);
	ok(rc == 0 && m == SASL_MECH_LOGIN, "explicit LOGIN taken though weaker");
	free(msg);
	rc = choose("PLAIN XOAUTH2", SASL_PROTO_SMTP, CONFIG_AUTH_XOAUTH2, true, false, false,
		    false, &m, &msg);
	ok(rc == 0 && m == SASL_MECH_XOAUTH2, "explicit XOAUTH2");
	free(msg);
	rc = choose("PLAIN OAUTHBEARER", SASL_PROTO_SMTP, CONFIG_AUTH_OAUTHBEARER, true, false, false,
		    false, &m, &msg);
	ok(rc == 0 && m == SASL_MECH_OAUTHBEARER, "explicit OAUTHBEARER");
	free(msg);
	rc = choose("PLAIN", SASL_PROTO_SMTP, CONFIG_AUTH_XOAUTH2, true, false, false,
		    false, &m, &msg);
	ok(rc == -1 && contains(msg, "smtp-auth = xoauth2"), "XOAUTH2 not offered");
	free(msg);

	/* Without TLS: every configured value refused unless allowed. */
	all = true;
	for (size_t i = 0; i < ARRAY_LEN(every); i++) {
		rc = choose("SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 PLAIN LOGIN XOAUTH2 OAUTHBEARER",
			    SASL_PROTO_POP3, every[i], false, false, true, true, &m, &msg);
		if (rc != -1 || !contains(msg, "pop3-tls") || !contains(msg, "allow-plaintext-auth"))
			all = false;
		free(msg);
		rc = choose("SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 PLAIN LOGIN XOAUTH2 OAUTHBEARER",
			    SASL_PROTO_POP3, every[i], false, true, true, true, &m, &msg);
		if (rc != 0)
			all = false;
		free(msg);
	}
	ok(all, "no TLS: every mechanism refused, allowed with allow-plaintext-auth");
	rc = choose("PLAIN", SASL_PROTO_SMTP, CONFIG_AUTH_AUTO, false, false, false, false, &m, &msg);
	ok(rc == -1 && contains(msg, "smtp-tls") && contains(msg, "allow-plaintext-auth"),
	   "SMTP refusal names smtp-tls: %s", msg);
	free(msg);
	rc = choose("PLAIN SCRAM-SHA-1", SASL_PROTO_SMTP, CONFIG_AUTH_AUTO, false, true, false, false,
		    &m, &msg);
	ok(rc == 0 && m == SASL_MECH_SCRAM_SHA_1, "allowed plaintext still picks the strongest");
	free(msg);

	/* A long list is shown truncated. */
	{
		struct buf list = BUF_INIT;

		for (int i = 0; i < 40; i++)
			buf_printf(&list, "X%d ", i);
		rc = choose(buf_cstr(&list), SASL_PROTO_SMTP, CONFIG_AUTH_AUTO, true, false,
			    false, false, &m, &msg);
		ok(rc == -1 && contains(msg, "X15 ...") && !contains(msg, "X16"),
		   "long lists are cut: %s", msg);
		free(msg);
		buf_free(&list);
	}
}

/* ---- the AUTH line ---- */

static void test_line_limit(void)
{
	char buf[600];

	/* "AUTH PLAIN " is 11, CRLF 2: 242 characters fit in 255. */
	memset(buf, 'A', 242);
	buf[242] = '\0';
	ok(sasl_initial_fits(SASL_PROTO_POP3, SASL_MECH_PLAIN, buf), "POP3: 255 octets fit");
	buf[242] = 'A';
	buf[243] = '\0';
	ok(!sasl_initial_fits(SASL_PROTO_POP3, SASL_MECH_PLAIN, buf), "POP3: 256 do not");
	/* "AUTH SCRAM-SHA-256 " is 19: 234 fit. */
	memset(buf, 'A', 234);
	buf[234] = '\0';
	ok(sasl_initial_fits(SASL_PROTO_POP3, SASL_MECH_SCRAM_SHA_256, buf), "the mechanism name counts");
	buf[234] = 'A';
	buf[235] = '\0';
	ok(!sasl_initial_fits(SASL_PROTO_POP3, SASL_MECH_SCRAM_SHA_256, buf), "one more does not fit");
	memset(buf, 'A', 499);
	buf[499] = '\0';
	ok(sasl_initial_fits(SASL_PROTO_SMTP, SASL_MECH_PLAIN, buf), "SMTP: 512 octets fit");
	buf[499] = 'A';
	buf[500] = '\0';
	ok(!sasl_initial_fits(SASL_PROTO_SMTP, SASL_MECH_PLAIN, buf), "SMTP: 513 do not");
	ok(sasl_initial_fits(SASL_PROTO_POP3, SASL_MECH_PLAIN, ""), "empty fits");
	ok(sasl_initial_fits(SASL_PROTO_POP3, SASL_MECH_LOGIN, NULL), "no initial response fits");
}

/* ---- APOP ---- */

static void test_apop(void)
{
	static const char greeting[] = "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>";
	static const char *const bad[] = {
		"+OK POP3 server ready",
		"+OK ready <1896.697170952@dbc.mtview.ca.us",
		"+OK ready <1896.697170952.dbc.mtview.ca.us>",
		"+OK ready <1896 697170952@dbc>",
		"+OK ready <>",
		"+OK ready <@",
		"+OK ready <a@b\x01>",
		"+OK ready <a@b\xc3\xa9>",
		"<",
		"",
	};
	char digest[APOP_DIGEST_LEN + 1];
	struct error *err = NULL;
	const char *ts;
	size_t tslen;
	char *g;

	ok(apop_timestamp(greeting, strlen(greeting), &ts, &tslen) &&
	   tslen == 33 && strncmp(ts, "<1896.697170952@dbc.mtview.ca.us>", tslen) == 0,
	   "timestamp found");
	ok(apop_digest(greeting, strlen(greeting), "tanstaaf", digest, &err) == 0,
	   "APOP digest computed");
	is_str(digest, "c4c9334bac560ecc979e58001b3e22fb", "RFC 1939 APOP example");
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		ok(!apop_timestamp(bad[i], strlen(bad[i]), &ts, &tslen),
		   "no timestamp in bad greeting %zu", i);
		ok(apop_digest(bad[i], strlen(bad[i]), "tanstaaf", digest, &err) == -1 &&
		   err != NULL && err->kind == ERR_PERM && digest[0] == '\0' &&
		   !contains(err->msg, "tanstaaf"), "so no digest");
		error_free(&err);
	}
	g = xasprintf("+OK <junk> <%0*d@x>", APOP_TIMESTAMP_MAX, 7);
	ok(!apop_timestamp(g, strlen(g), &ts, &tslen), "over-long timestamp refused");
	free(g);
	g = xasprintf("+OK <junk> <%0*d@x>", APOP_TIMESTAMP_MAX - 4, 7);
	ok(apop_timestamp(g, strlen(g), &ts, &tslen) && tslen == APOP_TIMESTAMP_MAX,
	   "the longest timestamp accepted, after a bracketed word without '@'");
	free(g);
	{
		static const char nul[] = "+OK <a\0b@c> <1.2@d>";

		ok(apop_timestamp(nul, sizeof nul - 1, &ts, &tslen) && tslen == 7,
		   "NUL inside one candidate: the next is used");
		ok(!apop_timestamp(nul, 8, &ts, &tslen), "length is respected");
	}
}

int main(void)
{
	test_base64();
	test_scram_vector(&rfc5802);
	test_scram_vector(&rfc7677);
	test_scram_no_inline();
	test_scram_bad_signature();
	test_scram_server_first_bad();
	test_scram_limits_and_input();
	test_scram_errors();
	test_scram_names();
	test_cram_md5();
	test_plain_login();
	test_oauth();
	test_params();
	test_choose();
	test_line_limit();
	test_apop();
	return tap_done();
}
