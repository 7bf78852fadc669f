## Fuzz targets, one per parser: tests/fuzz/fuzz-NAME.c defines
## LLVMFuzzerTestOneInput and tests/fuzz/corpus/NAME/ holds its seeds.
## With --enable-fuzzing they are libFuzzer binaries (built by `make`; run
## e.g. `tests/fuzz/fuzz-header -max_total_time=600 corpus-dir seed-dir`).
## Otherwise each is linked with a small replay main() and `make check`
## runs it over its seed corpus (tests/fuzz/replay.sh), under the
## sanitizers when configured with them.
PETREL_FUZZ_TARGETS = \
	tests/fuzz/fuzz-header \
	tests/fuzz/fuzz-address \
	tests/fuzz/fuzz-date \
	tests/fuzz/fuzz-rfc2047 \
	tests/fuzz/fuzz-msgid \
	tests/fuzz/fuzz-envelope \
	tests/fuzz/fuzz-config \
	tests/fuzz/fuzz-mbox \
	tests/fuzz/fuzz-mime \
	tests/fuzz/fuzz-html \
	tests/fuzz/fuzz-transfer \
	tests/fuzz/fuzz-rfc2231 \
	tests/fuzz/fuzz-render \
	tests/fuzz/fuzz-sasl \
	tests/fuzz/fuzz-pop3

if ENABLE_FUZZING
noinst_PROGRAMS += $(PETREL_FUZZ_TARGETS)
petrel_fuzz_main =
petrel_fuzz_ld = -fsanitize=fuzzer
else
check_PROGRAMS += $(PETREL_FUZZ_TARGETS)
petrel_fuzz_main = tests/fuzz/replay.c
petrel_fuzz_ld =
endif
TESTS += tests/fuzz/replay.sh

tests_fuzz_fuzz_header_SOURCES = tests/fuzz/fuzz-header.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_header_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_header_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_address_SOURCES = tests/fuzz/fuzz-address.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_address_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_address_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_date_SOURCES = tests/fuzz/fuzz-date.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_date_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_date_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_rfc2047_SOURCES = tests/fuzz/fuzz-rfc2047.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_rfc2047_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_rfc2047_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_msgid_SOURCES = tests/fuzz/fuzz-msgid.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_msgid_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_msgid_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_envelope_SOURCES = tests/fuzz/fuzz-envelope.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_envelope_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_envelope_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_config_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_mbox_SOURCES = tests/fuzz/fuzz-mbox.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_mbox_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_mbox_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_mime_SOURCES = tests/fuzz/fuzz-mime.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_mime_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_mime_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_html_SOURCES = tests/fuzz/fuzz-html.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_html_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_html_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_transfer_SOURCES = tests/fuzz/fuzz-transfer.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_transfer_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_transfer_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_rfc2231_SOURCES = tests/fuzz/fuzz-rfc2231.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_rfc2231_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_rfc2231_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_render_SOURCES = tests/fuzz/fuzz-render.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_render_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_render_LDADD = $(PETREL_LIBS)

tests_fuzz_fuzz_sasl_SOURCES = tests/fuzz/fuzz-sasl.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_sasl_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_sasl_LDADD = $(PETREL_LIBS)
tests_fuzz_fuzz_pop3_SOURCES = tests/fuzz/fuzz-pop3.c tests/fuzz/fuzz.h $(petrel_fuzz_main)
tests_fuzz_fuzz_pop3_LDFLAGS = $(AM_LDFLAGS) $(petrel_fuzz_ld)
tests_fuzz_fuzz_pop3_LDADD = $(PETREL_LIBS)

## The seed corpora, listed one by one (no wildcards in automake).
EXTRA_DIST += tests/fuzz/replay.sh \
	tests/fuzz/corpus/header/folded-crlf.eml \
	tests/fuzz/corpus/header/leading-cont.eml \
	tests/fuzz/corpus/header/mbox-from.eml \
	tests/fuzz/corpus/header/no-blank.eml \
	tests/fuzz/corpus/header/nul-8bit.eml \
	tests/fuzz/corpus/header/simple-lf.eml \
	tests/fuzz/corpus/address/basic.txt \
	tests/fuzz/corpus/address/empty-group.txt \
	tests/fuzz/corpus/address/encoded.txt \
	tests/fuzz/corpus/address/group.txt \
	tests/fuzz/corpus/address/junk.txt \
	tests/fuzz/corpus/address/literal.txt \
	tests/fuzz/corpus/address/route.txt \
	tests/fuzz/corpus/date/asctime.txt \
	tests/fuzz/corpus/date/comment.txt \
	tests/fuzz/corpus/date/dotted.txt \
	tests/fuzz/corpus/date/from-line.txt \
	tests/fuzz/corpus/date/iso.txt \
	tests/fuzz/corpus/date/obsolete.txt \
	tests/fuzz/corpus/date/rfc5322.txt \
	tests/fuzz/corpus/rfc2047/broken.txt \
	tests/fuzz/corpus/rfc2047/charset-iso2022.txt \
	tests/fuzz/corpus/rfc2047/charset-koi8.txt \
	tests/fuzz/corpus/rfc2047/charset-utf7.txt \
	tests/fuzz/corpus/rfc2047/cjk.txt \
	tests/fuzz/corpus/rfc2047/glued.txt \
	tests/fuzz/corpus/rfc2047/mixed.txt \
	tests/fuzz/corpus/msgid/in-reply-to.txt \
	tests/fuzz/corpus/msgid/junk.txt \
	tests/fuzz/corpus/msgid/one.txt \
	tests/fuzz/corpus/msgid/references.txt \
	tests/fuzz/corpus/msgid/word.txt \
	tests/fuzz/corpus/envelope/mbox-nodate.eml \
	tests/fuzz/corpus/envelope/multipart.eml \
	tests/fuzz/corpus/envelope/nested.eml \
	tests/fuzz/corpus/envelope/simple.eml \
	tests/fuzz/corpus/envelope/truncated.eml \
	tests/fuzz/corpus/config/bad-enum.ini \
	tests/fuzz/corpus/config/bad-syntax.ini \
	tests/fuzz/corpus/config/comments.ini \
	tests/fuzz/corpus/config/crlf-quotes.ini \
	tests/fuzz/corpus/config/dup-account.ini \
	tests/fuzz/corpus/config/full.ini \
	tests/fuzz/corpus/config/outside.ini \
	tests/fuzz/corpus/config/utf8-bom.ini \
	tests/fuzz/corpus/mbox/blank-start.mbox \
	tests/fuzz/corpus/mbox/crlf.mbox \
	tests/fuzz/corpus/mbox/dates.mbox \
	tests/fuzz/corpus/mbox/empty \
	tests/fuzz/corpus/mbox/empty-messages.mbox \
	tests/fuzz/corpus/mbox/long-line.mbox \
	tests/fuzz/corpus/mbox/not-mbox \
	tests/fuzz/corpus/mbox/nul.mbox \
	tests/fuzz/corpus/mbox/tricky.mbox \
	tests/fuzz/corpus/mbox/truncated.mbox \
	tests/fuzz/corpus/mime/deep.eml \
	tests/fuzz/corpus/mime/digest.eml \
	tests/fuzz/corpus/mime/flowed-uu.eml \
	tests/fuzz/corpus/mime/koi8-utf16.eml \
	tests/fuzz/corpus/mime/missing-close.eml \
	tests/fuzz/corpus/mime/mixed-crlf.eml \
	tests/fuzz/corpus/mime/nested-message.eml \
	tests/fuzz/corpus/mime/no-header.eml \
	tests/fuzz/corpus/mime/prefix-boundaries.eml \
	tests/fuzz/corpus/mime/rfc2231-cont.eml \
	tests/fuzz/corpus/html/basic.html \
	tests/fuzz/corpus/html/broken.html \
	tests/fuzz/corpus/html/entities.html \
	tests/fuzz/corpus/html/outlook.html \
	tests/fuzz/corpus/html/unterminated-attr.html \
	tests/fuzz/corpus/transfer/base64.bin \
	tests/fuzz/corpus/transfer/qp.bin \
	tests/fuzz/corpus/transfer/uu-in-text.bin \
	tests/fuzz/corpus/transfer/uu.bin \
	tests/fuzz/corpus/rfc2231/continuations.txt \
	tests/fuzz/corpus/rfc2231/junk.txt \
	tests/fuzz/corpus/rfc2231/quoted-2047.txt \
	tests/fuzz/corpus/rfc2231/windows-path.txt \
	tests/fuzz/corpus/render/crash-8bit-type.eml \
	tests/fuzz/corpus/render/crash-uu-name-cut.eml \
	tests/fuzz/corpus/render/deep.eml \
	tests/fuzz/corpus/render/digest.eml \
	tests/fuzz/corpus/render/flowed-uu.eml \
	tests/fuzz/corpus/render/koi8-utf16.eml \
	tests/fuzz/corpus/render/missing-close.eml \
	tests/fuzz/corpus/render/mixed-crlf.eml \
	tests/fuzz/corpus/render/nested-message.eml \
	tests/fuzz/corpus/render/no-header.eml \
	tests/fuzz/corpus/render/prefix-boundaries.eml \
	tests/fuzz/corpus/render/rfc2231-cont.eml
EXTRA_DIST += \
	tests/fuzz/corpus/pop3/apop-rfc1939.txt \
	tests/fuzz/corpus/pop3/cut-in-terminator.txt \
	tests/fuzz/corpus/pop3/hostile-listing.txt \
	tests/fuzz/corpus/pop3/login-in-use.txt \
	tests/fuzz/corpus/pop3/not-pop3.txt \
	tests/fuzz/corpus/pop3/plain-pipelined.txt \
	tests/fuzz/corpus/pop3/scram-longline.txt \
	tests/fuzz/corpus/pop3/user-session.txt \
	tests/fuzz/corpus/sasl/apop-greeting.txt \
	tests/fuzz/corpus/sasl/cram-md5.txt \
	tests/fuzz/corpus/sasl/junk.bin \
	tests/fuzz/corpus/sasl/login.txt \
	tests/fuzz/corpus/sasl/mech-list.txt \
	tests/fuzz/corpus/sasl/oauthbearer-error.txt \
	tests/fuzz/corpus/sasl/plain.txt \
	tests/fuzz/corpus/sasl/scram1-mandatory-ext.txt \
	tests/fuzz/corpus/sasl/scram1-rfc5802.txt \
	tests/fuzz/corpus/sasl/scram256-bad-signature.txt \
	tests/fuzz/corpus/sasl/scram256-base64.txt \
	tests/fuzz/corpus/sasl/scram256-empty-first.txt \
	tests/fuzz/corpus/sasl/scram256-error.txt \
	tests/fuzz/corpus/sasl/scram256-foreign-nonce.txt \
	tests/fuzz/corpus/sasl/scram256-iterations.txt \
	tests/fuzz/corpus/sasl/scram256-rfc7677.txt \
	tests/fuzz/corpus/sasl/xoauth2-error.txt
