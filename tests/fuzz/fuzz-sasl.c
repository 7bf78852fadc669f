/* fuzz-sasl.c - fuzz target for the SASL client (sasl.h): arbitrary server
 * challenges fed into an exchange, mostly SCRAM, plus mechanism choice and
 * APOP on the same bytes.
 *
 * Input: byte 0 picks the mechanism ('a' SCRAM-SHA-256, 'b' SCRAM-SHA-1,
 * 'c' CRAM-MD5, 'd' PLAIN, 'e' LOGIN, 'f' XOAUTH2, 'g' OAUTHBEARER; other
 * bytes wrap around).  Byte 1 is 'p' when the challenges are plain text
 * that the target base64-encodes (so the fuzzer can reach deep into SCRAM
 * without having to invent base64), anything else when they are fed as
 * they are.  The rest is challenges, one per line.  The client nonce is
 * the RFC example's, so the RFC exchanges in the corpus run to the end.
 *
 * Invariants: every step hands back a response line; a failure always has
 * a sentence, valid UTF-8, without the password; a failure is sticky;
 * success is only believed for SCRAM after a verified server signature. */
#include "config.h"

#include <string.h>

#include "base64.h"
#include "error.h"
#include "fuzz.h"
#include "sasl.h"
#include "util.h"

#define PASSWORD "pencil"
#define MAX_STEPS 8

/* Whether the input itself holds the password: then a server's words
 * quoted in a message may hold it too, and that is no leak. */
static bool input_has_password;

static void check_error(const struct error *e)
{
	FUZZ_ASSERT(e != NULL && e->msg != NULL);
	FUZZ_ASSERT(utf8_valid(e->msg, strlen(e->msg)));
	FUZZ_ASSERT(input_has_password || strstr(e->msg, PASSWORD) == NULL);
}

static void run_exchange(enum sasl_mech mech, bool plain, const char *p, const char *end)
{
	struct sasl_params params = { mech, "user", PASSWORD, "server.example.com", 143, 4096 };
	struct sasl *s;
	struct error *err = NULL;
	char *ir = NULL;
	bool failed = false;
	int steps = 0;

	s = sasl_new(&params, &err);
	FUZZ_ASSERT(s != NULL && err == NULL);
	if (mech == SASL_MECH_SCRAM_SHA_1)
		sasl_test_set_nonce(s, "fyko+d2lbbFgONRv9qkxdawL");
	else if (mech == SASL_MECH_SCRAM_SHA_256)
		sasl_test_set_nonce(s, "rOprNGfwEbeRWgbNEkqO");
	FUZZ_ASSERT(sasl_start(s, &ir, &err) == 0);
	if (ir != NULL) {
		FUZZ_ASSERT(base64_valid(ir, strlen(ir)));
		(void)sasl_initial_fits(SASL_PROTO_POP3, mech, ir);
		sasl_response_free(&ir);
	}

	while (p < end && steps++ < MAX_STEPS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		char *challenge, *resp = NULL;
		int rc;

		if (plain)
			challenge = base64_encode(p, n);
		else
			challenge = xstrndup(p, n);
		rc = sasl_step(s, challenge, strlen(challenge), &resp, &err);
		free(challenge);
		FUZZ_ASSERT(resp != NULL);
		if (rc < 0) {
			check_error(err);
			FUZZ_ASSERT(strcmp(resp, "*") == 0 || strcmp(resp, "") == 0 ||
				    strcmp(resp, "AQ==") == 0);
			failed = true;
		} else {
			FUZZ_ASSERT(rc == 0 && err == NULL && !failed);
			FUZZ_ASSERT(resp[0] == '\0' || base64_valid(resp, strlen(resp)) ||
				    mech == SASL_MECH_LOGIN);
		}
		error_free(&err);
		sasl_response_free(&resp);
		p = nl != NULL ? nl + 1 : end;
	}

	if (sasl_finish(s, &err) == 0) {
		FUZZ_ASSERT(!failed);
		FUZZ_ASSERT(mech != SASL_MECH_SCRAM_SHA_1 && mech != SASL_MECH_SCRAM_SHA_256 ?
			    true : strcmp(sasl_state_name(s), "scram-verified") == 0);
	} else {
		check_error(err);
	}
	error_free(&err);
	sasl_rejected(s, "-ERR no", false, &err);
	check_error(err);
	error_free(&err);
	sasl_free(&s);
	FUZZ_ASSERT(s == NULL);
}

/* The same bytes as a server's mechanism list and as a POP3 greeting. */
static void run_choice(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct sasl_policy pol = { SASL_PROTO_POP3, CONFIG_AUTH_AUTO, true, false, false, true };
	char digest[APOP_DIGEST_LEN + 1];
	struct error *err = NULL;
	enum sasl_mech m;
	const char *ts;
	size_t tslen;

	pol.configured = (enum config_auth)(size % (CONFIG_AUTH_OAUTHBEARER + 1));
	if (sasl_choose(text, &pol, &m, &err) == 0) {
		FUZZ_ASSERT(err == NULL);
		(void)sasl_mech_name(m);
	} else {
		check_error(err);
	}
	error_free(&err);

	if (apop_timestamp((const char *)data, size, &ts, &tslen)) {
		FUZZ_ASSERT(tslen >= 3 && tslen <= APOP_TIMESTAMP_MAX);
		FUZZ_ASSERT(ts[0] == '<' && ts[tslen - 1] == '>');
		FUZZ_ASSERT(memchr(ts, '@', tslen) != NULL);
		FUZZ_ASSERT(apop_digest((const char *)data, size, PASSWORD, digest, &err) == 0);
		FUZZ_ASSERT(strlen(digest) == APOP_DIGEST_LEN);
	} else {
		FUZZ_ASSERT(apop_digest((const char *)data, size, PASSWORD, digest, &err) < 0);
		check_error(err);
		error_free(&err);
	}
	free(text);
}

/* base64 must round-trip and agree with itself. */
static void run_base64(const uint8_t *data, size_t size)
{
	char *enc = base64_encode(data, size);
	unsigned char *dec;
	size_t n;

	FUZZ_ASSERT(base64_decode(enc, strlen(enc), &dec, &n) == 0);
	FUZZ_ASSERT(n == size && (size == 0 || memcmp(dec, data, size) == 0));
	free(dec);
	free(enc);
	if (base64_decode((const char *)data, size, &dec, &n) == 0) {
		FUZZ_ASSERT(base64_valid((const char *)data, size));
		enc = base64_encode(dec, n);
		FUZZ_ASSERT(strlen(enc) == size);
		free(enc);
		free(dec);
	} else {
		FUZZ_ASSERT(dec == NULL && !base64_valid((const char *)data, size));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sasl_mech mechs[] = {
		SASL_MECH_SCRAM_SHA_256, SASL_MECH_SCRAM_SHA_1, SASL_MECH_CRAM_MD5,
		SASL_MECH_PLAIN, SASL_MECH_LOGIN, SASL_MECH_XOAUTH2, SASL_MECH_OAUTHBEARER,
	};
	const char *p = (const char *)data, *end = p + size;

	if (size > 64 * 1024)
		return 0;
	input_has_password = memmem(data, size, PASSWORD, strlen(PASSWORD)) != NULL;
	run_choice(data, size);
	run_base64(data, size);
	if (size < 2)
		return 0;
	run_exchange(mechs[(unsigned)(data[0] - 'a') % ARRAY_LEN(mechs)], data[1] == 'p',
		     p + 2 + (size > 2 && data[2] == '\n'), end);
	return 0;
}
