/* replay.c - a main() for fuzz targets built without libFuzzer: runs the
 * target once over each file named on the command line, so `make check`
 * can replay the seed corpora under the sanitizers. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Corpus files are small; anything larger is a mistake. */
#define REPLAY_MAX (64u * 1024 * 1024)

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > REPLAY_MAX) {
				fprintf(stderr, "%s: too large\n", path);
				fclose(f);
				free(data);
				return -1;
			}
			data = realloc(data, cap);
			if (data == NULL)
				abort();
		}
		got = fread(data + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, so ASan sees reads past the end. */
	{
		unsigned char *exact = malloc(len ? len : 1);

		if (exact == NULL)
			abort();
		if (len > 0)
			memcpy(exact, data, len);
		free(data);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	for (int i = 1; i < argc; i++)
		if (replay(argv[i]) != 0)
			status = 1;
	return status;
}
