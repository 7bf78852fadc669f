/* fuzz-config.c - libFuzzer target for the configuration file parser:
 * any bytes must either parse or give an error, with no crash, leak or
 * undefined behaviour. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct error *err = NULL;

	if (config_parse_buffer("/fuzz/config", (const char *)data, size, &cfg, &err) == 0) {
		/* Exercise the lookups on whatever was parsed. */
		for (size_t i = 0; i < cfg.naccounts; i++) {
			const struct account *a = &cfg.accounts[i];

			if (config_find_account(&cfg, a->name) == NULL ||
			    config_find_account_by_address(&cfg, a->address) == NULL)
				__builtin_trap();
			(void)config_tls_name(a->pop3_tls);
			(void)config_auth_name(a->smtp_auth);
		}
	} else if (err == NULL || strncmp(err->msg, "/fuzz/config", 12) != 0 ||
		   !utf8_valid(err->msg, strlen(err->msg))) {
		__builtin_trap();	/* every error names the file, in UTF-8 */
	}
	for (size_t i = 0; i < cfg.nwarnings; i++)
		if (!utf8_valid(cfg.warnings[i], strlen(cfg.warnings[i])))
			__builtin_trap();
	config_free(&cfg);
	error_free(&err);
	return 0;
}
